// Lays out the bytes of a canonical tar in fixed-size frames: the manifest entry first, then
// every entry in the given (already sorted) order, then the end-of-archive blocks. Headers are
// encoded into the frame and file content is read straight into it (synchronous reads: one
// system call each, no promise, no intermediate buffer), so each byte of the project is copied
// once, from the page cache to the frame that is hashed and compressed. A full frame goes to
// the caller, who hands back an empty one; memory stays flat whatever the data size. (Reading
// small files ahead on a worker thread was tried: no faster on two cores, both already busy,
// and ~15 MB more at peak.)
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ReproError, fsError } from '../core/errors.js';
import { FILE_MODE } from './entry.js';
import { MANIFEST_PATH } from './layout.js';
import type { EntryList, SourceEntry } from './entry-table.js';
import { END_OF_ARCHIVE, encodeEntryHeader, paddingFor } from './tar-header.js';
import { changedError } from './changed.js';

/** The manifest entry's content: its size up front, its bytes made as they are written. */
export interface ManifestContent {
  size: number;
  chunks(): Iterable<Buffer>;
}

export interface TarFrameOptions {
  mtime: number;
  /** An empty buffer to fill; every frame but the last is filled to its whole length. */
  nextFrame(): Buffer;
  /** Takes a frame of `length` bytes (`last` for the final one); the frame is the callee's from then on. */
  onFrame(frame: Buffer, length: number, last: boolean): Promise<void> | void;
  /** Bytes of file content read so far, for progress. */
  onBytes?(n: number): void;
}

/** Writes the canonical tar of `manifest` and `entries` through `options.onFrame`. */
export async function writeTarFrames(manifest: ManifestContent, entries: EntryList, options: TarFrameOptions): Promise<void> {
  const out = new Framer(options);
  const scratch = Buffer.alloc(512);
  await out.put(encodeEntryHeader({ path: MANIFEST_PATH, type: 'file', mode: FILE_MODE, size: manifest.size }, options.mtime, scratch));
  let written = 0;
  for (const chunk of manifest.chunks()) {
    written += chunk.length;
    await out.put(chunk);
  }
  // The header already promised manifest.size bytes; anything else would be a corrupt tar.
  if (written !== manifest.size) throw new Error(`internal error: the manifest is ${written} bytes, ${manifest.size} were announced`);
  await out.zeros(paddingFor(manifest.size));
  for (const entry of entries) {
    await out.put(encodeEntryHeader(entry, options.mtime, scratch));
    if (entry.type !== 'file' || entry.size === 0) continue;
    if (entry.content) await out.put(entry.content);
    else await out.readFile(entry);
    await out.zeros(paddingFor(entry.size));
  }
  await out.put(END_OF_ARCHIVE);
  await out.finish();
}

class Framer {
  readonly #options: TarFrameOptions;
  #frame: Buffer;
  #used = 0;
  /** One byte to learn that a file ended where its size said when the frame had no room to spare. */
  readonly #probe = Buffer.alloc(1);

  constructor(options: TarFrameOptions) {
    this.#options = options;
    this.#frame = options.nextFrame();
  }

  /** Room left in the current frame, after sending it on when it is full. */
  async #room(): Promise<number> {
    if (this.#used === this.#frame.length) {
      const full = this.#frame;
      this.#frame = this.#options.nextFrame();
      this.#used = 0;
      await this.#options.onFrame(full, full.length, false);
    }
    return this.#frame.length - this.#used;
  }

  async put(buf: Buffer): Promise<void> {
    let at = 0;
    while (at < buf.length) {
      await this.#room();
      const n = buf.copy(this.#frame, this.#used, at);
      this.#used += n;
      at += n;
    }
  }

  async zeros(length: number): Promise<void> {
    let left = length;
    while (left > 0) {
      const n = Math.min(left, await this.#room());
      this.#frame.fill(0, this.#used, this.#used + n);
      this.#used += n;
      left -= n;
    }
  }

  /** Reads a planned file into the frames, refusing it if it is not the file that was hashed. */
  async readFile(entry: SourceEntry): Promise<void> {
    const source = entry.source!;
    let fd: number;
    try {
      fd = openSync(source, 'r');
    } catch (err) {
      throw fsError(err, source, 'cannot read');
    }
    try {
      const seen = entry.stat;
      if (seen) {
        const st = fstatSync(fd);
        if (st.size !== seen.size || st.mtimeMs !== seen.mtimeMs || st.ino !== seen.ino) throw changedError(source);
      }
      let remaining = entry.size;
      let endSeen = false;
      while (remaining > 0) {
        const room = await this.#room();
        // Asking for one byte more than is left, when there is room, learns in the same call
        // that the file ends where its size says: a regular file's short read is its end.
        const ask = Math.min(room, remaining + 1);
        const n = readSync(fd, this.#frame, this.#used, ask, null);
        if (n === 0 || n > remaining) throw changedError(source);
        this.#used += n;
        remaining -= n;
        this.#options.onBytes?.(n);
        if (remaining === 0 && n < ask) endSeen = true;
      }
      if (!endSeen && readSync(fd, this.#probe, 0, 1, null) !== 0) throw changedError(source);
    } catch (err) {
      throw err instanceof ReproError ? err : fsError(err, source, 'cannot read');
    } finally {
      closeSync(fd);
    }
  }

  async finish(): Promise<void> {
    const last = this.#frame;
    await this.#options.onFrame(last, this.#used, true);
  }
}

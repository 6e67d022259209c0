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
  out.put(encodeEntryHeader({ path: MANIFEST_PATH, type: 'file', mode: FILE_MODE, size: manifest.size }, options.mtime, scratch));
  let written = 0;
  for (const chunk of manifest.chunks()) {
    written += chunk.length;
    out.put(chunk);
    await out.flush();
  }
  // The header already promised manifest.size bytes; anything else would be a corrupt tar.
  if (written !== manifest.size) throw new Error(`internal error: the manifest is ${written} bytes, ${manifest.size} were announced`);
  out.zeros(paddingFor(manifest.size));
  for (const entry of entries) {
    out.put(encodeEntryHeader(entry, options.mtime, scratch));
    if (entry.type === 'file' && entry.size > 0) {
      if (entry.content) out.put(entry.content);
      else if (!out.readSmallFile(entry)) await out.readFile(entry);
      out.zeros(paddingFor(entry.size));
    }
    // Frames filled by this entry go on now; an entry that filled none costs no await.
    if (out.queued) await out.flush();
  }
  out.put(END_OF_ARCHIVE);
  await out.flush();
  await out.finish();
}

/**
 * Fills frames synchronously and queues each full one; flush() hands the queued ones to
 * onFrame. The writer flushes after each entry (a small file fills at most one frame, so most
 * entries cost no await at all: on 100,000 files, the promise of every put and read was a good
 * part of the writer's time and garbage), and a large file after each frame it fills, so at most
 * a frame or two wait here whatever the file's size.
 */
class Framer {
  readonly #options: TarFrameOptions;
  #frame: Buffer;
  #used = 0;
  readonly #full: Buffer[] = [];
  /** One byte to learn that a file ended where its size said when the frame had no room to spare. */
  readonly #probe = Buffer.alloc(1);

  constructor(options: TarFrameOptions) {
    this.#options = options;
    this.#frame = options.nextFrame();
  }

  get queued(): boolean {
    return this.#full.length > 0;
  }

  /** Room left in the current frame, after queueing it when it is full. */
  #room(): number {
    if (this.#used === this.#frame.length) {
      this.#full.push(this.#frame);
      this.#frame = this.#options.nextFrame();
      this.#used = 0;
    }
    return this.#frame.length - this.#used;
  }

  async flush(): Promise<void> {
    while (this.#full.length > 0) {
      const full = this.#full.shift()!;
      await this.#options.onFrame(full, full.length, false);
    }
  }

  put(buf: Uint8Array): void {
    if (buf.length <= this.#frame.length - this.#used) {
      this.#frame.set(buf, this.#used); // a TypedArray builtin: no per-call cost of Buffer#copy
      this.#used += buf.length;
      return;
    }
    let at = 0;
    while (at < buf.length) {
      const n = Math.min(this.#room(), buf.length - at);
      this.#frame.set(buf.subarray(at, at + n), this.#used);
      this.#used += n;
      at += n;
    }
  }

  zeros(length: number): void {
    let left = length;
    while (left > 0) {
      const n = Math.min(left, this.#room());
      Uint8Array.prototype.fill.call(this.#frame, 0, this.#used, this.#used + n);
      this.#used += n;
      left -= n;
    }
  }

  /**
   * Reads a planned file that fits in what is left of the frame (and one byte more), without a
   * promise: most files of a many-file project. Returns false, having done nothing, for a file
   * that does not fit; readFile reads those.
   */
  readSmallFile(entry: SourceEntry): boolean {
    if (entry.size + 1 > this.#frame.length - this.#used) return false;
    const source = entry.source!;
    const fd = this.#open(entry);
    try {
      // One byte more than the file's size is asked for: a short read is its end, in one call.
      const n = readSync(fd, this.#frame, this.#used, entry.size + 1, null);
      if (n !== entry.size) throw changedError(source);
      this.#used += n;
      this.#options.onBytes?.(n);
    } catch (err) {
      throw err instanceof ReproError ? err : fsError(err, source, 'cannot read');
    } finally {
      closeSync(fd);
    }
    return true;
  }

  /** Opens a planned file, refusing it if it is not the file that was hashed. */
  #open(entry: SourceEntry): number {
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
    } catch (err) {
      closeSync(fd);
      throw err instanceof ReproError ? err : fsError(err, source, 'cannot read');
    }
    return fd;
  }

  /** Reads a planned file into the frames, refusing it if it is not the file that was hashed. */
  async readFile(entry: SourceEntry): Promise<void> {
    const source = entry.source!;
    const fd = this.#open(entry);
    try {
      let remaining = entry.size;
      let endSeen = false;
      while (remaining > 0) {
        if (this.#full.length > 0) await this.flush(); // a large file: one frame at a time
        const room = this.#room();
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
    await this.flush();
    const last = this.#frame;
    await this.#options.onFrame(last, this.#used, true);
  }
}

// Generates the bytes of a canonical tar: the manifest entry first, then every entry in the
// given (already sorted) order, then the end-of-archive blocks. File content is streamed in
// 1 MiB slices and small pieces are coalesced, so memory stays flat whatever the data size.
import { promises as fs } from 'node:fs';
import { ReproError, fsError } from '../core/errors.js';
import { FILE_MODE } from './entry.js';
import { MANIFEST_PATH } from './layout.js';
import type { EntryList, SourceEntry } from './entry-table.js';
import { END_OF_ARCHIVE, encodeEntryHeader, paddingFor } from './tar-header.js';

const SLICE = 1 << 20;
const PASS_THROUGH = 64 << 10;

export interface TarStreamOptions {
  mtime: number;
  onBytes?: (n: number) => void;
}

/** The manifest entry's content: its size up front, its bytes made as they are written. */
export interface ManifestContent {
  size: number;
  chunks(): Iterable<Buffer>;
}

export async function* canonicalTar(
  manifest: ManifestContent,
  entries: EntryList,
  options: TarStreamOptions,
): AsyncGenerator<Buffer> {
  const out = new Chunker();
  const scratch = Buffer.alloc(512);
  const manifestEntry = { path: MANIFEST_PATH, type: 'file' as const, mode: FILE_MODE, size: manifest.size };
  yield* out.add(encodeEntryHeader(manifestEntry, options.mtime, scratch));
  let written = 0;
  for (const chunk of manifest.chunks()) {
    written += chunk.length;
    yield* out.add(chunk);
  }
  // The header already promised manifest.size bytes; anything else would be a corrupt tar.
  if (written !== manifest.size) throw new Error(`internal error: the manifest is ${written} bytes, ${manifest.size} were announced`);
  yield* out.zeros(paddingFor(manifest.size));
  const ahead = new Prefetcher(entries);
  for (let index = 0; index < entries.length; index++) {
    const entry = entries.at(index)!;
    yield* out.add(encodeEntryHeader(entry, options.mtime, scratch));
    if (entry.type !== 'file' || entry.size === 0) continue;
    if (entry.content) {
      yield* out.add(entry.content);
      yield* out.zeros(paddingFor(entry.size));
      continue;
    }
    const small = ahead.take(index);
    if (small) {
      const data = await small;
      options.onBytes?.(data.length);
      yield* out.add(data);
    } else {
      for await (const slice of readSource(entry)) {
        options.onBytes?.(slice.length);
        yield* out.add(slice);
      }
    }
    yield* out.zeros(paddingFor(entry.size));
  }
  yield* out.add(END_OF_ARCHIVE);
  yield* out.flush();
}

/**
 * Reads small files a few entries ahead, so many open/read/close round trips overlap instead
 * of queueing one behind another.
 */
class Prefetcher {
  static readonly WINDOW = 32;
  readonly #entries: EntryList;
  readonly #pending = new Map<number, Promise<Buffer>>();
  #next = 0;

  constructor(entries: EntryList) {
    this.#entries = entries;
  }

  /** The read of entry `index` when it is a small file, started earlier when possible. */
  take(index: number): Promise<Buffer> | undefined {
    this.#fill(index);
    const p = this.#pending.get(index);
    this.#pending.delete(index);
    return p;
  }

  #fill(from: number): void {
    if (this.#next < from) this.#next = from;
    while (this.#next < this.#entries.length && this.#pending.size < Prefetcher.WINDOW) {
      const i = this.#next++;
      const e = this.#entries.at(i)!;
      if (e.type === 'file' && e.size > 0 && e.size <= SLICE && !e.content) {
        const p = readSmall(e);
        p.catch(() => {}); // observed when taken; avoids an unhandled rejection if never taken
        this.#pending.set(i, p);
      }
    }
  }
}

async function readSmall(entry: SourceEntry): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const slice of readSource(entry)) parts.push(slice);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Reads a planned file, refusing it if it is not the file that was hashed. */
async function* readSource(entry: SourceEntry): AsyncGenerator<Buffer> {
  const source = entry.source!;
  const handle = await fs.open(source, 'r').catch((err) => {
    throw fsError(err, source, 'cannot read');
  });
  try {
    const st = await handle.stat();
    const seen = entry.stat;
    if (seen && (st.size !== seen.size || st.mtimeMs !== seen.mtimeMs || st.ino !== seen.ino)) throw changedError(source);
    let remaining = entry.size;
    while (remaining > 0) {
      const buf = Buffer.allocUnsafe(Math.min(SLICE, remaining));
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) throw changedError(source);
      remaining -= bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
    const extra = await handle.read(Buffer.alloc(1), 0, 1, null);
    if (extra.bytesRead !== 0) throw changedError(source);
  } finally {
    await handle.close();
  }
}

/**
 * Copies small pieces (headers, small files, padding) into 1 MiB chunks; a piece of 64 KiB or
 * more passes straight through. Copying, rather than keeping a list of the pieces, means a
 * bundle of 100,000 small files makes no object per header or padding that outlives it; not
 * copying large pieces (the manifest's 1 MiB pieces, file slices) means no second dead buffer
 * per MiB for V8 to collect: a 100,000-entry manifest is 20 MB written in a burst.
 */
class Chunker {
  #chunk = Buffer.allocUnsafe(SLICE);
  #used = 0;

  *add(buf: Buffer): Generator<Buffer> {
    if (buf.length === 0) return;
    if (buf.length >= PASS_THROUGH) {
      yield* this.flush();
      yield buf;
      return;
    }
    let at = 0;
    while (at < buf.length) {
      const n = buf.copy(this.#chunk, this.#used, at);
      this.#used += n;
      at += n;
      if (this.#used === SLICE) yield* this.flush();
    }
  }

  *zeros(length: number): Generator<Buffer> {
    let left = length;
    while (left > 0) {
      const n = Math.min(left, SLICE - this.#used);
      this.#chunk.fill(0, this.#used, this.#used + n);
      this.#used += n;
      left -= n;
      if (this.#used === SLICE) yield* this.flush();
    }
  }

  *flush(): Generator<Buffer> {
    if (this.#used === 0) return;
    const full = this.#chunk.subarray(0, this.#used);
    this.#chunk = Buffer.allocUnsafe(SLICE);
    this.#used = 0;
    yield full;
  }
}

/** A file that changed between planning and writing (size, mtime, inode or length read). */
export function changedError(source: string): ReproError {
  return new ReproError('E_CHANGED_DURING_BUILD', `file changed while the bundle was being built: ${source}`, {
    hint: 'Stop whatever is writing to the project (training, an editor, a sync tool) and build again.',
    details: { path: source },
  });
}

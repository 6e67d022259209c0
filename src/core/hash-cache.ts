// A cache of file hashes under <project>/.repro/cache/, keyed by path and the stat fields that
// change when content does (size, mtime, ctime, inode), as git's index is. It makes hashing
// unchanged files nearly free. Like git, it distrusts "racy" entries: a file modified within
// two seconds before the cache was written is hashed again. Losing or corrupting the cache
// costs only time; writing it is best-effort and atomic.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ignoreReproDir, REPRO_DIR } from './repro-dir.js';
import { writeChunksAtomic } from './atomic-write.js';
import { TextChunks } from './text-chunks.js';

export const CACHE_FILE = path.join(REPRO_DIR, 'cache', 'hashes.v1.json');
/** A file modified this close before a check is hashed again: its mtime may not have moved yet at the next change. */
export const RACY_MS = 2000;

export interface StatKey {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

type Row = [size: number, mtimeMs: number, ctimeMs: number, ino: number, sha256: string];

/** A row to save: the key, the stat it was hashed at, the hash. */
export type CacheRow = readonly [key: string, stat: StatKey, sha256: string];

interface CacheDoc {
  schemaVersion: 1;
  writtenAtMs: number;
  files: Record<string, Row>;
}

export class HashCache {
  readonly #file: string;
  #loaded: CacheDoc = { schemaVersion: 1, writtenAtMs: 0, files: {} };
  readonly #fresh: Record<string, Row> = {};
  #rows: (() => Iterable<CacheRow>) | undefined;
  hits = 0;
  misses = 0;

  constructor(root: string) {
    this.#file = path.join(root, CACHE_FILE);
  }

  async load(): Promise<this> {
    try {
      const doc = JSON.parse(await fs.readFile(this.#file, 'utf8')) as CacheDoc;
      if (doc.schemaVersion === 1 && doc.files && typeof doc.files === 'object') this.#loaded = doc;
    } catch {
      // missing or unreadable: start empty
    }
    return this;
  }

  /** The cached sha256 for `key` at `stat`, or undefined when it must be hashed. */
  get(key: string, stat: StatKey): string | undefined {
    const row = this.#loaded.files[key];
    const hit =
      Array.isArray(row) &&
      row[0] === stat.size &&
      row[1] === stat.mtimeMs &&
      row[2] === stat.ctimeMs &&
      row[3] === stat.ino &&
      stat.mtimeMs < this.#loaded.writtenAtMs - RACY_MS &&
      typeof row[4] === 'string';
    if (hit) {
      this.hits++;
      if (!this.#rows) this.#fresh[key] = row;
      return row[4];
    }
    this.misses++;
    return undefined;
  }

  /**
   * Save these rows (produced when save runs) instead of what get() and set() recorded. A build
   * keeps every file's path, stat and hash in its plan anyway; a second copy here cost 100,000
   * files ~20 MB until the end of the build.
   */
  saveFrom(rows: () => Iterable<CacheRow>): void {
    this.#rows = rows;
  }

  set(key: string, stat: StatKey, sha256: string): void {
    this.#fresh[key] = [stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino, sha256];
  }

  #loadedCount: number | undefined;

  /**
   * Done looking up: the rows read from disk are let go (only their number is kept, for save).
   * For a 100,000-file project they are ~15 MB that a build would otherwise hold to its end.
   */
  settle(): void {
    this.#loadedCount ??= Object.keys(this.#loaded.files).length;
    this.#loaded = { ...this.#loaded, files: {} };
  }

  /** Writes the entries seen in this run (stale ones drop out). Never throws. */
  async save(nowMs: number): Promise<boolean> {
    const rows = (): Iterable<CacheRow> =>
      this.#rows?.() ?? Object.entries(this.#fresh).map(([key, [size, mtimeMs, ctimeMs, ino, sha256]]) => [key, { size, mtimeMs, ctimeMs, ino }, sha256] as const);
    // Nothing hashed and the same number of rows: the file on disk already says this. Counted
    // before anything is serialized (an unchanged 100,000-file rebuild writes nothing).
    if (this.misses === 0) {
      let count = 0;
      for (const _ of rows()) count++;
      if (count === (this.#loadedCount ?? Object.keys(this.#loaded.files).length)) return false;
    }
    // Written into the file a row at a time: the same JSON as JSON.stringify of the whole document.
    function* chunks(): Generator<Buffer> {
      const out = new TextChunks();
      out.put(documentHead(nowMs));
      let first = true;
      for (const [key, st, sha256] of rows()) {
        out.put(rowText(key, st, sha256, first));
        first = false;
        yield* out.full();
      }
      out.put(DOCUMENT_TAIL);
      yield* out.take();
    }
    return writeCacheFile(this.#file, chunks());
  }
}

const documentHead = (nowMs: number) => `{"schemaVersion":1,"writtenAtMs":${JSON.stringify(nowMs)},"files":{`;
const DOCUMENT_TAIL = '}}';
const rowText = (key: string, st: StatKey, sha256: string, first: boolean) => `${first ? '' : ','}${JSON.stringify(key)}:${JSON.stringify([st.size, st.mtimeMs, st.ctimeMs, st.ino, sha256])}`;

/** Writes a cache file atomically, best-effort (never throws). */
async function writeCacheFile(file: string, chunks: Iterable<Buffer>): Promise<boolean> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await writeChunksAtomic(file, chunks);
    await ignoreReproDir(path.dirname(path.dirname(file)));
    return true;
  } catch {
    return false;
  }
}

/**
 * A hash cache for `root` written from rows given one at a time and kept as their JSON text
 * (~150 bytes a row in buffers), not as objects: build --verify seeds its copy's cache with a
 * row per file it copies, 100,000 on a big project, and as objects they stayed in the heap
 * through the two builds that follow. The same file HashCache.save writes.
 */
export class HashCacheWriter {
  readonly #file: string;
  readonly #rows = new TextChunks();
  #first = true;

  constructor(root: string) {
    this.#file = path.join(root, CACHE_FILE);
  }

  add(key: string, stat: StatKey, sha256: string): void {
    this.#rows.put(rowText(key, stat, sha256, this.#first));
    this.#first = false;
  }

  /** Writes the file; returns whether it was written (never throws). */
  async save(nowMs: number): Promise<boolean> {
    const rows = this.#rows.take();
    return writeCacheFile(this.#file, [Buffer.from(documentHead(nowMs)), ...rows, Buffer.from(DOCUMENT_TAIL)]);
  }
}

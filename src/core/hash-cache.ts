// A cache of file hashes under <project>/.repro/cache/, keyed by path and the stat fields that
// change when content does (size, mtime, ctime, inode), as git's index is. It makes hashing
// unchanged files nearly free. Like git, it distrusts "racy" entries: a file modified within
// two seconds before the cache was written is hashed again. Losing or corrupting the cache
// costs only time; writing it is best-effort and atomic.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

export const CACHE_FILE = path.join('.repro', 'cache', 'hashes.v1.json');
const RACY_MS = 2000;

export interface StatKey {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

type Row = [size: number, mtimeMs: number, ctimeMs: number, ino: number, sha256: string];

interface CacheDoc {
  schemaVersion: 1;
  writtenAtMs: number;
  files: Record<string, Row>;
}

export class HashCache {
  readonly #file: string;
  #loaded: CacheDoc = { schemaVersion: 1, writtenAtMs: 0, files: {} };
  readonly #fresh: Record<string, Row> = {};
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
      this.#fresh[key] = row;
      return row[4];
    }
    this.misses++;
    return undefined;
  }

  set(key: string, stat: StatKey, sha256: string): void {
    this.#fresh[key] = [stat.size, stat.mtimeMs, stat.ctimeMs, stat.ino, sha256];
  }

  /** Writes the entries seen in this run (stale ones drop out). Never throws. */
  async save(nowMs: number): Promise<boolean> {
    if (this.misses === 0 && Object.keys(this.#fresh).length === Object.keys(this.#loaded.files).length) return false;
    try {
      await fs.mkdir(path.dirname(this.#file), { recursive: true });
      const doc: CacheDoc = { schemaVersion: 1, writtenAtMs: nowMs, files: this.#fresh };
      await writeFileAtomic(this.#file, JSON.stringify(doc));
      return true;
    } catch {
      return false;
    }
  }
}

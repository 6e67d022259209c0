// A build plan's entries held in columns: one string per path, the rest in typed arrays and a
// few sparse maps. One object per entry (path, source path, stat, hex hash) cost a 100,000-file
// build ~450 bytes an entry from planning to the end of writing; a row here costs ~120. Readers
// get a SourceEntry made on demand by at() or iteration (short-lived, never retained); sort()
// orders rows by the UTF-8 bytes of their paths without moving them.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { compareUtf8 } from '../core/utf8-order.js';
import { DIR_MODE, type BundleEntry, type EntryType } from './entry.js';
import { SHA256_HEX } from '../core/digest.js';

/** The identity of a file when it was planned; the writer refuses a file that changed since. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

export interface SourceEntry extends BundleEntry {
  /** Absolute path on disk (project files only). */
  source?: string;
  /** Content written instead of reading `source`: made by repro (a generated MLproject, no
   * source), or a project file with its credentials cut (source kept for build --verify). */
  content?: Buffer;
  /** Identity seen at planning time (files read from disk). */
  stat?: FileIdentity;
}

/** What the tar writer, the manifest and build --verify read: an array, or an EntryTable. */
export interface EntryList extends Iterable<SourceEntry> {
  readonly length: number;
  at(index: number): SourceEntry | undefined;
}

const TYPES: readonly EntryType[] = ['file', 'directory', 'symlink'];
const TYPE_CODE: Readonly<Record<EntryType, number>> = { file: 0, directory: 1, symlink: 2 };
const HAS_SHA = 1;
const HAS_STAT = 2;
const HAS_SOURCE = 4;
/** size, mtimeMs, ctimeMs, ino */
const NUMS = 4;
const SHA_BYTES = 32;

export class EntryTable implements EntryList {
  readonly #root: string;
  readonly #prefix: string;
  #rows = 0;
  #paths: string[] = [];
  #type = new Uint8Array(0);
  #flags = new Uint8Array(0);
  #mode = new Uint16Array(0);
  #nums = new Float64Array(0);
  #sha = new Uint8Array(0);
  /** Source names (relative to root) that are not the row's path less the prefix. */
  readonly #sourceNames = new Map<number, string>();
  readonly #content = new Map<number, Buffer>();
  readonly #target = new Map<number, string>();
  /** Rows in path order, once sorted; null while rows are in insertion order. */
  #order: Uint32Array | null = null;

  /**
   * Project files live on disk at `root`/<source name>, and in the archive at `prefix`/<name>:
   * a source name that is the archive name without the prefix is not stored.
   */
  constructor(root: string, prefix: string) {
    this.#root = root;
    this.#prefix = `${prefix}/`;
  }

  get length(): number {
    return this.#rows;
  }

  /** A file read from `source` (relative to root) at planning time; returns its row. */
  addFile(archivePath: string, source: string, mode: number, stat: FileIdentity): number {
    const row = this.#add(archivePath, 'file', mode, stat.size);
    this.#flags[row] = HAS_STAT | HAS_SOURCE;
    const n = row * NUMS;
    this.#nums[n + 1] = stat.mtimeMs;
    this.#nums[n + 2] = stat.ctimeMs;
    this.#nums[n + 3] = stat.ino;
    if (this.#derivedSource(archivePath) !== source) this.#sourceNames.set(row, source);
    return row;
  }

  /** A file whose bytes repro holds (generated, or made at build time); returns its row. */
  addContent(archivePath: string, content: Buffer, mode: number): number {
    const row = this.#add(archivePath, 'file', mode, content.length);
    this.#content.set(row, content);
    this.setSha256(row, createHash('sha256').update(content).digest('hex'));
    return row;
  }

  addSymlink(archivePath: string, mode: number, target: string): number {
    const row = this.#add(archivePath, 'symlink', mode, 0);
    this.#target.set(row, target);
    return row;
  }

  addDirectory(archivePath: string): number {
    return this.#add(archivePath, 'directory', DIR_MODE, 0);
  }

  /** Replaces what a file row bundles (its source stays, for build --verify's copy). */
  replaceContent(row: number, content: Buffer): void {
    this.#content.set(row, content);
    this.#nums[row * NUMS] = content.length;
    this.setSha256(row, createHash('sha256').update(content).digest('hex'));
  }

  setSha256(row: number, hex: string): void {
    if (!SHA256_HEX.test(hex)) throw new TypeError(`not a sha256: ${hex}`);
    this.#sha.set(Buffer.from(hex, 'hex'), row * SHA_BYTES);
    this.#flags[row]! |= HAS_SHA;
  }

  pathOf(row: number): string {
    return this.#paths[row]!;
  }

  typeOf(row: number): EntryType {
    return TYPES[this.#type[row]!]!;
  }

  sizeOf(row: number): number {
    return this.#nums[row * NUMS]!;
  }

  /** Whether the row is a project file read from disk (its bundled bytes may be a cut copy). */
  hasSource(row: number): boolean {
    return (this.#flags[row]! & HAS_SOURCE) !== 0;
  }

  hasContent(row: number): boolean {
    return this.#content.has(row);
  }

  sha256Of(row: number): string | undefined {
    if ((this.#flags[row]! & HAS_SHA) === 0) return undefined;
    return Buffer.from(this.#sha.buffer, this.#sha.byteOffset + row * SHA_BYTES, SHA_BYTES).toString('hex');
  }

  statOf(row: number): FileIdentity | undefined {
    if ((this.#flags[row]! & HAS_STAT) === 0) return undefined;
    const n = row * NUMS;
    return { size: this.#nums[n]!, mtimeMs: this.#nums[n + 1]!, ctimeMs: this.#nums[n + 2]!, ino: this.#nums[n + 3]! };
  }

  sourceOf(row: number): string | undefined {
    if ((this.#flags[row]! & HAS_SOURCE) === 0) return undefined;
    return path.join(this.#root, this.#sourceNames.get(row) ?? this.#derivedSource(this.#paths[row]!)!);
  }

  /** Whether a row has this exact path (a linear scan: for the few generated files). */
  has(archivePath: string): boolean {
    return this.#paths.includes(archivePath);
  }

  /** Every row's path, in insertion order (not to be iterated while rows are added). */
  paths(): readonly string[] {
    return this.#paths;
  }

  /** Orders the rows by the UTF-8 bytes of their paths (rows added later are appended unsorted). */
  sort(): this {
    const order = new Uint32Array(this.#rows);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const paths = this.#paths;
    order.sort((a, b) => compareUtf8(paths[a]!, paths[b]!));
    this.#order = order;
    return this;
  }

  /** The row at position `index` (path order once sorted). */
  rowAt(index: number): number {
    return this.#order && index < this.#order.length ? this.#order[index]! : index;
  }

  /** The entry at position `index`, made now (callers do not keep it). */
  at(index: number): SourceEntry | undefined {
    if (!(index >= 0 && index < this.#rows)) return undefined;
    return this.entryOf(this.rowAt(index));
  }

  entryOf(row: number): SourceEntry {
    const type = this.typeOf(row);
    const e: SourceEntry = { path: this.#paths[row]!, type, mode: this.#mode[row]!, size: this.sizeOf(row) };
    const sha256 = this.sha256Of(row);
    if (sha256 !== undefined) e.sha256 = sha256;
    const target = this.#target.get(row);
    if (target !== undefined) e.target = target;
    const source = this.sourceOf(row);
    if (source !== undefined) e.source = source;
    const content = this.#content.get(row);
    if (content !== undefined) e.content = content;
    const stat = this.statOf(row);
    if (stat !== undefined) e.stat = stat;
    return e;
  }

  /**
   * The entries as the manifest lists them (no source path or stat: the manifest is encoded
   * twice per build, and joining 100,000 source paths for it each time was garbage), in path
   * order once sorted; iterable again and again.
   */
  bundleEntries(): Iterable<BundleEntry> {
    const table = this;
    return {
      *[Symbol.iterator]() {
        for (let i = 0; i < table.#rows; i++) {
          const row = table.rowAt(i);
          const e: BundleEntry = { path: table.#paths[row]!, type: table.typeOf(row), mode: table.#mode[row]!, size: table.sizeOf(row) };
          const sha256 = table.sha256Of(row);
          if (sha256 !== undefined) e.sha256 = sha256;
          const target = table.#target.get(row);
          if (target !== undefined) e.target = target;
          yield e;
        }
      },
    };
  }

  *[Symbol.iterator](): Iterator<SourceEntry> {
    for (let i = 0; i < this.#rows; i++) yield this.entryOf(this.rowAt(i));
  }

  #derivedSource(archivePath: string): string | undefined {
    return archivePath.startsWith(this.#prefix) ? archivePath.slice(this.#prefix.length) : undefined;
  }

  #add(archivePath: string, type: EntryType, mode: number, size: number): number {
    if (this.#rows === this.#type.length) this.#grow();
    const row = this.#rows++;
    this.#paths.push(archivePath);
    this.#type[row] = TYPE_CODE[type];
    this.#mode[row] = mode;
    this.#nums[row * NUMS] = size;
    if (this.#order && this.#order.length !== this.#rows) {
      // Keep the sorted rows sorted and put the new one after them until sort() runs again.
      const next = new Uint32Array(this.#rows);
      next.set(this.#order);
      next[row] = row;
      this.#order = next;
    }
    return row;
  }

  #grow(): void {
    const cap = Math.max(1024, this.#type.length * 2);
    const grown = <T extends Uint8Array | Uint16Array | Float64Array>(old: T, make: (n: number) => T, per: number): T => {
      const next = make(cap * per);
      next.set(old);
      return next;
    };
    this.#type = grown(this.#type, (n) => new Uint8Array(n), 1);
    this.#flags = grown(this.#flags, (n) => new Uint8Array(n), 1);
    this.#mode = grown(this.#mode, (n) => new Uint16Array(n), 1);
    this.#nums = grown(this.#nums, (n) => new Float64Array(n), NUMS);
    this.#sha = grown(this.#sha, (n) => new Uint8Array(n), SHA_BYTES);
  }
}

// Checks each entry of a bundle's tar stream, as it streams past, against the manifest that came
// first: type, mode, size, sha256, link target, canonical header, zero padding, order; none
// missing or extra; unsafe entries refused. Every mismatch is kept as a Problem (the evidence);
// entries whose header matches exactly are handed to an optional sink (extraction).
import { createHash } from 'node:crypto';
import type { Difference } from '../core/difference.js';
import { ReproError } from '../core/errors.js';
import { EntryGuard } from './entry-safety.js';
import { formatMode, type BundleEntry } from './entry.js';
import { headerDifference } from './header-diff.js';
import { MANIFEST_PATH } from './layout.js';
import { fromManifestEntry, readManifest, type ManifestEntry, type ManifestRead } from './manifest.js';
import { encodeEntryHeader } from './tar-header.js';
import { notABundle, type Prediction, type RawEntry } from './tar-read.js';

export type ProblemField = 'missing' | 'extra' | 'type' | 'mode' | 'size' | 'sha256' | 'target' | 'header' | 'order' | 'compression' | 'digest';

/** An entry (or the manifest, or the file) that does not match what the manifest records. */
export type Problem = Difference<ProblemField> & { entry: string; expected: unknown; actual: unknown };

export interface EntrySink {
  write(slice: Buffer): void;
  end(): void;
}

/** Gets an entry's content, then end(); what it writes is discarded unless the bundle verifies. */
export type EntryHandler = (entry: BundleEntry) => EntrySink | undefined;

/** Checks each entry as it streams past against the manifest that came first. */
export class ManifestChecker {
  readonly problems: Problem[] = [];
  // A case twin is named from the manifest when the bundle is in order (ordinal 0 is the manifest).
  readonly #guard = new EntryGuard((ordinal) => (ordinal > 0 && ordinal <= (this.#manifest?.count ?? 0) ? this.#manifest!.entryAt(ordinal - 1).path : undefined));
  readonly #onEntry: EntryHandler | undefined;
  #manifest: ManifestRead | undefined;
  #manifestParts: Buffer[] | undefined;
  readonly #scratch = Buffer.alloc(512);
  /** Which manifest entries the tar has shown (a byte each). */
  #seen: Uint8Array | undefined;
  /** Path -> manifest index: made only when an entry is out of place (a damaged bundle). */
  #byPath: Map<string, number> | undefined;
  #index = 0;

  constructor(onEntry: EntryHandler | undefined) {
    this.#onEntry = onEntry;
  }

  /**
   * The canonical header of the manifest entry due next, while the tar has kept the
   * manifest's order: a header equal to it needs no decoding, and no field compared again.
   */
  predict(): Prediction | undefined {
    this.#predicted = undefined;
    const manifest = this.#manifest;
    const slot = this.#index - 1;
    if (!manifest || this.#byPath !== undefined || slot < 0 || slot >= manifest.count || this.#seen![slot]) return undefined;
    const entry = manifest.entryAt(slot);
    const expected = fromManifestEntry(entry);
    const epoch = manifest.head.sourceDateEpoch;
    this.#predicted = { slot, entry, expected };
    return {
      header: encodeEntryHeader(expected, epoch, this.#predictScratch),
      entry: { path: expected.path, type: expected.type, mode: expected.mode, size: expected.size, target: expected.type === 'symlink' ? expected.target : undefined, mtime: epoch, uid: 0, gid: 0, uname: '', gname: '' },
    };
  }

  #predicted: { slot: number; entry: ManifestEntry; expected: BundleEntry } | undefined;
  readonly #predictScratch = Buffer.alloc(512);

  entry(e: RawEntry, predicted = false): (slice: Buffer) => void {
    // An ordinary tarball fails here, named as what it is, before any safety rule is asked.
    if (this.#index === 0 && (e.path !== MANIFEST_PATH || e.type !== 'file')) throw notABundle(e.path);
    this.#guard.check(e.path, e.type, e.mode, e.target);
    const position = this.#index++;
    if (position === 0) return this.#startManifest(e);
    const manifest = this.#manifest;
    if (!manifest) throw new ReproError('E_INTERNAL', 'manifest missing after first entry');
    const prediction = predicted && this.#predicted?.slot === position - 1 ? this.#predicted : undefined;
    this.#predicted = undefined;
    // A header byte-equal to the manifest entry's canonical one is that entry: type, mode,
    // size, target and the header itself match by construction.
    const found = prediction ? { index: prediction.slot, entry: prediction.entry } : this.#find(manifest, e.path, position - 1);
    if (found === undefined) {
      this.#add({ entry: e.path, field: 'extra', expected: null, actual: { type: e.type, size: e.size } });
      this.#current = undefined;
      return () => {};
    }
    this.#seen![found.index] = 1;
    const expected = prediction ? prediction.expected : fromManifestEntry(found.entry);
    const matches = prediction ? true : this.#compareHeader(e, expected);
    const hash = e.type === 'file' ? createHash('sha256') : undefined;
    // Only an entry whose header is exactly the manifest's goes to the sink: what extraction
    // creates is always what both the tar and the manifest say (the bundle fails anyway).
    const downstream = matches ? this.#onEntry?.(expected) : undefined;
    const sink = (slice: Buffer) => {
      hash?.update(slice);
      downstream?.write(slice);
    };
    this.#current = sink as SinkWithEnd;
    (sink as SinkWithEnd).end = () => {
      downstream?.end();
      if (hash && e.size === expected.size) {
        const actual = hash.digest('hex');
        if (actual !== expected.sha256) this.#add({ entry: e.path, field: 'sha256', expected: expected.sha256, actual });
      }
    };
    return sink;
  }

  entryEnd(e: RawEntry, padding: Buffer): void {
    if (this.#index === 1) this.#finishManifest();
    else this.#current?.end?.();
    if (padding.some((b) => b !== 0)) this.#add({ entry: e.path, field: 'header', expected: 'zero padding', actual: 'non-zero padding' });
  }

  #current: SinkWithEnd | undefined;

  /**
   * The manifest index of the tar entry at `slot`. In a sound bundle it is `slot` itself: the
   * tar holds the manifest's entries in its order, so each entry is parsed from the manifest's
   * bytes as it comes and nothing per entry is kept. Once an entry is out of place, every
   * path is looked up, and the misplaced one is named.
   */
  #find(manifest: ManifestRead, path: string, slot: number): { index: number; entry: ManifestEntry } | undefined {
    const here = slot < manifest.count ? manifest.entryAt(slot) : undefined;
    const inOrder = here?.path ?? null;
    if (this.#byPath === undefined && here !== undefined && inOrder === path && !this.#seen![slot]) return { index: slot, entry: here };
    if (this.#byPath === undefined) {
      this.#byPath = new Map();
      for (let i = 0; i < manifest.count; i++) this.#byPath.set(manifest.entryAt(i).path, i);
    }
    const index = this.#byPath.get(path);
    if (index === undefined || this.#seen![index]) return undefined;
    if (inOrder !== path) this.#add({ entry: path, field: 'order', expected: inOrder, actual: path });
    return { index, entry: index === slot && here ? here : manifest.entryAt(index) };
  }

  #startManifest(e: RawEntry): (slice: Buffer) => void {
    if (e.size > 256 * 2 ** 20) throw new ReproError('E_LIMIT', 'the bundle manifest is larger than 256 MiB', { details: { size: e.size } });
    this.#manifestParts = [];
    this.#pendingManifestHeader = e;
    return (slice) => this.#manifestParts!.push(Buffer.from(slice));
  }

  #pendingManifestHeader: RawEntry | undefined;

  #finishManifest(): void {
    const manifest = readManifest(Buffer.concat(this.#manifestParts!));
    this.#manifest = manifest;
    this.#manifestParts = undefined;
    this.#seen = new Uint8Array(manifest.count);
    const e = this.#pendingManifestHeader!;
    const canonical = encodeEntryHeader({ path: MANIFEST_PATH, type: 'file', mode: 0o644, size: e.size }, manifest.head.sourceDateEpoch);
    if (!canonical.equals(e.raw)) this.#add({ entry: MANIFEST_PATH, field: 'header', ...headerDifference(canonical, e.raw) });
  }

  #compareHeader(e: RawEntry, expected: BundleEntry): boolean {
    const before = this.problems.length;
    if (e.type !== expected.type) this.#add({ entry: e.path, field: 'type', expected: expected.type, actual: e.type });
    if (e.mode !== expected.mode) this.#add({ entry: e.path, field: 'mode', expected: formatMode(expected.mode), actual: formatMode(e.mode) });
    if (e.size !== expected.size) this.#add({ entry: e.path, field: 'size', expected: expected.size, actual: e.size });
    if (e.type === 'symlink' && e.target !== expected.target) this.#add({ entry: e.path, field: 'target', expected: expected.target ?? null, actual: e.target ?? null });
    const canonical = encodeEntryHeader(expected, this.#manifest!.head.sourceDateEpoch, this.#scratch);
    if (!canonical.equals(e.raw)) this.#add({ entry: e.path, field: 'header', ...headerDifference(canonical, e.raw) });
    return this.problems.length === before;
  }

  #add(p: Problem): void {
    this.problems.push(p);
  }

  finish(): ManifestRead {
    const manifest = this.#manifest;
    if (!manifest) {
      throw new ReproError('E_INTEGRITY', 'the bundle is empty (no manifest)', { hint: 'This is not a repro bundle.', details: {} });
    }
    for (let i = 0; i < manifest.count; i++) {
      if (!this.#seen![i]) this.#add({ entry: manifest.entryAt(i).path, field: 'missing', expected: 'present', actual: null });
    }
    return manifest;
  }
}

type SinkWithEnd = ((slice: Buffer) => void) & { end?: () => void };

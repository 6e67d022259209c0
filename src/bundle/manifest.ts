// The bundle manifest: the first entry of every bundle. It lists every other entry (path, type,
// mode, size, sha256) so `verify` can name what differs, records how the bytes were made, and
// carries a digest of itself so a flipped byte anywhere in it is caught.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import { ReproError } from '../core/errors.js';
import { decodeEntriesDocument, encodeEntriesDocument, entryText } from './entries-json.js';
import type { CompressionInfo } from './compress.js';
import { MANIFEST_PATH } from './layout.js';
import { formatMode, parseMode, type BundleEntry, type EntryType } from './entry.js';
import type { ProjectManifest } from '../project/types.js';
import { SHA256_HEX, sha256Digest } from '../core/digest.js';
import { bundleIntegrityError } from './integrity.js';

export const MANIFEST_SCHEMA_VERSION = 1;
export const MANIFEST_KIND = 'repro-bundle';

export interface ManifestEntry {
  path: string;
  type: EntryType;
  mode: string;
  size: number;
  sha256?: string;
  target?: string;
}

export interface BundleManifest {
  schemaVersion: number;
  kind: typeof MANIFEST_KIND;
  name: string;
  version: string;
  sourceDateEpoch: number;
  compression: CompressionInfo;
  tooling: { repro: string; tar: string };
  /** The resolved repro.yaml or MLproject, or null when the project has neither. */
  project: ProjectManifest | null;
  entries: ManifestEntry[];
  /** sha256 of this document serialized with selfDigest set to "". */
  selfDigest: string;
}

export type ManifestInput = Omit<BundleManifest, 'selfDigest' | 'schemaVersion' | 'kind' | 'entries'> & {
  /** Iterated twice by encodeManifest: an array or an EntryTable, not a one-shot generator. */
  entries: Iterable<BundleEntry>;
};

export function toManifestEntry(e: BundleEntry): ManifestEntry {
  const out: ManifestEntry = { path: e.path, type: e.type, mode: formatMode(e.mode), size: e.size };
  if (e.sha256 !== undefined) out.sha256 = e.sha256;
  if (e.target !== undefined) out.target = e.target;
  return out;
}

export function fromManifestEntry(e: ManifestEntry): BundleEntry {
  const out: BundleEntry = { path: e.path, type: e.type, mode: parseMode(e.mode), size: e.size };
  if (e.sha256 !== undefined) out.sha256 = e.sha256;
  if (e.target !== undefined) out.target = e.target;
  return out;
}

function digestOf(doc: BundleManifest): string {
  const text = canonicalJson({ ...doc, selfDigest: '' });
  return sha256Digest(text);
}

/** The top-level selfDigest member as canonical JSON writes it (two-space indent: unique). */
const SELF_DIGEST_LINE = (value: string) => `\n  "selfDigest": ${JSON.stringify(value)},\n`;

/** The manifest without its entries: what exec, the cache and the reports need. */
export type ManifestHead = Omit<BundleManifest, 'entries'>;

/** A manifest read from its bytes: the head parsed, each entry parsed when asked for. */
export interface ManifestRead {
  head: ManifestHead;
  count: number;
  entryAt(index: number): ManifestEntry;
  /** The manifest's canonical bytes, as read. */
  bytes: Buffer;
}

/**
 * A manifest ready to be written: its head (selfDigest filled in), its size in bytes, and its
 * canonical bytes made again each time `chunks()` is iterated. The bytes are never held whole:
 * a 100,000-entry manifest is ~20 MB, which a build used to keep from planning to the end of
 * writing. The entries must not change between the iterations (the build plan owns them).
 */
export interface EncodedManifest {
  manifest: ManifestHead;
  size: number;
  chunks(): Iterable<Buffer>;
}

/**
 * Serializes the manifest an entry at a time (entries-json.ts) twice: once with selfDigest ""
 * to hash it and count its bytes, and again, with the digest in place, as the tar is written.
 * Filling the digest in adds exactly its own length: it is ASCII, so JSON needs no escapes.
 */
export function encodeManifest(input: ManifestInput): EncodedManifest {
  const head: ManifestHead = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    kind: MANIFEST_KIND,
    name: input.name,
    version: input.version,
    sourceDateEpoch: input.sourceDateEpoch,
    compression: input.compression,
    tooling: input.tooling,
    project: input.project,
    selfDigest: '',
  };
  const encode = () => encodeEntriesDocument({ ...head, entries: [] }, input.entries, bundleEntryText);
  const hash = createHash('sha256');
  let size = 0;
  for (const chunk of encode()) {
    hash.update(chunk);
    size += chunk.length;
  }
  head.selfDigest = `sha256:${hash.digest('hex')}`;
  return { manifest: head, size: size + head.selfDigest.length, chunks: encode };
}

/** An encoded manifest's bytes in one buffer (tests, small manifests). */
export function manifestBytes(encoded: EncodedManifest): Buffer {
  return Buffer.concat([...encoded.chunks()]);
}

// An entry's text in the document, exactly as entryText (canonical JSON, indented) writes it,
// without the sorted copy canonicalJson makes of each value: on a 100,000-entry manifest, that
// copy and its garbage were most of encoding it (twice per build) and of checking it at verify.
// The keys in code point order: mode, path, sha256, size, target, type.
// tests/unit/bundle/manifest.test.ts compares both on every shape.
function composeEntry(mode: string, p: string, sha256: string | undefined, size: number, target: string | undefined, type: string): string {
  let s = `    {\n      "mode": ${JSON.stringify(mode)},\n      "path": ${JSON.stringify(p)},\n`;
  if (sha256 !== undefined) s += `      "sha256": ${JSON.stringify(sha256)},\n`;
  s += `      "size": ${JSON.stringify(size)},\n`;
  if (target !== undefined) s += `      "target": ${JSON.stringify(target)},\n`;
  return `${s}      "type": ${JSON.stringify(type)}\n    }`;
}

/** What entryText(toManifestEntry(e)) is. */
export function bundleEntryText(e: BundleEntry): string {
  return composeEntry(formatMode(e.mode), e.path, e.sha256, e.size, e.target, e.type);
}

const MANIFEST_ENTRY_KEYS = new Set(['mode', 'path', 'sha256', 'size', 'target', 'type']);

/** What entryText(e) is, for a parsed manifest entry; anything of another shape goes to entryText. */
export function manifestEntryText(e: object): string {
  const m = e as Record<string, unknown>;
  for (const key in m) if (!MANIFEST_ENTRY_KEYS.has(key)) return entryText(e);
  const { mode, path: p, sha256, size, target, type } = m;
  const optional = (v: unknown) => v === undefined || typeof v === 'string';
  if (typeof mode !== 'string' || typeof p !== 'string' || typeof type !== 'string' || !Number.isFinite(size) || !optional(sha256) || !optional(target)) return entryText(e);
  return composeEntry(mode, p, sha256 as string | undefined, size as number, target as string | undefined, type);
}

/** Manifest entries made one at a time, for serializers that write them as they come. */
export function* toManifestEntries(entries: Iterable<BundleEntry>): Iterable<ManifestEntry> {
  for (const e of entries) yield toManifestEntry(e);
}

/** A read manifest whole, entries as objects (comparisons that name each entry, tests). */
export function wholeManifest(read: ManifestRead): BundleManifest {
  return { ...read.head, entries: manifestEntries(read) };
}

/** Every entry of a read manifest as objects (comparisons that report per entry). */
function manifestEntries(read: ManifestRead): ManifestEntry[] {
  const entries: ManifestEntry[] = new Array(read.count);
  for (let i = 0; i < read.count; i++) entries[i] = read.entryAt(i);
  return entries;
}

const ENTRY_TYPES = new Set<EntryType>(['file', 'directory', 'symlink']);

/** Parses and checks a manifest's bytes whole: every entry becomes an object. */
export function parseManifest(bytes: Buffer): BundleManifest {
  return wholeManifest(readManifest(bytes));
}

/**
 * Reads and checks a manifest's bytes: JSON, schema version, shape, canonical form, self
 * digest. A manifest in canonical layout is checked an entry at a time and kept as bytes;
 * anything else is parsed whole, which names what is wrong with it.
 */
export function readManifest(bytes: Buffer): ManifestRead {
  // An entry's shape is checked as it is decoded, but reported after the kind and the schema
  // version: a newer bundle is named as newer, not as one with a strange entry.
  let refused: unknown;
  const doc = decodeEntriesDocument(
    bytes,
    (e) => {
      if (refused !== undefined) return;
      try {
        assertEntry(e as ManifestEntry);
      } catch (err) {
        refused = err;
      }
    },
    manifestEntryText,
  );
  if (doc === null) return readWhole(bytes);
  const d = doc.skeleton as Partial<BundleManifest>;
  assertKindAndVersion(d);
  assertTop(d);
  if (refused !== undefined) throw refused;
  const { entries: _none, ...head } = d as BundleManifest;
  const own = Buffer.from(SELF_DIGEST_LINE(head.selfDigest));
  const at = bytes.indexOf(own, doc.tailStart);
  if (at < 0) return readWhole(bytes); // never for canonical bytes, but never wrong
  const expected = sha256Digest(bytes.subarray(0, at), SELF_DIGEST_LINE(''), bytes.subarray(at + own.length));
  if (head.selfDigest !== expected) {
    throw integrity('the bundle manifest does not match its own digest', { entry: MANIFEST_PATH, expected, actual: head.selfDigest });
  }
  return { head, count: doc.count, entryAt: (i) => doc.entry(i) as ManifestEntry, bytes };
}

/** The whole-document path: for bytes not in canonical layout (and empty manifests). */
function readWhole(bytes: Buffer): ManifestRead {
  let doc: unknown;
  const text = bytes.toString('utf8');
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw integrity('the bundle manifest is not valid JSON', { entry: MANIFEST_PATH }, err);
  }
  const d = doc as Partial<BundleManifest>;
  assertKindAndVersion(d);
  assertTop(d);
  for (const e of d.entries!) assertEntry(e);
  const manifest = d as BundleManifest;
  const canonical = canonicalJson(manifest);
  const expected = digestOf(manifest);
  if (manifest.selfDigest !== expected) {
    throw integrity('the bundle manifest does not match its own digest', { entry: MANIFEST_PATH, expected, actual: manifest.selfDigest });
  }
  if (canonical !== text || !Buffer.from(text, 'utf8').equals(bytes)) {
    throw integrity('the bundle manifest is not in canonical form', { entry: MANIFEST_PATH });
  }
  const { entries, ...head } = manifest;
  return {
    head,
    count: entries.length,
    entryAt: (i) => {
      if (!(i >= 0 && i < entries.length)) throw new RangeError(`entry ${i} of ${entries.length}`);
      return entries[i]!;
    },
    bytes,
  };
}

function assertKindAndVersion(d: Partial<BundleManifest>): void {
  if (typeof d !== 'object' || d === null || d.kind !== MANIFEST_KIND) {
    throw integrity('the first entry is not a repro bundle manifest', { entry: MANIFEST_PATH, kind: d?.kind ?? null });
  }
  if (d.schemaVersion !== MANIFEST_SCHEMA_VERSION) {
    // A bundle this repro cannot read is a bundle it cannot verify: exit 4 like any other
    // bundle that does not verify, never "bad input" that a script might retry or ignore.
    throw new ReproError('E_INTEGRITY', `the bundle manifest declares schemaVersion ${String(d.schemaVersion)}; this repro reads ${MANIFEST_SCHEMA_VERSION}, so it cannot verify this bundle`, {
      hint: 'Upgrade repro to read bundles made by a newer version; until then, do not use this bundle.',
      details: { entry: MANIFEST_PATH, rule: 'schema-version', found: d.schemaVersion ?? null, supported: [MANIFEST_SCHEMA_VERSION] },
    });
  }
}

const bad = (field: string) => integrity(`the bundle manifest has an invalid ${field}`, { entry: MANIFEST_PATH, field });

function assertTop(d: Partial<BundleManifest>): void {
  if (typeof d.name !== 'string' || typeof d.version !== 'string') throw bad('name or version');
  if (!Number.isSafeInteger(d.sourceDateEpoch) || (d.sourceDateEpoch as number) < 0) throw bad('sourceDateEpoch');
  if (typeof d.selfDigest !== 'string') throw bad('selfDigest');
  if (!d.compression || typeof d.compression.codec !== 'string') throw bad('compression');
  if (!Array.isArray(d.entries)) throw bad('entries');
  if (d.project !== null && (typeof d.project !== 'object' || typeof d.project.entryPoints !== 'object')) throw bad('project');
}

function assertEntry(e: ManifestEntry): void {
  if (typeof e !== 'object' || e === null || typeof e.path !== 'string' || !ENTRY_TYPES.has(e.type)) throw bad('entry');
  if (typeof e.mode !== 'string' || !/^[0-7]{3,4}$/.test(e.mode)) throw bad(`mode for ${e.path}`);
  if (!Number.isSafeInteger(e.size) || e.size < 0) throw bad(`size for ${e.path}`);
  if (e.type === 'file' && (typeof e.sha256 !== 'string' || !SHA256_HEX.test(e.sha256))) throw bad(`sha256 for ${e.path}`);
  if (e.type === 'symlink' && typeof e.target !== 'string') throw bad(`target for ${e.path}`);
}

const integrity = bundleIntegrityError;

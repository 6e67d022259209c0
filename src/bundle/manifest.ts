// The bundle manifest: the first entry of every bundle. It lists every other entry (path, type,
// mode, size, sha256) so `verify` can name what differs, records how the bytes were made, and
// carries a digest of itself so a flipped byte anywhere in it is caught.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import { compareUtf8 } from '../core/utf8-order.js';
import { ReproError } from '../core/errors.js';
import type { CompressionInfo } from './compress.js';
import { formatMode, parseMode, type BundleEntry, type EntryType } from './entry.js';
import type { ProjectManifest } from '../manifest/types.js';

export const MANIFEST_PATH = 'repro.bundle.json';
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
  entries: readonly BundleEntry[];
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
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The top-level selfDigest member as canonical JSON writes it (two-space indent: unique). */
const SELF_DIGEST_LINE = (value: string) => `\n  "selfDigest": ${JSON.stringify(value)},\n`;

/**
 * The manifest and its canonical bytes from one serialization: the digest input (selfDigest
 * "") is serialized, hashed, and the digest written into that same text. A 100,000-entry
 * manifest is ~20 MB of JSON; serializing it twice cost a build ~100 MB at its peak.
 */
export function createManifestAndBytes(input: ManifestInput): { manifest: BundleManifest; bytes: Buffer } {
  const doc: BundleManifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    kind: MANIFEST_KIND,
    name: input.name,
    version: input.version,
    sourceDateEpoch: input.sourceDateEpoch,
    compression: input.compression,
    tooling: input.tooling,
    project: input.project,
    entries: input.entries.map(toManifestEntry),
    selfDigest: '',
  };
  const blank = canonicalJson(doc);
  doc.selfDigest = `sha256:${createHash('sha256').update(blank).digest('hex')}`;
  const at = blank.indexOf(SELF_DIGEST_LINE(''));
  if (at < 0) return { manifest: doc, bytes: serializeManifest(doc) }; // never, but never wrong
  const text = blank.slice(0, at) + SELF_DIGEST_LINE(doc.selfDigest) + blank.slice(at + SELF_DIGEST_LINE('').length);
  return { manifest: doc, bytes: Buffer.from(text, 'utf8') };
}

export function createManifest(input: ManifestInput): BundleManifest {
  return createManifestAndBytes(input).manifest;
}

export function serializeManifest(doc: BundleManifest): Buffer {
  return Buffer.from(canonicalJson(doc), 'utf8');
}

const ENTRY_TYPES = new Set<EntryType>(['file', 'directory', 'symlink']);

/** Parses and checks a manifest's bytes: JSON, schema version, shape, canonical form, self digest. */
export function parseManifest(bytes: Buffer): BundleManifest {
  let doc: unknown;
  const text = bytes.toString('utf8');
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw integrity('the bundle manifest is not valid JSON', { entry: MANIFEST_PATH }, err);
  }
  const d = doc as Partial<BundleManifest>;
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
  assertShape(d);
  const manifest = d as BundleManifest;
  // One serialization, not two: a manifest of 100,000 entries is ~20 MB of JSON. When the
  // bytes are canonical, the digest input (selfDigest set to "") is the same text with that
  // one top-level value blanked; the two-space indent makes the top-level key unique.
  // JSON.parse keeps key order, so a document whose keys are already sorted at every level
  // serializes canonically as it is, without the sorted copy canonicalJson makes.
  const canonical = keysSorted(manifest) ? `${JSON.stringify(manifest, null, 2)}\n` : canonicalJson(manifest);
  const own = SELF_DIGEST_LINE(manifest.selfDigest);
  const at = canonical === text ? canonical.indexOf(own) : -1;
  const expected =
    at >= 0
      ? `sha256:${createHash('sha256').update(canonical.slice(0, at)).update(SELF_DIGEST_LINE('')).update(canonical.slice(at + own.length)).digest('hex')}`
      : digestOf(manifest);
  if (manifest.selfDigest !== expected) {
    throw integrity('the bundle manifest does not match its own digest', { entry: MANIFEST_PATH, expected, actual: manifest.selfDigest });
  }
  if (canonical !== text || !Buffer.from(text, 'utf8').equals(bytes)) {
    throw integrity('the bundle manifest is not in canonical form', { entry: MANIFEST_PATH });
  }
  return manifest;
}

/** True when every object's keys are in canonical order (no integer-like keys, which JS reorders). */
function keysSorted(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.every(keysSorted);
  let previous: string | null = null;
  for (const key in value) {
    if (/^(0|[1-9][0-9]*)$/.test(key) || (previous !== null && compareUtf8(previous, key) >= 0)) return false;
    previous = key;
    if (!keysSorted((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function assertShape(d: Partial<BundleManifest>): void {
  const bad = (field: string) => integrity(`the bundle manifest has an invalid ${field}`, { entry: MANIFEST_PATH, field });
  if (typeof d.name !== 'string' || typeof d.version !== 'string') throw bad('name or version');
  if (!Number.isSafeInteger(d.sourceDateEpoch) || (d.sourceDateEpoch as number) < 0) throw bad('sourceDateEpoch');
  if (typeof d.selfDigest !== 'string') throw bad('selfDigest');
  if (!d.compression || typeof d.compression.codec !== 'string') throw bad('compression');
  if (!Array.isArray(d.entries)) throw bad('entries');
  if (d.project !== null && (typeof d.project !== 'object' || typeof d.project.entryPoints !== 'object')) throw bad('project');
  for (const e of d.entries) {
    if (typeof e !== 'object' || e === null || typeof e.path !== 'string' || !ENTRY_TYPES.has(e.type)) throw bad('entry');
    if (typeof e.mode !== 'string' || !/^[0-7]{3,4}$/.test(e.mode)) throw bad(`mode for ${e.path}`);
    if (!Number.isSafeInteger(e.size) || e.size < 0) throw bad(`size for ${e.path}`);
    if (e.type === 'file' && (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256))) throw bad(`sha256 for ${e.path}`);
    if (e.type === 'symlink' && typeof e.target !== 'string') throw bad(`target for ${e.path}`);
  }
}

function integrity(message: string, details: Record<string, unknown>, cause?: unknown): ReproError {
  return new ReproError('E_INTEGRITY', message, {
    hint: 'The bundle is damaged or was altered. Rebuild it, or fetch it again from its source.',
    details,
    cause,
  });
}

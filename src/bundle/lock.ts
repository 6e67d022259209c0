// repro.lock: the committed record of what a build must produce. CI builds with --locked and
// fails, naming each differing entry, when the project no longer builds to the locked bundle.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeChunksAtomic } from '../core/atomic-write.js';
import { ReproError, fsError } from '../core/errors.js';
import { checkVersioned, parseVersionedJson } from '../core/versioned-json.js';
import { decodeEntriesDocument, encodeEntriesDocument } from './entries-json.js';
import type { CompressionInfo } from './compress.js';
import { manifestEntryText, type BundleManifest, type ManifestEntry, type ManifestHead } from './manifest.js';

export const LOCK_FILE = 'repro.lock';
export const LOCK_SCHEMA_VERSION = 1;

export interface ReproLock {
  schemaVersion: number;
  kind: 'repro-lock';
  name: string;
  version: string;
  sourceDateEpoch: number;
  compression: CompressionInfo;
  tooling: BundleManifest['tooling'];
  /** sha256 of the uncompressed canonical tar. */
  contentDigest: string;
  /** The manifest's selfDigest: equal manifests make equal tars. */
  manifestDigest: string;
  entries: ManifestEntry[];
}

/** repro.lock without its entries. */
export type LockHead = Omit<ReproLock, 'entries'>;

/** A lock read from disk: its head, and its entries parsed when asked for (compare only). */
export interface LockRead {
  head: LockHead;
  entries(): ManifestEntry[];
}

export function lockHead(manifest: ManifestHead, contentDigest: string): LockHead {
  return {
    schemaVersion: LOCK_SCHEMA_VERSION,
    kind: 'repro-lock',
    name: manifest.name,
    version: manifest.version,
    sourceDateEpoch: manifest.sourceDateEpoch,
    compression: manifest.compression,
    tooling: manifest.tooling,
    contentDigest,
    manifestDigest: manifest.selfDigest,
  };
}

const SPEC = (file: string) => ({
  source: LOCK_FILE,
  path: file,
  kind: 'repro-lock',
  label: 'repro lock',
  version: LOCK_SCHEMA_VERSION,
  code: 'E_CONFIG' as const,
  hint: 'Restore it from version control, or delete it and run `repro build` to write a new one.',
});

export async function readLock(root: string): Promise<LockRead | null> {
  const file = path.join(root, LOCK_FILE);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fsError(err, file, 'cannot read the lock');
  }
  // A lock repro wrote is read an entry at a time; one edited by hand or by a merge is parsed whole.
  const layout = decodeEntriesDocument(bytes, () => {}, manifestEntryText);
  const doc = layout
    ? checkVersioned<Partial<ReproLock>>(layout.skeleton, SPEC(file))
    : parseVersionedJson<Partial<ReproLock>>(bytes.toString('utf8'), SPEC(file));
  if (typeof doc.contentDigest !== 'string' || typeof doc.manifestDigest !== 'string' || !Array.isArray(doc.entries)) {
    throw new ReproError('E_CONFIG', `${LOCK_FILE} is missing required fields`, { hint: 'Delete it and run `repro build` to write a new one.', details: { path: file } });
  }
  const { entries, ...head } = doc as ReproLock;
  return {
    head,
    entries: () => (layout ? Array.from({ length: layout.count }, (_, i) => layout.entry(i) as ManifestEntry) : entries),
  };
}

/**
 * Writes the lock atomically, serialized into the file as it is made (a 100,000-entry lock is
 * ~20 MB, never held whole); returns false when the file already held exactly this lock.
 */
export async function writeLock(root: string, head: LockHead, entries: Iterable<ManifestEntry>): Promise<boolean> {
  return writeChunksAtomic(path.join(root, LOCK_FILE), encodeEntriesDocument({ ...head, entries: [] }, entries, manifestEntryText), { keepIfSame: true });
}

// repro.lock: the committed record of what a build must produce. CI builds with --locked and
// fails, naming each differing entry, when the project no longer builds to the locked bundle.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../core/canonical-json.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { ReproError, fsError } from '../core/errors.js';
import { parseVersionedJson } from '../core/versioned-json.js';
import type { CompressionInfo } from './compress.js';
import type { BundleManifest, ManifestEntry } from './manifest.js';

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

export function lockFromManifest(manifest: BundleManifest, contentDigest: string): ReproLock {
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
    entries: manifest.entries,
  };
}

export async function readLock(root: string): Promise<ReproLock | null> {
  const file = path.join(root, LOCK_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fsError(err, file, 'cannot read the lock');
  }
  const doc = parseVersionedJson<Partial<ReproLock>>(text, {
    source: LOCK_FILE,
    path: file,
    kind: 'repro-lock',
    label: 'repro lock',
    version: LOCK_SCHEMA_VERSION,
    code: 'E_CONFIG',
    hint: 'Restore it from version control, or delete it and run `repro build` to write a new one.',
  });
  if (typeof doc.contentDigest !== 'string' || typeof doc.manifestDigest !== 'string' || !Array.isArray(doc.entries)) {
    throw new ReproError('E_CONFIG', `${LOCK_FILE} is missing required fields`, { hint: 'Delete it and run `repro build` to write a new one.', details: { path: file } });
  }
  return doc as ReproLock;
}

export function serializeLock(lock: ReproLock): string {
  return canonicalJson(lock);
}

/** Writes the lock atomically; returns false when the file already holds exactly this lock. */
export async function writeLock(root: string, lock: ReproLock): Promise<boolean> {
  const file = path.join(root, LOCK_FILE);
  const text = serializeLock(lock);
  const current = await fs.readFile(file, 'utf8').catch(() => null);
  if (current === text) return false;
  await writeFileAtomic(file, text);
  return true;
}

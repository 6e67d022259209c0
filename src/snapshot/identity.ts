// What names a snapshot document and digests its identity: the few facts io.ts needs to read
// and check a snapshot, kept apart from snapshot.ts so that reading one (every build of a
// project that has one) does not load every probe (~40 ms of a build's start-up).
import { canonicalJson } from '../core/canonical-json.js';
import { sha256Digest } from '../core/digest.js';
import type { SnapshotIdentity } from './snapshot.js';

export const SNAPSHOT_SCHEMA_VERSION = 1;
export const SNAPSHOT_KIND = 'repro-snapshot';

/** The snapshot's digest: sha256 of its identity's canonical JSON (what it records of the machine and project). */
export function identityDigest(identity: SnapshotIdentity): string {
  return sha256Digest(canonicalJson(identity));
}

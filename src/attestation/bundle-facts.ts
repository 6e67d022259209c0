// What an attestation says about a bundle, read from the bundle alone: one verifying pass
// collects its digests, its manifest head, the snapshot it carries, its reference run, the
// base image its Dockerfile pins and its lockfiles (read by the one reader of each format, as a
// snapshot reads them in the project). Nothing comes from the machine or the checkout attesting it,
// so the same bundle gives the same facts, and the same documents, anywhere.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ReproError } from '../core/errors.js';
import { findLockfiles, isLockfilePath } from '../lockfile/find.js';
import type { LockfileRecord } from '../lockfile/types.js';
import { BUNDLED_SNAPSHOT_PATH, bundleFileName, DOCKERFILE_PATH, PROJECT_PREFIX, REFERENCE_RUN_PATH } from '../bundle/layout.js';
import type { ManifestHead } from '../bundle/manifest.js';
import { verifyBundle, type VerifyOptions, type VerifyReport } from '../bundle/verify.js';
import { parseRunRecord, type RunRecord } from '../run-record/record.js';
import { parseSnapshot } from '../snapshot/io.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { MAX_DOCUMENT_BYTES } from '../bundle/limits.js';

export interface BundleFacts {
  /** The bundle's canonical file name (name-version.repro.tar.zst), the subject's name. */
  fileName: string;
  report: Omit<VerifyReport, 'manifest'>;
  head: ManifestHead;
  /** The manifest's own digest (repro.bundle.json). */
  manifestDigest: string;
  snapshot: Snapshot | null;
  referenceRun: RunRecord | null;
  /** The FROM line of repro.Dockerfile, when the bundle carries one. */
  baseImage: string | null;
  /** The lockfiles the bundle carries (its project's top level and requirements/), as a snapshot records them. */
  lockfiles: LockfileRecord[];
}

/** package.json rides along with a Node lock: npm's reader (arborist) reads the root manifest beside it. */
const LOCK_COMPANIONS = new Set(['package.json']);

/** The bundle's lockfiles, read by the one reader of each format from a private copy of their bytes. */
async function readLockfiles(files: Map<string, Buffer>): Promise<LockfileRecord[]> {
  if (![...files.keys()].some(isLockfilePath)) return [];
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'repro-locks-'));
  try {
    for (const [rel, bytes] of files) {
      await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await fs.writeFile(path.join(dir, rel), bytes, { mode: 0o600 });
    }
    return (await findLockfiles(dir)).records.map(({ path: p, format, sha256, packageCount, packages }) => ({ path: p, format, sha256, packageCount, packages }));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The image reference of a Dockerfile's (last) FROM line. */
export function baseImageOf(dockerfile: string): string | null {
  let found: string | null = null;
  for (const line of dockerfile.split('\n')) {
    const m = /^\s*FROM\s+(?:--\S+\s+)*(\S+)/i.exec(line);
    if (m) found = m[1]!;
  }
  return found;
}

/** `options`: verify's own (--digest, the limits, progress), checked in the same pass. */
export async function readBundleFacts(file: string, options: Pick<VerifyOptions, 'digest' | 'limits' | 'progress'> = {}): Promise<BundleFacts> {
  const wanted = new Set([BUNDLED_SNAPSHOT_PATH, REFERENCE_RUN_PATH, DOCKERFILE_PATH]);
  const projectPath = (p: string) => (p.startsWith(`${PROJECT_PREFIX}/`) ? p.slice(PROJECT_PREFIX.length + 1) : null);
  const isLockEntry = (p: string) => {
    const rel = projectPath(p);
    return rel !== null && (isLockfilePath(rel) || LOCK_COMPANIONS.has(rel));
  };
  const parts = new Map<string, Buffer[]>();
  const { manifest, ...report } = await verifyBundle(file, {
    ...options,
    onEntry: (e) => {
      if ((!wanted.has(e.path) && !isLockEntry(e.path)) || e.type !== 'file') return undefined;
      if (e.size > MAX_DOCUMENT_BYTES) {
        throw new ReproError('E_LIMIT', `${e.path} in ${file} is ${e.size} bytes, more than an attestation reads (${MAX_DOCUMENT_BYTES})`, { details: { path: e.path, size: e.size, limit: MAX_DOCUMENT_BYTES } });
      }
      const chunks: Buffer[] = [];
      parts.set(e.path, chunks);
      return { write: (slice) => chunks.push(Buffer.from(slice)), end: () => {} };
    },
  });
  const text = (p: string) => (parts.has(p) ? Buffer.concat(parts.get(p)!).toString('utf8') : null);
  const snapshotText = text(BUNDLED_SNAPSHOT_PATH);
  const runText = text(REFERENCE_RUN_PATH);
  const dockerfile = text(DOCKERFILE_PATH);
  const lockBytes = new Map([...parts].filter(([p]) => isLockEntry(p)).map(([p, chunks]) => [projectPath(p)!, Buffer.concat(chunks)]));
  return {
    fileName: bundleFileName({ name: report.name, version: report.version, codec: report.codec }),
    report,
    head: manifest.head,
    manifestDigest: manifest.head.selfDigest,
    snapshot: snapshotText === null ? null : parseSnapshot(snapshotText, `${file}:${BUNDLED_SNAPSHOT_PATH}`),
    referenceRun: runText === null ? null : parseRunRecord(runText, `${file}:${REFERENCE_RUN_PATH}`),
    baseImage: dockerfile === null ? null : baseImageOf(dockerfile),
    lockfiles: await readLockfiles(lockBytes),
  };
}

// What an attestation says about a bundle, read from the bundle alone: one verifying pass
// collects its digests, its manifest head, the snapshot it carries, its reference run and the
// base image its Dockerfile pins. Nothing comes from the machine or the checkout attesting it,
// so the same bundle gives the same facts, and the same documents, anywhere.
import { ReproError } from '../core/errors.js';
import { BUNDLED_SNAPSHOT_PATH, bundleFileName, DOCKERFILE_PATH, REFERENCE_RUN_PATH } from '../bundle/layout.js';
import type { ManifestHead } from '../bundle/manifest.js';
import { verifyBundle, type VerifyOptions, type VerifyReport } from '../bundle/verify.js';
import { parseRunRecord, type RunRecord } from '../run-record/record.js';
import { parseSnapshot } from '../snapshot/io.js';
import type { Snapshot } from '../snapshot/snapshot.js';

/** The entries read whole; each is refused past this size (a snapshot of a huge env is ~1 MiB). */
export const MAX_FACT_BYTES = 64 * 1024 * 1024;

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
  const parts = new Map<string, Buffer[]>();
  const { manifest, ...report } = await verifyBundle(file, {
    ...options,
    onEntry: (e) => {
      if (!wanted.has(e.path) || e.type !== 'file') return undefined;
      if (e.size > MAX_FACT_BYTES) {
        throw new ReproError('E_LIMIT', `${e.path} in ${file} is ${e.size} bytes, more than an attestation reads (${MAX_FACT_BYTES})`, { details: { path: e.path, size: e.size, limit: MAX_FACT_BYTES } });
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
  return {
    fileName: bundleFileName({ name: report.name, version: report.version, codec: report.codec }),
    report,
    head: manifest.head,
    manifestDigest: manifest.head.selfDigest,
    snapshot: snapshotText === null ? null : parseSnapshot(snapshotText, `${file}:${BUNDLED_SNAPSHOT_PATH}`),
    referenceRun: runText === null ? null : parseRunRecord(runText, `${file}:${REFERENCE_RUN_PATH}`),
    baseImage: dockerfile === null ? null : baseImageOf(dockerfile),
  };
}

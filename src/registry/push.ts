// repro push: the verified bundle file as an OCI artifact. Its blobs go up through blobs.ts
// (skipped when there, mounted with --from, chunked when large, retried after a transient
// failure), the bundle's while it is verified, committed only once it has. The manifest is put
// last, so a tag never points at an artifact whose blobs are not all there; the registry's
// digest for it must be the one computed here.
import { promises as fs } from 'node:fs';
import type { Context } from '../core/context.js';
import { ReproError, fsError } from '../core/errors.js';
import { sha256File } from '../core/digest.js';
import { verifyBundle } from '../bundle/verify.js';
import { artifactManifest, EMPTY_CONFIG, EMPTY_CONFIG_BYTES, MANIFEST_MEDIA_TYPE } from './artifact.js';
import { ensureBlob } from './blobs.js';
import { RegistryClient } from './client.js';
import { formatReference, manifestTarget, requireReference } from './reference.js';

export interface PushOptions {
  bundle: string;
  reference: string;
  /** A repository in the same registry that may already hold the blobs (cross-repository mount). */
  from?: string;
  /** Bytes a blob may be for one PUT; larger ones go in chunks of this size. */
  chunkBytes?: number;
}

export interface PushResult {
  reference: string;
  digest: string;
  contentDigest: string;
  fileDigest: string;
  size: number;
  blobs: { uploaded: number; skipped: number; mounted: number };
}

export async function pushBundle(options: PushOptions, ctx: Context): Promise<PushResult> {
  const ref = requireReference(options.reference);
  if (ref.digest) throw new ReproError('E_USAGE', 'push to a tag or a repository, not a digest: the digest is what push makes', { hint: `e.g. ${ref.registry}/${ref.repository}:v1`, details: { reference: options.reference } });
  const stat = await fs.stat(options.bundle).catch((err) => {
    throw fsError(err, options.bundle, 'cannot read the bundle');
  });
  // The file's digest first (one fast pass): it names the layer, so a registry that already has
  // it is asked before anything is sent. Then the bundle is verified while it uploads, in the
  // same time: the upload is committed (its last request) only once the bundle has verified,
  // so a bundle that does not verify leaves nothing in the registry. (Verifying first and
  // uploading after took the two one after the other: 8.96 s for 1 GiB against 4.34 s for curl.)
  const fileDigest = await sha256File(options.bundle).catch((err) => {
    throw fsError(err, options.bundle, 'cannot read the bundle');
  });
  const verification = verifyBundle(options.bundle, { integrity: false });
  verification.catch(() => {}); // awaited below; a failure meanwhile stops the upload at its gate
  const verified = verification.then((report) => {
    if (report.fileDigest !== fileDigest) throw changedWhilePushed(options.bundle);
  });
  const client = new RegistryClient(ref, ctx.env, 'pull,push');
  const counts = { uploaded: 0, skipped: 0, mounted: 0 };
  const from = options.from ? requireReference(options.from).repository : null;
  counts[await ensureBlob(client, { digest: EMPTY_CONFIG.digest, size: EMPTY_CONFIG.size, bytes: EMPTY_CONFIG_BYTES }, { from, log: ctx.log })]++;
  counts[await ensureBlob(client, { digest: fileDigest, size: stat.size, file: options.bundle }, { from, chunkBytes: options.chunkBytes, log: ctx.log, beforeCommit: verified, progress: ctx.progress })]++;
  // A blob the registry had (or mounted) went through no gate: the manifest waits for the verdict.
  const report = await verification;
  await verified;
  // The file must still be what was verified: the layer was read from disk again.
  const after = await fs.stat(options.bundle);
  if (after.size !== stat.size || after.mtimeMs !== stat.mtimeMs) throw changedWhilePushed(options.bundle);
  const facts = { name: report.name, version: report.version, codec: report.codec, contentDigest: report.contentDigest, fileDigest: report.fileDigest, fileSize: stat.size, sourceDateEpoch: report.manifest.head.sourceDateEpoch };
  const { bytes, digest } = artifactManifest(facts);
  const put = await client.request('PUT', `/manifests/${manifestTarget(ref)}`, { ok: [201], headers: { 'Content-Type': MANIFEST_MEDIA_TYPE }, body: bytes });
  const theirs = put.headers.get('docker-content-digest');
  if (theirs && theirs !== digest) {
    throw new ReproError('E_INTEGRITY', `the registry stored the manifest as ${theirs}, not ${digest}`, { hint: 'The registry rewrote the manifest; pull by the digest repro printed will fail there.', details: { expected: digest, actual: theirs } });
  }
  ctx.log.info(`push: ${formatReference(ref, digest)} (${counts.uploaded} uploaded, ${counts.skipped} already there, ${counts.mounted} mounted)`);
  return { reference: formatReference(ref, digest), digest, contentDigest: report.contentDigest, fileDigest: report.fileDigest, size: stat.size, blobs: counts };
}

function changedWhilePushed(bundle: string): ReproError {
  return new ReproError('E_CHANGED_DURING_BUILD', `${bundle} changed while it was pushed`, { hint: 'Something rewrote the bundle file during the push; nothing was tagged. Push it again once it is settled.', details: { bundle } });
}

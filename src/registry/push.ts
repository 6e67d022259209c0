// repro push: the verified bundle file as an OCI artifact. Blobs the repository has are not sent
// again (HEAD first; then a cross-repository mount from --from in the same registry); a new
// blob goes up in one PUT when small, in PATCH chunks when large (falling back to one PUT when
// the registry refuses chunks, and to chunks when it refuses one PUT); a transient failure (a cut
// connection, a 5xx) starts a new upload session, up to three times. The manifest is put last,
// so a tag never points at an artifact whose blobs are not all there; the registry's digest for
// it must be the one computed here.
import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { verifyBundle } from '../bundle/verify.js';
import { artifactManifest, EMPTY_CONFIG, EMPTY_CONFIG_BYTES, MANIFEST_MEDIA_TYPE } from './artifact.js';
import { RegistryClient } from './client.js';
import { formatReference, manifestTarget, requireReference } from './reference.js';

export interface PushOptions {
  bundle: string;
  reference: string;
  /** A repository in the same registry that may already hold the blobs (cross-repository mount). */
  from?: string;
  /** Bytes a blob may be for one PUT; larger ones go in chunks of this size. */
  chunkBytes?: number;
  fetch?: typeof fetch;
}

export interface PushResult {
  reference: string;
  digest: string;
  contentDigest: string;
  fileDigest: string;
  size: number;
  blobs: { uploaded: number; skipped: number; mounted: number };
}

const CHUNK = 32 * 1024 * 1024;

type BlobSource = { digest: string; size: number; bytes?: Buffer; file?: string };

async function uploadBlob(client: RegistryClient, blob: BlobSource, chunkBytes: number): Promise<void> {
  const start = await client.request('POST', '/blobs/uploads/', { ok: [202], headers: { 'Content-Length': '0' } });
  let location = start.headers.get('location');
  if (!location) throw new ReproError('E_ENV', `the registry ${client.ref.registry} started an upload without a Location`, { details: { registry: client.ref.registry } });
  const abs = (loc: string) => new URL(loc, client.base).toString();
  const withDigest = (loc: string) => {
    const u = new URL(abs(loc));
    u.searchParams.set('digest', blob.digest);
    return u.toString();
  };
  const body = (from = 0, to = blob.size): RequestInit['body'] => (blob.bytes ? blob.bytes.subarray(from, to) : (Readable.from(createReadStream(blob.file!, { start: from, end: to - 1 })) as unknown as RequestInit['body']));
  if (blob.size > chunkBytes) {
    let offset = 0;
    let chunked = true;
    while (offset < blob.size && chunked) {
      const end = Math.min(blob.size, offset + chunkBytes);
      const res = await client.request('PATCH', abs(location), { ok: [202, 400, 405, 416], headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${end - 1}`, 'Content-Length': String(end - offset) }, body: body(offset, end) });
      if (res.status !== 202) {
        chunked = false; // this registry wants one PUT: start again
        const again = await client.request('POST', '/blobs/uploads/', { ok: [202], headers: { 'Content-Length': '0' } });
        location = again.headers.get('location') ?? location;
        break;
      }
      location = res.headers.get('location') ?? location;
      offset = end;
    }
    if (chunked) {
      await client.request('PUT', withDigest(location), { ok: [201], headers: { 'Content-Length': '0' } });
      return;
    }
  }
  const put = await client.request('PUT', withDigest(location), { ok: [201, 400, 405, 413], headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) }, body: body() });
  if (put.status === 201) return;
  // This registry refuses a blob in one request (too large for it): send it in chunks.
  if (chunkBytes >= blob.size && blob.size > MIN_CHUNK) return uploadBlob(client, blob, Math.max(MIN_CHUNK, Math.ceil(blob.size / 4)));
  throw new ReproError('E_ENV', `the registry ${client.ref.registry} refused the upload of ${blob.digest} in one request (${put.status}) and in chunks`, {
    hint: 'The registry accepts neither upload form repro uses; its answer is above.',
    details: { registry: client.ref.registry, digest: blob.digest, status: put.status },
  });
}

const MIN_CHUNK = 1024 * 1024;
const ATTEMPTS = 3;

/** Uploads a blob, starting a new upload session after a transient failure (a cut connection, a 5xx). */
async function uploadWithRetry(client: RegistryClient, blob: BlobSource, chunkBytes: number, log: Context['log']): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await uploadBlob(client, blob, chunkBytes);
    } catch (err) {
      const status = (err as ReproError).details?.status as number | undefined;
      const transient = err instanceof ReproError && err.code === 'E_ENV' && (status === undefined || status >= 500);
      if (!transient || attempt >= ATTEMPTS) throw err;
      log.warn(`push: the upload of ${blob.digest} failed (${err.message.split('\n')[0]}); trying again (${attempt + 1} of ${ATTEMPTS})`);
      await new Promise((r) => setTimeout(r, 250 * 2 ** (attempt - 1)));
    }
  }
}

async function ensureBlob(client: RegistryClient, blob: BlobSource, from: string | null, chunkBytes: number, counts: PushResult['blobs'], log: Context['log']): Promise<void> {
  const head = await client.request('HEAD', `/blobs/${blob.digest}`, { ok: [200, 404] });
  if (head.status === 200) {
    counts.skipped++;
    return;
  }
  if (from) {
    const mount = await client.request('POST', `/blobs/uploads/?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(from)}`, { ok: [201, 202], headers: { 'Content-Length': '0' } });
    if (mount.status === 201) {
      counts.mounted++;
      return;
    }
  }
  await uploadWithRetry(client, blob, chunkBytes, log);
  counts.uploaded++;
}

export async function pushBundle(options: PushOptions, ctx: Context): Promise<PushResult> {
  const ref = requireReference(options.reference);
  if (ref.digest) throw new ReproError('E_USAGE', 'push to a tag or a repository, not a digest: the digest is what push makes', { hint: `e.g. ${ref.registry}/${ref.repository}:v1`, details: { reference: options.reference } });
  const report = await verifyBundle(options.bundle);
  const stat = await fs.stat(options.bundle);
  const facts = { name: report.name, version: report.version, codec: report.codec, contentDigest: report.contentDigest, fileDigest: report.fileDigest, fileSize: stat.size, sourceDateEpoch: report.manifest.head.sourceDateEpoch };
  const { bytes, digest } = artifactManifest(facts);
  const client = new RegistryClient(ref, ctx.env, 'pull,push', options.fetch);
  const counts = { uploaded: 0, skipped: 0, mounted: 0 };
  const from = options.from ? requireReference(options.from).repository : null;
  const chunkBytes = options.chunkBytes ?? CHUNK;
  await ensureBlob(client, { digest: EMPTY_CONFIG.digest, size: EMPTY_CONFIG.size, bytes: EMPTY_CONFIG_BYTES }, from, chunkBytes, counts, ctx.log);
  await ensureBlob(client, { digest: report.fileDigest, size: stat.size, file: options.bundle }, from, chunkBytes, counts, ctx.log);
  // The file must still be what was verified: the layer was read from disk again.
  const after = await fs.stat(options.bundle);
  if (after.size !== stat.size || after.mtimeMs !== stat.mtimeMs) throw new ReproError('E_CHANGED_DURING_BUILD', `${options.bundle} changed while it was pushed`, { details: { bundle: options.bundle } });
  const put = await client.request('PUT', `/manifests/${manifestTarget(ref)}`, { ok: [201], headers: { 'Content-Type': MANIFEST_MEDIA_TYPE }, body: bytes });
  const theirs = put.headers.get('docker-content-digest');
  if (theirs && theirs !== digest) {
    throw new ReproError('E_INTEGRITY', `the registry stored the manifest as ${theirs}, not ${digest}`, { hint: 'The registry rewrote the manifest; pull by the digest repro printed will fail there.', details: { expected: digest, actual: theirs } });
  }
  ctx.log.info(`push: ${formatReference(ref, digest)} (${counts.uploaded} uploaded, ${counts.skipped} already there, ${counts.mounted} mounted)`);
  return { reference: formatReference(ref, digest), digest, contentDigest: report.contentDigest, fileDigest: report.fileDigest, size: stat.size, blobs: counts };
}

// repro pull: a reference to the identical bundle file. The manifest is checked against the
// digest asked for and read as hostile input (artifact.ts); the layer streams into a temp file
// beside the content-addressed cache entry, hashed and counted as it comes (more bytes than the
// descriptor says, or other bytes, and the download stops); the file is then verified as
// `repro verify` does, and only then renamed into place. A failure leaves nothing in the cache.
import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { commitTemp, tempPathFor } from '../core/atomic-write.js';
import { cacheRoot } from '../core/cache-root.js';
import { trackTemp } from '../core/cleanup.js';
import type { Context } from '../core/context.js';
import { ReproError, fsError } from '../core/errors.js';
import { verifyBundle } from '../bundle/verify.js';
import { bundleFileName, bundleLayer, MANIFEST_MEDIA_TYPE } from './artifact.js';
import { RegistryClient } from './client.js';
import { formatReference, manifestTarget, requireReference } from './reference.js';

export interface PullOptions {
  reference: string;
  /** Also copy the bundle here (a directory). */
  outDir?: string;
  fetch?: typeof fetch;
}

export interface PullResult {
  reference: string;
  /** The bundle file: in the cache, or in outDir. */
  bundle: string;
  digest: string;
  /** The manifest's size in bytes (a referrer's subject descriptor needs it). */
  manifestSize: number;
  contentDigest: string;
  fileDigest: string;
  size: number;
  /** Whether the cache already held it (nothing downloaded but the manifest). */
  cached: boolean;
}

const MAX_MANIFEST = 4 * 1024 * 1024;

function integrity(message: string, details: Record<string, unknown>): ReproError {
  return new ReproError('E_INTEGRITY', message, { hint: 'The registry answered with other bytes than the reference names. Nothing was kept.', details });
}

async function readManifest(client: RegistryClient, target: string): Promise<{ bytes: Buffer; digest: string }> {
  const res = await client.request('GET', `/manifests/${target}`, { ok: [200], headers: { Accept: MANIFEST_MEDIA_TYPE } });
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_MANIFEST) throw integrity(`the manifest is ${declared} bytes; repro reads at most ${MAX_MANIFEST}`, { size: declared });
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += c.length;
    if (total > MAX_MANIFEST) throw integrity(`the manifest is larger than ${MAX_MANIFEST} bytes`, { limit: MAX_MANIFEST });
    chunks.push(Buffer.from(c));
  }
  const bytes = Buffer.concat(chunks);
  return { bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}` };
}

/** Streams the blob into `temp`, failing as soon as it is longer than `size`; returns its sha256. */
async function download(client: RegistryClient, digest: string, size: number, temp: string): Promise<string> {
  const res = await client.request('GET', `/blobs/${digest}`, { ok: [200] });
  const hash = createHash('sha256');
  let seen = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > size) return done(integrity(`the registry sent more than the ${size} bytes the manifest names for ${digest}`, { digest, size }));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as never), check, createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
  } catch (err) {
    if (err instanceof ReproError) throw err;
    const cause = (err as Error).cause instanceof Error ? `: ${((err as Error).cause as Error).message}` : '';
    throw new ReproError('E_ENV', `the download of ${digest} from ${client.ref.registry} broke off after ${seen} of ${size} bytes (${(err as Error).message}${cause})`, {
      hint: 'Nothing was kept; run the same pull again.',
      details: { registry: client.ref.registry, digest, received: seen, size },
    });
  }
  if (seen !== size) throw integrity(`the registry sent ${seen} bytes for ${digest}; the manifest names ${size}`, { digest, size, received: seen });
  return `sha256:${hash.digest('hex')}`;
}

/** The bundle manifest a reference names: its bytes, digest (checked against one asked for) and parsed document. */
export async function resolveManifest(client: RegistryClient): Promise<{ bytes: Buffer; digest: string }> {
  const ref = client.ref;
  const manifest = await readManifest(client, manifestTarget(ref));
  if (ref.digest && manifest.digest !== ref.digest) throw integrity(`the registry answered ${formatReference(ref)} with a manifest whose digest is ${manifest.digest}`, { expected: ref.digest, actual: manifest.digest });
  return manifest;
}

export async function pullBundle(options: PullOptions, ctx: Context): Promise<PullResult> {
  const ref = requireReference(options.reference);
  const client = new RegistryClient(ref, ctx.env, 'pull', options.fetch);
  const manifest = await resolveManifest(client);
  let doc: unknown;
  try {
    doc = JSON.parse(manifest.bytes.toString('utf8'));
  } catch {
    throw integrity('the manifest is not JSON', { digest: manifest.digest });
  }
  const { layer, codec } = bundleLayer(doc);
  const dir = path.join(cacheRoot(ctx.env), 'pulled', layer.digest.replace('sha256:', ''));
  await fs.mkdir(dir, { recursive: true }).catch((err) => {
    throw fsError(err, dir, 'cannot create the cache directory');
  });
  const annotations = (doc as { annotations?: Record<string, string> }).annotations ?? {};
  const name = String(annotations['io.repro.bundle.name'] ?? 'bundle').replace(/[^A-Za-z0-9._-]/g, '_');
  const version = String(annotations['io.repro.bundle.version'] ?? '0').replace(/[^A-Za-z0-9._+-]/g, '_');
  const target = path.join(dir, bundleFileName({ name, version, codec }));
  const cached = await fs.stat(target).then((s) => s.isFile() && s.size === layer.size).catch(() => false);
  let report: Awaited<ReturnType<typeof verifyBundle>>;
  if (!cached) {
    const temp = tempPathFor(target);
    const untrack = trackTemp(temp);
    try {
      const got = await download(client, layer.digest, layer.size, temp);
      if (got !== layer.digest) throw integrity(`the registry sent other bytes for ${layer.digest}: they hash to ${got}`, { expected: layer.digest, actual: got });
      report = await verifyBundle(temp); // a hostile bundle never reaches the cache
      await commitTemp(temp, target);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    } finally {
      untrack();
    }
  } else {
    // A cached file is verified again: the cache is a directory anyone with the user's rights can edit.
    report = await verifyBundle(target).catch(async (err) => {
      await fs.rm(target, { force: true });
      throw err;
    });
    if (report.fileDigest !== layer.digest) {
      await fs.rm(target, { force: true });
      throw integrity(`the cached file for ${layer.digest} hashes to ${report.fileDigest}; it was removed`, { expected: layer.digest, actual: report.fileDigest });
    }
  }
  let bundle = target;
  if (options.outDir) {
    const out = path.resolve(ctx.cwd, options.outDir);
    await fs.mkdir(out, { recursive: true });
    bundle = path.join(out, path.basename(target));
    const temp = tempPathFor(bundle);
    await fs.copyFile(target, temp);
    await commitTemp(temp, bundle);
  }
  ctx.log.info(`pull: ${formatReference(ref, manifest.digest)} -> ${bundle}${cached ? ' (cached)' : ''}`);
  return { reference: formatReference(ref, manifest.digest), bundle, digest: manifest.digest, manifestSize: manifest.bytes.length, contentDigest: report.contentDigest, fileDigest: report.fileDigest, size: layer.size, cached };
}

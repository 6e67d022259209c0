// repro pull: a reference to the identical bundle file. The manifest is checked against the
// digest asked for and read as hostile input (artifact.ts); the layer streams into a temp file
// beside the content-addressed cache entry and is verified as it comes, in the same pass, as
// `repro verify` does (more bytes than the descriptor says, other bytes, or a bundle that does
// not verify, and the download stops); only then is it renamed into place. A failure leaves
// nothing in the cache.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { commitTemp, tempPathFor } from '../core/atomic-write.js';
import { cacheRoot } from '../core/cache-root.js';
import { trackTemp } from '../core/cleanup.js';
import type { Context, ProgressReporter } from '../core/context.js';
import { ReproError, fsError } from '../core/errors.js';
import { verifyBundle, type VerifyReport } from '../bundle/verify.js';
import { bundleLayer, MANIFEST_MEDIA_TYPE } from './artifact.js';
import { bundleFileName } from '../bundle/layout.js';
import { RegistryClient } from './client.js';
import { formatReference, manifestTarget, requireReference } from './reference.js';
import { hexOf, sha256Digest } from '../core/digest.js';
import { BUNDLE_NAME, BUNDLE_VERSION } from '../core/annotations.js';

export interface PullOptions {
  reference: string;
  /** Also copy the bundle here (a directory). */
  outDir?: string;
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
/** A download is written and verified in batches of this many bytes. */
const PULL_BATCH = 1 << 20;

function integrity(message: string, details: Record<string, unknown>): ReproError {
  return new ReproError('E_INTEGRITY', message, { hint: 'The registry answered with other bytes than the reference names. Nothing was kept.', details });
}

async function readManifest(client: RegistryClient, target: string): Promise<{ bytes: Buffer; digest: string }> {
  const res = await client.request('GET', `/manifests/${target}`, { ok: [200], headers: { Accept: MANIFEST_MEDIA_TYPE } });
  const bytes = await client.body(res, MAX_MANIFEST, 'the manifest').catch((err) => {
    throw err instanceof ReproError && err.code === 'E_INTEGRITY' ? integrity(`the manifest is larger than ${MAX_MANIFEST} bytes`, { limit: MAX_MANIFEST }) : err;
  });
  return { bytes, digest: sha256Digest(bytes) };
}

/**
 * Streams the blob into `temp` and verifies it in the same pass (as `repro verify` would, fed
 * the bytes as they arrive): more bytes than the descriptor names stop the download, and the
 * file digest verification computes must be the descriptor's.
 */
async function downloadVerified(client: RegistryClient, digest: string, size: number, temp: string, progress: ProgressReporter): Promise<VerifyReport> {
  const res = await client.request('GET', `/blobs/${digest}`, { ok: [200] });
  const fh = await fs.open(temp, 'wx', 0o644).catch((err) => {
    throw fsError(err, temp, 'cannot write into the cache');
  });
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await fh.close();
    }
  };
  let seen = 0;
  const keep = async (b: Buffer) => {
    for (let off = 0; off < b.length; ) off += (await fh.write(b, off, b.length - off)).bytesWritten;
  };
  async function* chunks(): AsyncGenerator<Buffer> {
    // The socket's chunks (~64 KiB) are gathered into 1 MiB batches before they are written and
    // verified: every chunk costs a write, a hasher message and a trip through the decompressor
    // and tar reader, and 16,000 of them a GiB were a third of a pull's time.
    let batch = Buffer.allocUnsafeSlow(PULL_BATCH);
    let used = 0;
    try {
      for await (const c of client.stream(res, `the bundle ${digest}`)) {
        seen += c.length;
        progress.tick(c.length);
        if (seen > size) throw integrity(`the registry sent more than the ${size} bytes the manifest names for ${digest}`, { digest, size });
        for (let off = 0; off < c.length; ) {
          const n = Math.min(c.length - off, PULL_BATCH - used);
          batch.set(c.subarray(off, off + n), used);
          used += n;
          off += n;
          if (used === PULL_BATCH) {
            await keep(batch);
            yield batch;
            batch = Buffer.allocUnsafeSlow(PULL_BATCH); // the one yielded is the verifier's now
            used = 0;
          }
        }
      }
      if (used > 0) {
        const last = batch.subarray(0, used);
        await keep(last);
        yield last;
      }
    } catch (err) {
      if (err instanceof ReproError) throw err;
      const cause = (err as Error).cause instanceof Error ? `: ${((err as Error).cause as Error).message}` : '';
      throw new ReproError('E_ENV', `the download of ${digest} from ${client.ref.registry} broke off after ${seen} of ${size} bytes (${(err as Error).message}${cause})`, {
        hint: 'Nothing was kept; run the same pull again.',
        details: { registry: client.ref.registry, digest, received: seen, size },
      });
    }
    if (seen !== size) throw integrity(`the registry sent ${seen} bytes for ${digest}; the manifest names ${size}`, { digest, size, received: seen });
  }
  progress.start('downloading', size);
  try {
    const report = await verifyBundle(temp, { source: { chunks: chunks(), size }, beforeFraming: close, integrity: false }).catch((err) => {
      if (err instanceof ReproError && err.code === 'E_INTEGRITY') {
        throw new ReproError('E_INTEGRITY', `the registry sent bytes for ${digest} that are not a sound bundle: ${err.message}`, { hint: err.hint, details: { digest, ...err.details }, cause: err });
      }
      throw err;
    });
    if (report.fileDigest !== digest) throw integrity(`the registry sent other bytes for ${digest}: they hash to ${report.fileDigest}`, { expected: digest, actual: report.fileDigest });
    return report;
  } finally {
    progress.stop();
    await close();
  }
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
  const client = new RegistryClient(ref, ctx.env, 'pull');
  const manifest = await resolveManifest(client);
  let doc: unknown;
  try {
    doc = JSON.parse(manifest.bytes.toString('utf8'));
  } catch {
    throw integrity('the manifest is not JSON', { digest: manifest.digest });
  }
  const { layer, codec } = bundleLayer(doc);
  const dir = path.join(cacheRoot(ctx.env), 'pulled', hexOf(layer.digest));
  await fs.mkdir(dir, { recursive: true }).catch((err) => {
    throw fsError(err, dir, 'cannot create the cache directory');
  });
  const annotations = (doc as { annotations?: Record<string, string> }).annotations ?? {};
  // The name `repro build` gave the bundle; the annotations are the registry's word, and the slug
  // keeps whatever they say one safe path component.
  const target = path.join(dir, bundleFileName({ name: String(annotations[BUNDLE_NAME] ?? 'bundle'), version: String(annotations[BUNDLE_VERSION] ?? '0'), codec }));
  const cached = await fs.stat(target).then((s) => s.isFile() && s.size === layer.size).catch(() => false);
  let report: Awaited<ReturnType<typeof verifyBundle>>;
  if (!cached) {
    const temp = tempPathFor(target);
    const untrack = trackTemp(temp);
    try {
      report = await downloadVerified(client, layer.digest, layer.size, temp, ctx.progress); // a hostile bundle never reaches the cache
      await commitTemp(temp, target);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    } finally {
      untrack();
    }
  } else {
    // A cached file is verified again: the cache is a directory anyone with the user's rights can edit.
    report = await verifyBundle(target, { integrity: false }).catch(async (err) => {
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

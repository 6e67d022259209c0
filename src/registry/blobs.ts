// Blobs into a repository: HEAD first (a blob the repository has is not sent again), then a
// cross-repository mount when a source repository is named, else an upload: one PUT when small,
// PATCH chunks when large, each form falling back to the other when the registry refuses it,
// and a new upload session after a transient failure (a cut connection, a 5xx), up to three
// times. push sends the bundle and the empty config this way; the ledger its run records.
import type { Context, ProgressReporter } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import type { RegistryClient, RequestOptions } from './client.js';
import { withRetries } from '../core/retry.js';

export type BlobSource = { digest: string; size: number; bytes?: Buffer; file?: string };

export interface EnsureOptions {
  /** A repository of the same registry that may hold the blob (mounted, not uploaded). */
  from?: string | null;
  /** Bytes a blob may be for one PUT; larger ones go in chunks of this size. */
  chunkBytes?: number;
  log: Context['log'];
  /**
   * Settles before the upload is committed (the request whose digest makes the registry keep
   * the blob); a rejection stops the upload between chunks, abandons the session and is
   * thrown. push verifies the bundle while it uploads, and only a verified bundle is committed.
   */
  beforeCommit?: Promise<void>;
  /** Shown an upload's bytes as they are sent (each attempt starts it again). */
  progress?: ProgressReporter;
}

/** A commit gate whose failure can also be seen without waiting (between chunks). */
class Gate {
  failure: unknown = undefined;
  readonly #wait: Promise<void>;
  constructor(wait: Promise<void> = Promise.resolve()) {
    this.#wait = wait.catch((err) => {
      this.failure = err ?? new Error('the upload was stopped');
      throw this.failure;
    });
    this.#wait.catch(() => {});
  }
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }
  pass(): Promise<void> {
    return this.#wait;
  }
}

const CHUNK = 32 * 1024 * 1024;

/** `session`: an upload the registry already opened (a mount it declined answers with one). */
async function uploadBlob(client: RegistryClient, blob: BlobSource, chunkBytes: number, gate: Gate, session: string | null = null, progress?: ProgressReporter): Promise<void> {
  let location = session ?? (await client.request('POST', '/blobs/uploads/', { ok: [202], headers: { 'Content-Length': '0' } })).headers.get('location');
  if (!location) throw new ReproError('E_ENV', `the registry ${client.ref.registry} started an upload without a Location`, { details: { registry: client.ref.registry } });
  const abs = (loc: string) => new URL(loc, client.base).toString();
  try {
    progress?.start('uploading', blob.size);
    await sendBlob(client, blob, chunkBytes, gate, location, abs, progress);
  } catch (err) {
    // Stopped by the gate (the bundle did not verify): the session is abandoned, as a registry
    // would after its timeout anyway; nothing of it was committed.
    if (gate.failure !== undefined && err === gate.failure) await client.request('DELETE', abs(location), { ok: [202, 204, 400, 404, 405] }).catch(() => {});
    throw err;
  }
}

async function sendBlob(client: RegistryClient, blob: BlobSource, chunkBytes: number, gate: Gate, startAt: string, abs: (loc: string) => string, progress: ProgressReporter | undefined): Promise<void> {
  let location = startAt;
  const withDigest = (loc: string) => {
    const u = new URL(abs(loc));
    u.searchParams.set('digest', blob.digest);
    return u.toString();
  };
  const body = (from = 0, to = blob.size): RequestOptions['body'] => (blob.bytes ? blob.bytes.subarray(from, to) : { file: blob.file!, start: from, end: to, ...(progress ? { onSent: (n: number) => progress.tick(n) } : {}) });
  if (blob.size > chunkBytes) {
    let offset = 0;
    let chunked = true;
    while (offset < blob.size && chunked) {
      gate.check();
      const end = Math.min(blob.size, offset + chunkBytes);
      const res = await client.request('PATCH', abs(location), { ok: [202, 400, 405, 416], headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${end - 1}`, 'Content-Length': String(end - offset) }, body: body(offset, end) });
      if (res.status !== 202) {
        chunked = false; // this registry wants one PUT: start again
        const again = await client.request('POST', '/blobs/uploads/', { ok: [202], headers: { 'Content-Length': '0' } });
        progress?.start('uploading', blob.size); // the whole blob again, in one PUT
        location = again.headers.get('location') ?? location;
        break;
      }
      location = res.headers.get('location') ?? location;
      offset = end;
    }
    if (chunked) {
      await gate.pass();
      await client.request('PUT', withDigest(location), { ok: [201], headers: { 'Content-Length': '0' } });
      return;
    }
  }
  // One request carries the bytes and commits them: it waits for the gate.
  await gate.pass();
  const put = await client.request('PUT', withDigest(location), { ok: [201, 400, 405, 413], headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) }, body: body() });
  if (put.status === 201) return;
  // This registry refuses a blob in one request (too large for it): send it in chunks.
  if (chunkBytes >= blob.size && blob.size > MIN_CHUNK) return uploadBlob(client, blob, Math.max(MIN_CHUNK, Math.ceil(blob.size / 4)), gate, null, progress);
  throw new ReproError('E_ENV', `the registry ${client.ref.registry} refused the upload of ${blob.digest} in one request (${put.status}) and in chunks`, {
    hint: 'The registry accepts neither upload form repro uses; its answer is above.',
    details: { registry: client.ref.registry, digest: blob.digest, status: put.status },
  });
}

const MIN_CHUNK = 1024 * 1024;
const ATTEMPTS = 3;

/** Uploads a blob, starting a new upload session after a transient failure (a cut connection, a 5xx). */
async function uploadWithRetry(client: RegistryClient, blob: BlobSource, chunkBytes: number, log: Context['log'], session: string | null, gate: Gate, progress: ProgressReporter | undefined): Promise<void> {
  const transient = (err: unknown) => {
    const status = (err as ReproError).details?.status as number | undefined;
    return err instanceof ReproError && err.code === 'E_ENV' && (status === undefined || status >= 500);
  };
  await withRetries((attempt) => uploadBlob(client, blob, chunkBytes, gate, attempt === 1 ? session : null, progress), {
    attempts: ATTEMPTS,
    delayMs: (next) => 250 * 2 ** (next - 2),
    retryOn: (o) => !o.ok && transient(o.error),
    onRetry: (o, next) => log.warn(`the upload of ${blob.digest} failed (${String((o as { error: Error }).error.message).split('\n')[0]}); trying again (${next} of ${ATTEMPTS})`),
  });
}

/** Makes sure the repository has the blob; says how. */
export async function ensureBlob(client: RegistryClient, blob: BlobSource, options: EnsureOptions): Promise<'skipped' | 'mounted' | 'uploaded'> {
  const gate = new Gate(options.beforeCommit);
  const head = await client.request('HEAD', `/blobs/${blob.digest}`, { ok: [200, 404] });
  if (head.status === 200) return 'skipped';
  let session: string | null = null;
  if (options.from) {
    const mount = await client.request('POST', `/blobs/uploads/?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(options.from)}`, { ok: [201, 202], headers: { 'Content-Length': '0' } });
    if (mount.status === 201) return 'mounted';
    session = mount.headers.get('location'); // declined: the registry opened an ordinary upload instead
  }
  try {
    await uploadWithRetry(client, blob, options.chunkBytes ?? CHUNK, options.log, session, gate, options.progress);
  } finally {
    options.progress?.stop();
  }
  return 'uploaded';
}


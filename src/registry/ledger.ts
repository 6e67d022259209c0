// The ledger of reruns, kept in the registry beside the bundle: each run record (run.json) is an
// OCI artifact whose `subject` is the bundle's manifest. Where the registry has the referrers
// API it indexes them itself. Where it does not (Debian's docker-registry 2.8, many private
// registries), each record is also tagged `sha256-<subject hex>.run-<run id>`: one tag per run,
// so concurrent attaches never overwrite each other (a shared referrers index tag would, on a
// registry that ignores If-Match), and `repro runs` lists those tags. The OCI tag-schema index
// under `sha256-<subject hex>` is kept as well, merged and re-read until the record is in it,
// for tools that look only there.
import { createHash } from 'node:crypto';
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import type { RunRecord } from '../run-record/record.js';
import { EMPTY_CONFIG, EMPTY_CONFIG_BYTES, MANIFEST_MEDIA_TYPE, type Descriptor } from './artifact.js';
import { ensureBlob } from './blobs.js';
import { RegistryClient } from './client.js';
import { formatReference, type OciRef } from './reference.js';

export const RUN_ARTIFACT_TYPE = 'application/vnd.repro.run.v1';
export const RUN_LAYER_MEDIA_TYPE = 'application/vnd.repro.run.v1+json';
const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';

export interface LedgerEntry {
  /** The run record artifact's manifest digest. */
  digest: string;
  runId: string;
  /** true / false when the bundle carried a reference run, else null. */
  reproduced: boolean | null;
  exitCode: number | null;
  backend: string | null;
  machine: string | null;
  endedAt: string | null;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const RUN_ID = /^[A-Za-z0-9_.-]{1,40}$/;

/** The tag a run record gets on registries without the referrers API. */
export function runTag(subject: string, runId: string): string {
  return `${subject.replace(':', '-')}.run-${runId}`;
}

/** A small blob (the empty config, a run record) into the repository; its digest. */
async function putBlob(client: RegistryClient, bytes: Buffer, log: Context['log']): Promise<string> {
  const digest = sha256(bytes);
  await ensureBlob(client, { digest, size: bytes.length, bytes }, { log });
  return digest;
}

function annotationsOf(record: RunRecord): Record<string, string> {
  return {
    'io.repro.run.backend': record.backend,
    'io.repro.run.exit-code': String(record.exitCode),
    'io.repro.run.id': record.runId,
    'io.repro.run.machine': record.machine.snapshotDigest,
    'io.repro.run.reproduced': record.reproduced === null ? 'unknown' : String(record.reproduced.reproduced),
    'org.opencontainers.image.created': record.endedAt,
  };
}

/** Attaches a run record to the bundle manifest `subject` (a digest in ref's repository). */
export async function attachRun(ref: OciRef, subject: { digest: string; size: number }, runJson: Buffer, record: RunRecord, ctx: Context): Promise<{ digest: string; tag: string | null; referrersApi: boolean }> {
  if (!RUN_ID.test(record.runId)) throw new ReproError('E_INPUT', `run id ${JSON.stringify(record.runId)} cannot be a tag`, { details: { runId: record.runId } });
  const client = new RegistryClient(ref, ctx.env, 'pull,push');
  await putBlob(client, EMPTY_CONFIG_BYTES, ctx.log);
  const layerDigest = await putBlob(client, runJson, ctx.log);
  const annotations = annotationsOf(record);
  const manifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    artifactType: RUN_ARTIFACT_TYPE,
    config: { ...EMPTY_CONFIG },
    layers: [{ mediaType: RUN_LAYER_MEDIA_TYPE, digest: layerDigest, size: runJson.length }],
    subject: { mediaType: MANIFEST_MEDIA_TYPE, digest: subject.digest, size: subject.size },
    annotations,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = sha256(bytes);
  const put = await client.request('PUT', `/manifests/${digest}`, { ok: [201], headers: { 'Content-Type': MANIFEST_MEDIA_TYPE }, body: bytes });
  if (put.headers.get('oci-subject') === subject.digest) return { digest, tag: null, referrersApi: true };
  // No referrers API: one tag per run (never overwritten), then the shared tag-schema index.
  const tag = runTag(subject.digest, record.runId);
  await client.request('PUT', `/manifests/${tag}`, { ok: [201], headers: { 'Content-Type': MANIFEST_MEDIA_TYPE }, body: bytes });
  const descriptor: Descriptor & { artifactType: string } = { mediaType: MANIFEST_MEDIA_TYPE, digest, size: bytes.length, artifactType: RUN_ARTIFACT_TYPE, annotations };
  // Best effort: the run's own tag is the record; the shared index may lose a race or a 5xx.
  await mergeIntoIndex(client, subject.digest.replace(':', '-'), descriptor).catch((err: Error) => ctx.log.warn(`ledger: the tag-schema index of ${subject.digest} was not updated (${err.message.split('\n')[0]}); the run's own tag ${tag} records it`));
  ctx.log.info(`ledger: run ${record.runId} attached to ${formatReference(ref, subject.digest)} as ${digest}`);
  return { digest, tag, referrersApi: false };
}

async function readIndex(client: RegistryClient, tag: string): Promise<Array<Descriptor & { artifactType?: string }>> {
  // A registry writing the same tag for several clients at once may answer 5xx for a moment.
  let res = await client.request('GET', `/manifests/${tag}`, { ok: [200, 404, 500, 503], headers: { Accept: INDEX_MEDIA_TYPE } });
  for (let i = 0; i < 5 && res.status >= 500; i++) {
    await new Promise((r) => setTimeout(r, 50 * (i + 1)));
    res = await client.request('GET', `/manifests/${tag}`, { ok: [200, 404, 500, 503], headers: { Accept: INDEX_MEDIA_TYPE } });
  }
  if (res.status >= 500) throw new ReproError('E_ENV', `the registry ${client.ref.registry} keeps answering ${res.status} for ${tag}`, { details: { tag, status: res.status } });
  if (res.status === 404) return [];
  const doc = (await res.json().catch(() => ({}))) as { manifests?: unknown };
  return Array.isArray(doc.manifests) ? (doc.manifests as Array<Descriptor & { artifactType?: string }>) : [];
}

/** Read, merge, write, read again: until the descriptor is in the index (a few tries, best effort). */
async function mergeIntoIndex(client: RegistryClient, tag: string, entry: Descriptor & { artifactType: string }): Promise<void> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const current = await readIndex(client, tag);
    if (current.some((d) => d.digest === entry.digest) && attempt > 0) return;
    const merged = [...current.filter((d) => d.digest !== entry.digest), entry].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX_MEDIA_TYPE, manifests: merged }));
    await client.request('PUT', `/manifests/${tag}`, { ok: [201], headers: { 'Content-Type': INDEX_MEDIA_TYPE }, body });
    await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 80)));
  }
}

function entryOf(digest: string, annotations: Record<string, string> | undefined): LedgerEntry {
  const a = annotations ?? {};
  const reproduced = a['io.repro.run.reproduced'];
  const exit = Number(a['io.repro.run.exit-code']);
  return {
    digest,
    runId: a['io.repro.run.id'] ?? '?',
    reproduced: reproduced === 'true' ? true : reproduced === 'false' ? false : null,
    exitCode: Number.isInteger(exit) ? exit : null,
    backend: a['io.repro.run.backend'] ?? null,
    machine: a['io.repro.run.machine'] ?? null,
    endedAt: a['org.opencontainers.image.created'] ?? null,
  };
}

/** Every run attached to `subject`: from the referrers API, else the per-run tags and the tag-schema index. */
export async function listRuns(ref: OciRef, subject: string, ctx: Context): Promise<LedgerEntry[]> {
  const client = new RegistryClient(ref, ctx.env, 'pull');
  const found = new Map<string, LedgerEntry>();
  const api = await client.request('GET', `/referrers/${subject}?artifactType=${encodeURIComponent(RUN_ARTIFACT_TYPE)}`, { ok: [200, 404], headers: { Accept: INDEX_MEDIA_TYPE } });
  if (api.status === 200 && (api.headers.get('content-type') ?? '').includes('index')) {
    const doc = (await api.json().catch(() => ({}))) as { manifests?: Array<Descriptor & { artifactType?: string }> };
    for (const d of doc.manifests ?? []) if (d.artifactType === RUN_ARTIFACT_TYPE) found.set(d.digest, entryOf(d.digest, d.annotations));
  } else {
    await api.body?.cancel().catch(() => {});
    const index = await readIndex(client, subject.replace(':', '-')).catch(() => []); // the tags below are the record
    for (const d of index) if (d.artifactType === RUN_ARTIFACT_TYPE) found.set(d.digest, entryOf(d.digest, d.annotations));
    const prefix = `${subject.replace(':', '-')}.run-`;
    const tags = await client.request('GET', '/tags/list', { ok: [200, 404] });
    const list = tags.status === 200 ? (((await tags.json().catch(() => ({}))) as { tags?: string[] }).tags ?? []) : [];
    for (const tag of list.filter((t) => typeof t === 'string' && t.startsWith(prefix))) {
      const res = await client.request('GET', `/manifests/${tag}`, { ok: [200, 404], headers: { Accept: MANIFEST_MEDIA_TYPE } });
      if (res.status !== 200) continue;
      const bytes = Buffer.from(await res.arrayBuffer());
      const doc = JSON.parse(bytes.toString('utf8')) as { artifactType?: string; subject?: { digest?: string }; annotations?: Record<string, string> };
      if (doc.artifactType !== RUN_ARTIFACT_TYPE || doc.subject?.digest !== subject) continue; // a tag that lies about what it holds
      found.set(sha256(bytes), entryOf(sha256(bytes), doc.annotations));
    }
  }
  return [...found.values()].sort((a, b) => ((a.endedAt ?? '') < (b.endedAt ?? '') ? -1 : (a.endedAt ?? '') > (b.endedAt ?? '') ? 1 : a.digest < b.digest ? -1 : 1));
}

// Artifacts that refer to a bundle: small OCI artifacts (one layer: a run record, an
// attestation, an ML-BOM) whose `subject` is the bundle's manifest. Where the registry has the
// referrers API it indexes them itself. Where it does not (Debian's docker-registry 2.8, many
// private registries), each is also tagged `sha256-<subject hex>.<suffix>`, one tag per
// artifact, so concurrent attaches never overwrite each other (a shared referrers index tag
// would, on a registry that ignores If-Match), and listing reads those tags. The OCI tag-schema
// index under `sha256-<subject hex>` is kept as well, merged and re-read until the artifact is
// in it, for tools that look only there. Everything read back is checked: a tag that lies
// about what it holds is skipped, a layer whose bytes are not its digest is refused.
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { EMPTY_CONFIG, EMPTY_CONFIG_BYTES, MANIFEST_MEDIA_TYPE, type Descriptor } from './artifact.js';
import { ensureBlob } from './blobs.js';
import { RegistryClient } from './client.js';
import { formatReference, type OciRef } from './reference.js';
import { SHA256_DIGEST, sha256Digest } from '../core/digest.js';
import { MAX_DOCUMENT_BYTES } from '../bundle/limits.js';
import { OCI_INDEX } from './media-types.js';
import { withRetries } from '../core/retry.js';

/** An index, a tag list or a referrer's manifest: small JSON documents, refused past this. */
const MAX_INDEX_BYTES = 4 * 1024 * 1024;

export interface ReferrerArtifact {
  artifactType: string;
  layerMediaType: string;
  bytes: Buffer;
  annotations: Record<string, string>;
  /** The per-artifact tag's suffix on registries without the referrers API: [A-Za-z0-9_.-]. */
  tagSuffix: string;
}

export interface Attached {
  digest: string;
  tag: string | null;
  referrersApi: boolean;
}

export interface Referrer {
  /** The referrer's manifest digest. */
  digest: string;
  artifactType: string;
  annotations: Record<string, string>;
}

const SUFFIX = /^[A-Za-z0-9_.-]{1,50}$/;
const subjectTag = (subject: string) => subject.replace(':', '-');

/** The tag a referrer gets on registries without the referrers API. */
export function referrerTag(subject: string, suffix: string): string {
  return `${subjectTag(subject)}.${suffix}`;
}

async function putBlob(client: RegistryClient, bytes: Buffer, log: Context['log']): Promise<string> {
  const digest = sha256Digest(bytes);
  await ensureBlob(client, { digest, size: bytes.length, bytes }, { log });
  return digest;
}

/** Attaches one artifact to the bundle manifest `subject` (a digest in ref's repository). */
export async function attachReferrer(ref: OciRef, subject: { digest: string; size: number }, a: ReferrerArtifact, ctx: Context): Promise<Attached> {
  if (!SUFFIX.test(a.tagSuffix)) throw new ReproError('E_INPUT', `${JSON.stringify(a.tagSuffix)} cannot be part of a tag`, { details: { suffix: a.tagSuffix } });
  const client = new RegistryClient(ref, ctx.env, 'pull,push');
  await putBlob(client, EMPTY_CONFIG_BYTES, ctx.log);
  const layerDigest = await putBlob(client, a.bytes, ctx.log);
  const manifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    artifactType: a.artifactType,
    config: { ...EMPTY_CONFIG },
    layers: [{ mediaType: a.layerMediaType, digest: layerDigest, size: a.bytes.length }],
    subject: { mediaType: MANIFEST_MEDIA_TYPE, digest: subject.digest, size: subject.size },
    annotations: a.annotations,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = sha256Digest(bytes);
  const put = await client.request('PUT', `/manifests/${digest}`, { ok: [201], headers: { 'Content-Type': MANIFEST_MEDIA_TYPE }, body: bytes });
  if (put.headers.get('oci-subject') === subject.digest) return { digest, tag: null, referrersApi: true };
  const tag = referrerTag(subject.digest, a.tagSuffix);
  await client.request('PUT', `/manifests/${tag}`, { ok: [201], headers: { 'Content-Type': MANIFEST_MEDIA_TYPE }, body: bytes });
  const descriptor: Descriptor & { artifactType: string } = { mediaType: MANIFEST_MEDIA_TYPE, digest, size: bytes.length, artifactType: a.artifactType, annotations: a.annotations };
  // Best effort: the artifact's own tag is the record; the shared index may lose a race or a 5xx.
  await mergeIntoIndex(client, subjectTag(subject.digest), descriptor).catch((err: Error) => ctx.log.warn(`referrers: the tag-schema index of ${subject.digest} was not updated (${err.message.split('\n')[0]}); the artifact's own tag ${tag} records it`));
  ctx.log.info(`referrers: ${a.artifactType} attached to ${formatReference(ref, subject.digest)} as ${digest}`);
  return { digest, tag, referrersApi: false };
}

async function readIndex(client: RegistryClient, tag: string): Promise<Array<Descriptor & { artifactType?: string }>> {
  // A registry writing the same tag for several clients at once may answer 5xx for a moment.
  const res = await withRetries(() => client.request('GET', `/manifests/${tag}`, { ok: [200, 404, 500, 503], headers: { Accept: OCI_INDEX } }), {
    attempts: 6,
    delayMs: (next) => 50 * (next - 1),
    retryOn: (o) => o.ok && o.value.status >= 500,
    onRetry: (o) => void (o.ok && o.value.body?.cancel().catch(() => {})),
  });
  if (res.status >= 500) throw new ReproError('E_ENV', `the registry ${client.ref.registry} keeps answering ${res.status} for ${tag}`, { details: { tag, status: res.status } });
  if (res.status === 404) return [];
  const doc = (await client.json(res, MAX_INDEX_BYTES, `the index ${tag}`)) as { manifests?: unknown };
  return Array.isArray(doc.manifests) ? (doc.manifests as Array<Descriptor & { artifactType?: string }>) : [];
}

/** Read, merge, write, read again: until the descriptor is in the index (a few tries, best effort). */
async function mergeIntoIndex(client: RegistryClient, tag: string, entry: Descriptor & { artifactType: string }): Promise<void> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const current = await readIndex(client, tag);
    if (current.some((d) => d.digest === entry.digest) && attempt > 0) return;
    const merged = [...current.filter((d) => d.digest !== entry.digest), entry].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: merged }));
    await client.request('PUT', `/manifests/${tag}`, { ok: [201], headers: { 'Content-Type': OCI_INDEX }, body });
    await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 80)));
  }
}

const stringMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
};

/** Every referrer of `subject` whose artifactType is one of `types`, from the API or the tags. */
export async function listReferrers(ref: OciRef, subject: string, types: readonly string[], ctx: Context): Promise<Referrer[]> {
  const client = new RegistryClient(ref, ctx.env, 'pull');
  const found = new Map<string, Referrer>();
  const wanted = new Set(types);
  const keep = (digest: string, artifactType: unknown, annotations: unknown) => {
    if (typeof artifactType === 'string' && wanted.has(artifactType) && SHA256_DIGEST.test(digest)) found.set(digest, { digest, artifactType, annotations: stringMap(annotations) });
  };
  const api = await client.request('GET', `/referrers/${subject}`, { ok: [200, 404], headers: { Accept: OCI_INDEX } });
  if (api.status === 200 && (api.headers.get('content-type') ?? '').includes('index')) {
    const doc = (await client.json(api, MAX_INDEX_BYTES, 'the referrers index')) as { manifests?: Array<Descriptor & { artifactType?: string }> };
    for (const d of Array.isArray(doc.manifests) ? doc.manifests : []) keep(String(d?.digest), d?.artifactType, d?.annotations);
    return [...found.values()];
  }
  await api.body?.cancel().catch(() => {});
  const index = await readIndex(client, subjectTag(subject)).catch(() => []); // the tags below are the record
  for (const d of index) keep(String(d?.digest), d?.artifactType, d?.annotations);
  const prefix = `${subjectTag(subject)}.`;
  const tags = await client.request('GET', '/tags/list', { ok: [200, 404] });
  const list = tags.status === 200 ? (((await client.json(tags, MAX_INDEX_BYTES, 'the tag list')) as { tags?: unknown }).tags ?? []) : [];
  if (tags.status !== 200) await tags.body?.cancel().catch(() => {});
  for (const tag of (Array.isArray(list) ? list : []).filter((t): t is string => typeof t === 'string' && t.startsWith(prefix))) {
    const res = await client.request('GET', `/manifests/${tag}`, { ok: [200, 404], headers: { Accept: MANIFEST_MEDIA_TYPE } });
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => {});
      continue;
    }
    const bytes = await client.body(res, MAX_INDEX_BYTES, `the manifest ${tag}`);
    let doc: { artifactType?: string; subject?: { digest?: string }; annotations?: unknown };
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch {
      continue;
    }
    if (doc?.subject?.digest !== subject) continue; // a tag that lies about what it refers to
    keep(sha256Digest(bytes), doc.artifactType, doc.annotations);
  }
  return [...found.values()];
}

/** The one layer of a referrer artifact, its bytes checked against its digest. */
export async function readReferrerLayer(ref: OciRef, digest: string, ctx: Context): Promise<{ mediaType: string; bytes: Buffer }> {
  const client = new RegistryClient(ref, ctx.env, 'pull');
  const res = await client.request('GET', `/manifests/${digest}`, { ok: [200], headers: { Accept: MANIFEST_MEDIA_TYPE } });
  const manifestBytes = await client.body(res, MAX_INDEX_BYTES, `the manifest ${digest}`);
  if (sha256Digest(manifestBytes) !== digest) throw new ReproError('E_INTEGRITY', `the registry's manifest for ${digest} is not those bytes`, { details: { expected: digest, actual: sha256Digest(manifestBytes) } });
  const doc = JSON.parse(manifestBytes.toString('utf8')) as { layers?: Descriptor[] };
  const layer = Array.isArray(doc.layers) && doc.layers.length === 1 ? doc.layers[0]! : null;
  if (!layer || typeof layer.digest !== 'string' || !SHA256_DIGEST.test(layer.digest) || !Number.isSafeInteger(layer.size) || layer.size > MAX_DOCUMENT_BYTES) {
    throw new ReproError('E_INTEGRITY', `${digest} is not a one-layer artifact of at most ${MAX_DOCUMENT_BYTES} bytes`, { details: { digest } });
  }
  const blob = await client.request('GET', `/blobs/${layer.digest}`, { ok: [200] });
  const bytes = await client.body(blob, layer.size, `the layer ${layer.digest}`);
  if (bytes.length > MAX_DOCUMENT_BYTES || sha256Digest(bytes) !== layer.digest) throw new ReproError('E_INTEGRITY', `the layer of ${digest} is not its digest ${layer.digest}`, { details: { expected: layer.digest, actual: sha256Digest(bytes) } });
  return { mediaType: String(layer.mediaType), bytes };
}

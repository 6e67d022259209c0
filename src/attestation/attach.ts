// Attestations beside a bundle in a registry: each written document pushed as a referrer of the
// bundle's manifest (--attach), and the attached ones read back and each checked against the
// bundle, pulled by digest, as `repro verify --attestation` checks a file (`repro runs`).
import { promises as fs } from 'node:fs';
import type { Context } from '../core/context.js';
import { sha256Digest, hexOf } from '../core/digest.js';
import { ERROR_CODES, isReproError } from '../core/errors.js';
import { attachReferrer, listReferrers, readReferrerLayer } from '../registry/referrers.js';
import { pullBundle } from '../registry/pull.js';
import { formatReference, requireReference } from '../registry/reference.js';
import { readBundleFacts } from './bundle-facts.js';
import { checkAttestation } from './check.js';
import { ATTESTATION_FORM, ATTESTATION_KIND } from '../core/annotations.js';
import { MEDIA_TYPES, type WrittenDocument } from './documents.js';
import { loadTrust, type Trust } from './trust.js';

export interface AttachedDocument {
  file: string;
  digest: string;
  tag: string | null;
}

/** Each written document as a referrer of the bundle manifest (its digest and size) that `reference` names. */
export async function attachDocuments(reference: string, manifest: { digest: string; size: number }, docs: readonly WrittenDocument[], annotations: Record<string, string>, ctx: Context): Promise<AttachedDocument[]> {
  const ref = requireReference(reference);
  const out: AttachedDocument[] = [];
  for (const d of docs) {
    const bytes = await fs.readFile(d.file);
    const hex = hexOf(sha256Digest(bytes));
    const a = await attachReferrer(ref, manifest, { artifactType: d.mediaType, layerMediaType: d.mediaType, bytes, annotations: { ...annotations, [ATTESTATION_KIND]: d.kind, [ATTESTATION_FORM]: d.form }, tagSuffix: `att-${d.kind}-${d.form}-${hex.slice(0, 12)}` }, ctx);
    out.push({ file: d.file, digest: a.digest, tag: a.tag });
  }
  return out;
}

export interface AttachedAttestation {
  digest: string;
  kind: string | null;
  form: string | null;
  predicateType: string | null;
  /** verified: signature (when signed and a key or trusted root was given), subject and facts hold. */
  status: 'verified' | 'unsigned' | 'unchecked' | 'refused';
  detail: string;
}

/** Every attestation attached to the bundle `reference`@`digest`, checked; a refused one is listed, never thrown. */
export async function checkAttachedAttestations(reference: string, digest: string, trust: Trust, ctx: Context): Promise<AttachedAttestation[]> {
  const ref = requireReference(reference);
  const found = await listReferrers(ref, digest, Object.values(MEDIA_TYPES), ctx);
  if (found.length === 0) return [];
  // The bundle the attestations are about, pulled by digest (verified on the way in).
  const bundle = await pullBundle({ reference: formatReference(ref, digest) }, ctx);
  const facts = await readBundleFacts(bundle.bundle);
  const loaded = await loadTrust(trust, ctx);
  const out: AttachedAttestation[] = [];
  for (const r of found.sort((a, b) => (a.digest < b.digest ? -1 : 1))) {
    const kind = r.annotations[ATTESTATION_KIND] ?? null;
    const form = r.annotations[ATTESTATION_FORM] ?? null;
    const base = { digest: r.digest, kind, form };
    try {
      const { bytes } = await readReferrerLayer(ref, r.digest, ctx);
      if (form === 'dsse' && !loaded.publicKey) {
        out.push({ ...base, predicateType: null, status: 'unchecked', detail: 'signed with a key: pass --key PUB.pem to check it' });
        continue;
      }
      const report = await checkAttestation(bytes, facts, { ...loaded, publicKey: form === 'dsse' ? loaded.publicKey : undefined });
      const signer = report.signature.kind === 'key' ? `key ${report.signature.keyid.slice(0, 16)}…` : report.signature.kind === 'sigstore' ? `${report.signature.identity ?? '?'} via Sigstore` : null;
      out.push({ ...base, predicateType: report.predicateType, status: signer ? 'verified' : 'unsigned', detail: `${signer ? `signed by ${signer}; ` : ''}${report.checked}` });
    } catch (err) {
      if (!isReproError(err) || err.exitCode === ERROR_CODES.E_INTERNAL) throw err;
      out.push({ ...base, predicateType: null, status: err.code === 'E_ENV' || err.code === 'E_USAGE' ? 'unchecked' : 'refused', detail: err.message });
    }
  }
  return out;
}

// The files an attestation becomes: the unsigned document (always: it is what the byte-identity
// promise is about), a DSSE envelope when a key signs, a Sigstore bundle when Sigstore signs
// keylessly. Plan first (every document made and signed in memory), then write each file
// atomically, so a failure signing the second leaves no half set behind.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fsError } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { envelopeBytes, signEnvelope } from './dsse.js';
import type { SigningKey } from './keys.js';
import { signKeyless, type KeylessOptions } from './sigstore.js';
import { IN_TOTO_PAYLOAD_TYPE } from './statement.js';
import { sha256Digest } from '../core/digest.js';

export interface Signing {
  key?: SigningKey;
  keyless?: KeylessOptions;
}

export type DocumentKind = 'provenance' | 'sbom' | 'reproduced-build' | 'reproduced-run';
export type DocumentForm = 'statement' | 'cyclonedx' | 'dsse' | 'sigstore';

export interface PlannedDocument {
  kind: DocumentKind;
  form: DocumentForm;
  /** The file name (no directory). */
  name: string;
  bytes: Buffer;
  /** The media type a registry stores it under. */
  mediaType: string;
}

export interface WrittenDocument {
  kind: DocumentKind;
  form: DocumentForm;
  file: string;
  sha256: string;
  size: number;
  mediaType: string;
}

export const MEDIA_TYPES: Record<DocumentForm, string> = {
  statement: IN_TOTO_PAYLOAD_TYPE,
  cyclonedx: 'application/vnd.cyclonedx+json',
  dsse: 'application/vnd.dsse.envelope.v1+json',
  sigstore: 'application/vnd.dev.sigstore.bundle.v0.3+json',
};

/**
 * The signed forms of one statement: `<base>.dsse.json` with a key, `<base>.sigstore.json`
 * keyless. `statementBytes` is what gets signed (an in-toto statement).
 */
export async function signedForms(kind: DocumentKind, base: string, statementBytes: Buffer, signing: Signing): Promise<PlannedDocument[]> {
  const out: PlannedDocument[] = [];
  if (signing.key) out.push({ kind, form: 'dsse', name: `${base}.dsse.json`, bytes: envelopeBytes(signEnvelope(IN_TOTO_PAYLOAD_TYPE, statementBytes, signing.key)), mediaType: MEDIA_TYPES.dsse });
  if (signing.keyless) out.push({ kind, form: 'sigstore', name: `${base}.sigstore.json`, bytes: await signKeyless(IN_TOTO_PAYLOAD_TYPE, statementBytes, signing.keyless), mediaType: MEDIA_TYPES.sigstore });
  return out;
}

export async function writeDocuments(dir: string, docs: readonly PlannedDocument[]): Promise<WrittenDocument[]> {
  const written: WrittenDocument[] = [];
  await fs.mkdir(dir, { recursive: true }).catch((err) => {
    throw fsError(err, dir, 'cannot create the directory for the attestations');
  });
  for (const d of docs) {
    const file = path.join(dir, d.name);
    await writeFileAtomic(file, d.bytes);
    written.push({ kind: d.kind, form: d.form, file, sha256: sha256Digest(d.bytes), size: d.bytes.length, mediaType: d.mediaType });
  }
  return written;
}

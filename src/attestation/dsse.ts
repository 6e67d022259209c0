// DSSE (Dead Simple Signing Envelope, v1): the signature covers the pre-authentication encoding
// PAE(type, body) = "DSSEv1 <len(type)> <type> <len(body)> <body>", never the JSON around it, so
// the envelope's formatting cannot change what was signed. ECDSA P-256 signs SHA-256 with a DER
// signature and Ed25519 signs the bytes themselves: what `openssl` verifies with the public key.
import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type { KeyKind, SigningKey } from './keys.js';

export interface DsseSignature {
  keyid: string;
  sig: string;
}

export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

export function pae(type: string, body: Buffer): Buffer {
  const t = Buffer.from(type, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${body.length} `), body]);
}

const digestFor = (kind: KeyKind) => (kind === 'ed25519' ? null : 'sha256');

export function signEnvelope(payloadType: string, payload: Buffer, key: SigningKey): DsseEnvelope {
  const sig = sign(digestFor(key.kind), pae(payloadType, payload), key.privateKey);
  return { payload: payload.toString('base64'), payloadType, signatures: [{ keyid: key.keyid, sig: sig.toString('base64') }] };
}

export function envelopeBytes(e: DsseEnvelope): Buffer {
  return Buffer.from(canonicalJson(e));
}

/** The first signature that verifies with `publicKey`, or null. */
export function verifyEnvelope(e: DsseEnvelope, key: { kind: KeyKind; keyid: string; publicKey: KeyObject }): DsseSignature | null {
  const message = pae(e.payloadType, Buffer.from(e.payload, 'base64'));
  for (const s of e.signatures) {
    try {
      if (verify(digestFor(key.kind), message, key.publicKey, Buffer.from(s.sig, 'base64'))) return s;
    } catch {
      // a malformed signature is one that does not verify
    }
  }
  return null;
}

/** Whether a parsed document has the shape of a DSSE envelope (checked field by field: hostile input). */
export function isEnvelope(doc: unknown): doc is DsseEnvelope {
  const e = doc as Partial<DsseEnvelope> | null;
  return (
    !!e &&
    typeof e === 'object' &&
    typeof e.payload === 'string' &&
    typeof e.payloadType === 'string' &&
    Array.isArray(e.signatures) &&
    e.signatures.every((s) => !!s && typeof s === 'object' && typeof (s as DsseSignature).sig === 'string' && (typeof (s as DsseSignature).keyid === 'string' || (s as DsseSignature).keyid === undefined))
  );
}

// Signing keys for DSSE: an ECDSA P-256 or Ed25519 private key in PEM, from a file or from an
// environment variable (`env:NAME`, for CI secrets), and the public key a verifier is given. A
// key's id is the sha256 of its public key (SubjectPublicKeyInfo, DER), so a verifier can tell
// which key signed without anything else to trust. The key itself is never written anywhere.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ReproError, fsError } from '../core/errors.js';

export type KeyKind = 'ecdsa-p256' | 'ed25519';

export interface SigningKey {
  kind: KeyKind;
  keyid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function kindOf(key: KeyObject, source: string): KeyKind {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  const what = key.asymmetricKeyType === 'ec' ? `an EC key on ${key.asymmetricKeyDetails?.namedCurve ?? 'an unknown curve'}` : `a ${key.asymmetricKeyType ?? 'symmetric'} key`;
  throw new ReproError('E_INPUT', `${source} is ${what}; repro signs with ECDSA P-256 or Ed25519`, {
    hint: 'Make one with `openssl genpkey -algorithm ed25519 -out key.pem` or `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem`.',
    details: { source, type: key.asymmetricKeyType ?? null },
  });
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** Where a --key value points: `env:NAME` (the PEM in that variable) or a file. */
async function pemFrom(spec: string, cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<{ pem: string; source: string }> {
  const fromEnv = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(spec);
  if (fromEnv) {
    const value = env[fromEnv[1]!];
    if (!value) throw new ReproError('E_USAGE', `--key ${spec}: the variable ${fromEnv[1]} is not set`, { hint: 'Set it to the PEM text of the key (a CI secret), or pass a file.', details: { variable: fromEnv[1] } });
    return { pem: value, source: `the variable ${fromEnv[1]}` };
  }
  const file = path.resolve(cwd, spec);
  const pem = await fs.readFile(file, 'utf8').catch((err) => {
    throw fsError(err, file, 'cannot read the key');
  });
  return { pem, source: file };
}

/** A KeyObject from PEM text; the error never quotes the text (it may be a key). */
function fromPem(make: typeof createPrivateKey | typeof createPublicKey, pem: string, source: string, what: string, hint: string): KeyObject {
  try {
    return make({ key: pem, format: 'pem' });
  } catch (err) {
    throw new ReproError('E_INPUT', `${source} is not a PEM ${what} (${(err as Error).message.split('\n')[0]})`, { hint, details: { source } });
  }
}

export async function loadSigningKey(spec: string, cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<SigningKey> {
  const { pem, source } = await pemFrom(spec, cwd, env);
  const privateKey = fromPem(createPrivateKey, pem, source, 'private key', 'Pass the private key in PEM (BEGIN PRIVATE KEY or BEGIN EC PRIVATE KEY); an encrypted key is not read.');
  const kind = kindOf(privateKey, source);
  const publicKey = createPublicKey(privateKey);
  return { kind, keyid: keyIdOf(publicKey), privateKey, publicKey };
}

/** A public key to verify with: a public key PEM (a private key PEM gives its public half). */
export async function loadPublicKey(spec: string, cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<{ kind: KeyKind; keyid: string; publicKey: KeyObject }> {
  const { pem, source } = await pemFrom(spec, cwd, env);
  const publicKey = fromPem(createPublicKey, pem, source, 'public key', 'Pass the public key (`openssl pkey -in key.pem -pubout -out key.pub.pem`).');
  return { kind: kindOf(publicKey, source), keyid: keyIdOf(publicKey), publicKey };
}

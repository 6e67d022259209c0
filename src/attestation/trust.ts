// What an attestation is checked against besides the bundle: a public key for DSSE envelopes, a
// Sigstore trusted root, and the certificate identity and issuer a keyless one must carry.
import type { Context } from '../core/context.js';
import type { CheckOptions } from './check.js';

export interface Trust {
  /** A public key: a PEM file, or env:NAME. */
  key?: string;
  trustedRoot?: string;
  identity?: string;
  issuer?: string;
}

/** The trust as checkAttestation takes it, the key read once. */
export async function loadTrust(trust: Trust, ctx: Context): Promise<CheckOptions> {
  const publicKey = trust.key ? await (await import('./keys.js')).loadPublicKey(trust.key, ctx.cwd, ctx.env) : undefined;
  return { publicKey, trustedRoot: trust.trustedRoot, identity: trust.identity, issuer: trust.issuer, cwd: ctx.cwd };
}

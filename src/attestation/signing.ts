// How documents are signed, decided once before anything is built or run: a key (read now, so a
// bad key fails in a second, not after the build) or Sigstore keyless with its instances and the
// OIDC token (SIGSTORE_ID_TOKEN when none is given).
import type { Context } from '../core/context.js';
import { DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL } from './defaults.js';
import type { Signing } from './documents.js';

export interface SigningRequest {
  /** A private key: a PEM file, or env:NAME. */
  key?: string;
  keyless?: { fulcioUrl?: string; rekorUrl?: string; identityToken?: string } | null;
}

export async function makeSigning(request: SigningRequest, ctx: Context): Promise<Signing> {
  const signing: Signing = {};
  if (request.key) {
    const { loadSigningKey } = await import('./keys.js');
    signing.key = await loadSigningKey(request.key, ctx.cwd, ctx.env);
  }
  if (request.keyless) {
    const token = request.keyless.identityToken ?? ctx.env.SIGSTORE_ID_TOKEN;
    signing.keyless = { fulcioUrl: request.keyless.fulcioUrl ?? DEFAULT_FULCIO_URL, rekorUrl: request.keyless.rekorUrl ?? DEFAULT_REKOR_URL, ...(token ? { identityToken: token } : {}) };
  }
  return signing;
}

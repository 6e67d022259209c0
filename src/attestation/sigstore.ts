// Keyless signing through Sigstore: an OIDC identity token buys a short-lived certificate from
// Fulcio, the DSSE envelope is signed with a fresh key and witnessed in Rekor, and the result
// is a Sigstore bundle (v0.3 JSON), which cosign, sigstore-js and sigstore-python all verify.
// Verification takes a trusted root: the public-good instance's through TUF when online, or a
// file (--trusted-root) offline or for a private instance. The libraries are loaded only here.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ReproError, fsError } from '../core/errors.js';
import { canonicalJson } from '../core/canonical-json.js';

export interface KeylessOptions {
  fulcioUrl: string;
  rekorUrl: string;
  /** The OIDC token; absent: the CI's own (GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_*). */
  identityToken?: string;
}

/** Signs `payload` as a DSSE envelope through Fulcio and Rekor; the Sigstore bundle's bytes. */
export async function signKeyless(payloadType: string, payload: Buffer, options: KeylessOptions): Promise<Buffer> {
  const { DSSEBundleBuilder, FulcioSigner, RekorWitness, CIContextProvider } = await import('@sigstore/sign');
  const { bundleToJSON } = await import('@sigstore/bundle');
  const identityProvider = options.identityToken ? { getToken: async () => options.identityToken! } : new CIContextProvider('sigstore');
  const signer = new FulcioSigner({ fulcioBaseURL: options.fulcioUrl, identityProvider, retry: 2, timeout: 30_000 });
  const witness = new RekorWitness({ rekorBaseURL: options.rekorUrl, entryType: 'intoto', retry: 2, timeout: 30_000 });
  const builder = new DSSEBundleBuilder({ signer, witnesses: [witness] });
  try {
    const bundle = await builder.create({ data: payload, type: payloadType });
    return Buffer.from(canonicalJson(bundleToJSON(bundle)));
  } catch (err) {
    const e = err as Error & { code?: string; cause?: Error };
    // The libraries quote the token in some messages: it is a credential, cut it out.
    const said = `${e.message}${e.cause ? ` (${e.cause.message})` : ''}`;
    const message = options.identityToken ? said.split(options.identityToken).join('[redacted token]') : said;
    throw new ReproError('E_ENV', `keyless signing failed: ${message}`, {
      hint: 'Keyless signing needs an OIDC identity token (--identity-token, SIGSTORE_ID_TOKEN, or a CI that issues one, such as GitHub Actions with `id-token: write`) and Fulcio and Rekor reachable. Offline, sign with --key.',
      details: { fulcio: options.fulcioUrl, rekor: options.rekorUrl, code: e.code ?? null },
    });
  }
}

export interface SigstoreVerified {
  /** The certificate's identity: its subject alternative name and OIDC issuer. */
  identity: string | null;
  issuer: string | null;
  payloadType: string;
  payload: Buffer;
}

/** Whether a parsed document is a Sigstore bundle (any version): its mediaType says so. */
export function isSigstoreBundle(doc: unknown): boolean {
  const m = (doc as { mediaType?: unknown } | null)?.mediaType;
  return typeof m === 'string' && m.startsWith('application/vnd.dev.sigstore.bundle');
}

async function trustedRoot(file: string | undefined, cwd: string): Promise<unknown> {
  if (file) {
    const at = path.resolve(cwd, file);
    const text = await fs.readFile(at, 'utf8').catch((err) => {
      throw fsError(err, at, 'cannot read the trusted root');
    });
    try {
      return JSON.parse(text);
    } catch {
      throw new ReproError('E_INPUT', `${at} is not JSON`, { hint: 'Pass a Sigstore trusted_root.json.', details: { path: at } });
    }
  }
  const { getTrustedRoot } = await import('@sigstore/tuf');
  try {
    return (await import('@sigstore/protobuf-specs')).TrustedRoot.toJSON(await getTrustedRoot());
  } catch (err) {
    throw new ReproError('E_ENV', `the Sigstore trusted root could not be fetched through TUF: ${(err as Error).message}`, { hint: 'Offline, pass the trusted root with --trusted-root FILE (`cosign trusted-root create`, or the instance\'s trusted_root.json).', details: {} });
  }
}

/** Verifies a Sigstore bundle's signature, certificate chain and transparency-log entry. */
export async function verifySigstoreBundle(doc: unknown, options: { trustedRoot?: string; identity?: string; issuer?: string; cwd: string }): Promise<SigstoreVerified> {
  const [{ bundleFromJSON, isBundleWithDsseEnvelope }, { Verifier, toSignedEntity, toTrustMaterial }, { TrustedRoot }] = await Promise.all([import('@sigstore/bundle'), import('@sigstore/verify'), import('@sigstore/protobuf-specs')]);
  let bundle;
  try {
    bundle = bundleFromJSON(doc);
  } catch (err) {
    throw new ReproError('E_INTEGRITY', `not a valid Sigstore bundle: ${(err as Error).message}`, { details: {} });
  }
  if (!isBundleWithDsseEnvelope(bundle)) throw new ReproError('E_INTEGRITY', 'the Sigstore bundle holds a message signature, not a DSSE envelope: it is not an attestation', { details: {} });
  const trust = toTrustMaterial(TrustedRoot.fromJSON(await trustedRoot(options.trustedRoot, options.cwd)));
  const verifier = new Verifier(trust, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 });
  let signer;
  try {
    signer = verifier.verify(toSignedEntity(bundle), {
      ...(options.identity ? { subjectAlternativeName: options.identity } : {}),
      ...(options.issuer ? { extensions: { issuer: options.issuer } } : {}),
    });
  } catch (err) {
    const e = err as Error & { code?: string };
    throw new ReproError('E_INTEGRITY', `the Sigstore signature does not verify: ${e.message}`, { hint: 'The envelope, its certificate or its log entry was changed, or it was signed under another trusted root.', details: { code: e.code ?? null } });
  }
  const envelope = bundle.content.dsseEnvelope;
  return {
    identity: signer.identity?.subjectAlternativeName ?? null,
    issuer: signer.identity?.extensions?.issuer ?? null,
    payloadType: envelope.payloadType,
    payload: Buffer.from(envelope.payload),
  };
}

// The signing and trust flags attest, build --attest, exec --attest, verify --attestation and runs
// share, declared once and turned into the attestation use case's requests (attestation/signing.ts,
// attestation/trust.ts); --attach's upload goes through attestation/attach.ts.
import type { Command } from 'commander';
import { DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL } from '../attestation/defaults.js';
import type { Signing, WrittenDocument } from '../attestation/documents.js';
import type { AttachedDocument } from '../attestation/attach.js';
import type { Trust } from '../attestation/trust.js';
import { ReproError } from '../core/errors.js';
import type { ResolvedBundle } from './bundle-arg.js';
import type { CliIo } from './io.js';
import { refuseWithout } from './parse.js';

export interface SigningFlags {
  key?: string;
  keyless?: boolean;
  fulcioUrl?: string;
  rekorUrl?: string;
  identityToken?: string;
}

export function signingOptions(cmd: Command): Command {
  return cmd
    .option('--key <key>', 'sign each document as a DSSE envelope with this ECDSA P-256 or Ed25519 private key: a PEM file, or env:NAME for a PEM in that variable')
    .option('--keyless', 'sign through Sigstore (Fulcio certificate, Rekor log entry) with an OIDC identity: --identity-token, SIGSTORE_ID_TOKEN, or the CI\'s own (GitHub Actions with id-token: write)')
    .option('--fulcio-url <url>', `keyless: the Fulcio instance (default ${DEFAULT_FULCIO_URL})`)
    .option('--rekor-url <url>', `keyless: the Rekor instance (default ${DEFAULT_REKOR_URL})`)
    .option('--identity-token <jwt>', 'keyless: the OIDC token (prefer SIGSTORE_ID_TOKEN: a flag shows in the process list)');
}

export async function signingFrom(flags: SigningFlags, io: CliIo): Promise<Signing> {
  if (!flags.keyless) refuseWithout(flags, ['fulcioUrl', 'rekorUrl', 'identityToken'], '--keyless');
  const { makeSigning } = await import('../attestation/signing.js');
  return makeSigning({ key: flags.key, keyless: flags.keyless ? { fulcioUrl: flags.fulcioUrl, rekorUrl: flags.rekorUrl, identityToken: flags.identityToken } : null }, io.ctx);
}

/** What an attestation is checked against: verify --attestation and runs. */
export function trustOptions(cmd: Command): Command {
  return cmd
    .option('--key <pub>', 'the public key a DSSE-signed attestation must verify with: a PEM file, or env:NAME')
    .option('--trusted-root <file>', 'Sigstore trusted_root.json for keyless attestations (default: the public-good instance\'s, fetched through TUF)')
    .option('--certificate-identity <san>', 'keyless: require this signer identity (the certificate\'s email or URI)')
    .option('--certificate-oidc-issuer <url>', 'keyless: require this OIDC issuer');
}

export interface TrustFlags {
  key?: string;
  trustedRoot?: string;
  certificateIdentity?: string;
  certificateOidcIssuer?: string;
}

export function trustFrom(flags: TrustFlags): Trust {
  return { key: flags.key, trustedRoot: flags.trustedRoot, identity: flags.certificateIdentity, issuer: flags.certificateOidcIssuer };
}

/** --attach: the documents as referrers of the bundle manifest the reference names. */
export async function attachDocuments(resolved: ResolvedBundle, docs: readonly WrittenDocument[], annotations: Record<string, string>, io: CliIo): Promise<AttachedDocument[]> {
  if (!resolved.manifest || !resolved.reference) throw new ReproError('E_USAGE', '--attach needs a registry reference (REGISTRY/REPO:TAG or …@sha256:…), not a file', { hint: 'repro push the bundle first, then pass the reference.', details: {} });
  const attach = await import('../attestation/attach.js');
  return attach.attachDocuments(resolved.reference, resolved.manifest, docs, annotations, io.ctx);
}

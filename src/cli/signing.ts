// The signing flags attest, build --attest and exec --attest share (--key, --keyless and
// Sigstore's URLs), turned into a Signing once; and --attach's upload of the documents made,
// each as a referrer of the bundle's manifest.
import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { ReproError } from '../core/errors.js';
import type { Signing, WrittenDocument } from '../attestation/documents.js';
import type { ResolvedBundle } from './bundle-arg.js';
import type { CliIo } from './io.js';
import { refuseWithout } from './parse.js';

// @sigstore/sign's DEFAULT_FULCIO_URL and DEFAULT_REKOR_URL, written here so that --help and
// every command start without loading the Sigstore libraries.
export const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';

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
  const signing: Signing = {};
  if (flags.key) {
    const { loadSigningKey } = await import('../attestation/keys.js');
    signing.key = await loadSigningKey(flags.key, io.ctx.cwd, io.ctx.env);
  }
  if (!flags.keyless) refuseWithout(flags, ['fulcioUrl', 'rekorUrl', 'identityToken'], '--keyless');
  if (flags.keyless) {
    const token = flags.identityToken ?? io.ctx.env.SIGSTORE_ID_TOKEN;
    signing.keyless = { fulcioUrl: flags.fulcioUrl ?? DEFAULT_FULCIO_URL, rekorUrl: flags.rekorUrl ?? DEFAULT_REKOR_URL, ...(token ? { identityToken: token } : {}) };
  }
  return signing;
}

export interface AttachedDocument {
  file: string;
  digest: string;
  tag: string | null;
}

/** --attach: each written document as a referrer of the bundle manifest the reference names. */
export async function attachDocuments(resolved: ResolvedBundle, docs: readonly WrittenDocument[], annotations: Record<string, string>, io: CliIo): Promise<AttachedDocument[]> {
  if (!resolved.manifest || !resolved.reference) throw new ReproError('E_USAGE', '--attach needs a registry reference (REGISTRY/REPO:TAG or …@sha256:…), not a file', { hint: 'repro push the bundle first, then pass the reference.', details: {} });
  const [{ attachReferrer }, { parseReference }, { createHash }] = await Promise.all([import('../registry/referrers.js'), import('../registry/reference.js'), import('node:crypto')]);
  const ref = parseReference(resolved.reference)!;
  const out: AttachedDocument[] = [];
  for (const d of docs) {
    const bytes = await fs.readFile(d.file);
    const hex = createHash('sha256').update(bytes).digest('hex');
    const a = await attachReferrer(ref, resolved.manifest, { artifactType: d.mediaType, layerMediaType: d.mediaType, bytes, annotations: { ...annotations, 'io.repro.attestation.kind': d.kind, 'io.repro.attestation.form': d.form }, tagSuffix: `att-${d.kind}-${d.form}-${hex.slice(0, 12)}` }, io.ctx);
    out.push({ file: d.file, digest: a.digest, tag: a.tag });
  }
  return out;
}

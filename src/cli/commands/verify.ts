// `repro verify BUNDLE`: check a bundle, streaming and without extracting it; with
// --attestation, also check each attestation's signature, subject and facts against it.
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { resolveBundleArg } from '../bundle-arg.js';
import { verifyBundle } from '../../bundle/verify.js';
import { ReproError, fsError } from '../../core/errors.js';
import type { AttestationReport } from '../../attestation/check.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { parseLimits, refuseWithout, type LimitFlags } from '../parse.js';
import { renderVerify, type VerifyResult } from '../render/verify.js';
import { MAX_DOCUMENT_BYTES } from '../../bundle/limits.js';

export interface VerifyFlags extends LimitFlags {
  digest?: string;
  attestation?: string[];
  key?: string;
  trustedRoot?: string;
  certificateIdentity?: string;
  certificateOidcIssuer?: string;
}

export async function verifyCommand(bundle: string, flags: VerifyFlags, io: CliIo): Promise<CommandOutcome<VerifyResult & { attestations?: Array<AttestationReport & { file: string }> }>> {
  const { file } = await resolveBundleArg(bundle, io.ctx);
  const attestations = flags.attestation ?? [];
  if (attestations.length === 0) refuseWithout(flags, ['key', 'trustedRoot', 'certificateIdentity', 'certificateOidcIssuer'], '--attestation', { hint: 'Add --attestation FILE.' });
  if (attestations.length === 0) {
    const { manifest, ...report } = await verifyBundle(file, { digest: flags.digest, progress: io.ctx.progress, limits: parseLimits(flags) });
    const result: VerifyResult = { ...report, sourceDateEpoch: manifest.head.sourceDateEpoch, compression: manifest.head.compression };
    return { result, text: renderVerify(result, bundle) };
  }
  const [{ readBundleFacts }, { checkAttestation }, { loadPublicKey }] = await Promise.all([import('../../attestation/bundle-facts.js'), import('../../attestation/check.js'), import('../../attestation/keys.js')]);
  const publicKey = flags.key ? await loadPublicKey(flags.key, io.ctx.cwd, io.ctx.env) : undefined;
  const facts = await readBundleFacts(file, { digest: flags.digest, progress: io.ctx.progress, limits: parseLimits(flags) });
  const reports: Array<AttestationReport & { file: string }> = [];
  for (const a of attestations) {
    const at = path.resolve(io.ctx.cwd, a);
    const stat = await fs.stat(at).catch((err) => {
      throw fsError(err, at, 'cannot read the attestation');
    });
    if (stat.size > MAX_DOCUMENT_BYTES) throw new ReproError('E_LIMIT', `${at} is ${stat.size} bytes, more than an attestation may be (${MAX_DOCUMENT_BYTES})`, { details: { path: at, size: stat.size } });
    const bytes = await fs.readFile(at);
    try {
      const report = await checkAttestation(bytes, facts, { publicKey, trustedRoot: flags.trustedRoot, identity: flags.certificateIdentity, issuer: flags.certificateOidcIssuer, cwd: io.ctx.cwd });
      reports.push({ ...report, file: at });
    } catch (err) {
      if (err instanceof ReproError) throw new ReproError(err.code, `${path.basename(at)}: ${err.message}`, { hint: err.hint, details: { attestation: at, ...err.details } });
      throw err;
    }
  }
  const { report } = facts;
  const result = { ...report, sourceDateEpoch: facts.head.sourceDateEpoch, compression: facts.head.compression, attestations: reports };
  const signed = (r: AttestationReport) => (r.signature.kind === 'key' ? `signed by key ${r.signature.keyid.slice(0, 16)}…` : r.signature.kind === 'sigstore' ? `signed by ${r.signature.identity ?? '?'} (${r.signature.issuer ?? '?'}) via Sigstore${flags.certificateIdentity ? '' : ' [identity not pinned: anyone can get a Sigstore certificate; pass --certificate-identity]'}` : 'unsigned');
  const lines = reports.map((r) => `  ${path.basename(r.file)}\n    ${r.predicateType}, ${signed(r)}\n    subject ${r.subject}\n    ${r.checked}`);
  return { result, text: `${renderVerify(result, bundle)}attestations: ${reports.length}, all verified\n${lines.join('\n')}\n` };
}

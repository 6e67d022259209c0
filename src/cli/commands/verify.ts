// `repro verify BUNDLE`: check a bundle, streaming and without extracting it; with
// --attestation, also check each attestation's signature, subject and facts against it.
import path from 'node:path';
import { resolveBundleArg } from '../bundle-arg.js';
import { verifyBundle } from '../../bundle/verify.js';
import type { AttestationReport } from '../../attestation/check.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { parseLimits, refuseWithout, type LimitFlags } from '../parse.js';
import { renderVerify, type VerifyResult } from '../render/verify.js';
import { trustFrom } from '../signing.js';

export interface VerifyFlags extends LimitFlags {
  digest?: string;
  attestation?: string[];
  key?: string;
  trustedRoot?: string;
  certificateIdentity?: string;
  certificateOidcIssuer?: string;
  allowUnsigned?: boolean;
}

export async function verifyCommand(bundle: string, flags: VerifyFlags, io: CliIo): Promise<CommandOutcome<VerifyResult & { attestations?: Array<AttestationReport & { file: string }> }>> {
  const { file } = await resolveBundleArg(bundle, io.ctx);
  const attestations = flags.attestation ?? [];
  if (attestations.length === 0) refuseWithout(flags, ['key', 'trustedRoot', 'certificateIdentity', 'certificateOidcIssuer', 'allowUnsigned'], '--attestation', { hint: 'Add --attestation FILE.' });
  if (attestations.length === 0) {
    const { manifest, ...report } = await verifyBundle(file, { digest: flags.digest, progress: io.ctx.progress, limits: parseLimits(flags) });
    const result: VerifyResult = { ...report, sourceDateEpoch: manifest.head.sourceDateEpoch, compression: manifest.head.compression };
    return { result, text: renderVerify(result, bundle) };
  }
  const { verifyAttestationFiles } = await import('../../attestation/verify-files.js');
  const { facts, reports } = await verifyAttestationFiles(file, attestations, { ...trustFrom(flags), allowUnsigned: Boolean(flags.allowUnsigned) }, { digest: flags.digest, progress: io.ctx.progress, limits: parseLimits(flags) }, io.ctx);
  const { report } = facts;
  const result = { ...report, sourceDateEpoch: facts.head.sourceDateEpoch, compression: facts.head.compression, attestations: reports };
  const signed = (r: AttestationReport) => (r.signature.kind === 'key' ? `signed by key ${r.signature.keyid.slice(0, 16)}…` : r.signature.kind === 'sigstore' ? `signed by ${r.signature.identity ?? '?'} (${r.signature.issuer ?? '?'}) via Sigstore${flags.certificateIdentity ? '' : ' [identity not pinned: anyone can get a Sigstore certificate; pass --certificate-identity]'}` : 'unsigned');
  const lines = reports.map((r) => `  ${path.basename(r.file)}\n    ${r.predicateType}, ${signed(r)}\n    subject ${r.subject}\n    ${r.checked}`);
  return { result, text: `${renderVerify(result, bundle)}attestations: ${reports.length}, all verified\n${lines.join('\n')}\n` };
}

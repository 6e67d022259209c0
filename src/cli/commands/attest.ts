// `repro attest BUNDLE|REF`: the bundle's SLSA provenance and CycloneDX ML-BOM, signed when asked,
// written beside the bundle (or in --output); --attach also puts them in the registry beside it.
import path from 'node:path';
import { planAttest } from '../../attestation/attest.js';
import { writeDocuments, type WrittenDocument } from '../../attestation/documents.js';
import { epochTime } from '../../core/time.js';
import { ReproError } from '../../core/errors.js';
import { resolveBundleArg } from '../bundle-arg.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { attachDocuments, signingFrom, type SigningFlags } from '../signing.js';
import type { AttachedDocument } from '../../attestation/attach.js';
import { OCI_CREATED } from '../../core/annotations.js';

export interface AttestFlags extends SigningFlags {
  output?: string;
  attach?: boolean;
}

export interface AttestResult {
  bundle: string;
  reference: string | null;
  subject: { name: string; sha256: string };
  documents: WrittenDocument[];
  attached?: AttachedDocument[];
}

export async function attestCommand(bundle: string, flags: AttestFlags, io: CliIo): Promise<CommandOutcome<AttestResult>> {
  const resolved = await resolveBundleArg(bundle, io.ctx);
  if (flags.attach && !resolved.manifest) throw new ReproError('E_USAGE', '--attach puts the documents beside a bundle in a registry: pass a reference, not a file', { hint: 'repro push the bundle, then repro attest REF --attach.', details: { bundle } });
  const signing = await signingFrom(flags, io);
  // A pulled bundle lives in the cache: its documents go to the current directory unless -o says.
  const outDir = flags.output ? path.resolve(io.ctx.cwd, flags.output) : resolved.reference ? io.ctx.cwd : undefined;
  const plan = await planAttest(resolved.file, outDir, signing);
  const documents = await writeDocuments(plan.dir, plan.documents);
  const result: AttestResult = {
    bundle: resolved.file,
    reference: resolved.reference,
    subject: { name: plan.facts.fileName, sha256: plan.facts.report.fileDigest },
    documents,
  };
  if (flags.attach) {
    result.attached = await attachDocuments(resolved, documents, { [OCI_CREATED]: epochTime(plan.facts.head.sourceDateEpoch) }, io);
  }
  const rel = (f: string) => path.relative(io.ctx.cwd, f) || f;
  const lines = documents.map((d) => `  ${d.kind.padEnd(10)} ${d.form.padEnd(9)} ${rel(d.file)}`);
  const attachedText = result.attached ? result.attached.map((a) => `  attached ${path.basename(a.file)} as ${a.digest}\n`).join('') : '';
  const unsigned = signing.key || signing.keyless ? '' : 'unsigned: add --key KEY.pem or --keyless to sign them\n';
  const bare = plan.facts.snapshot ? '' : 'note: the bundle carries no snapshot (run `repro snapshot` before `repro build`): the provenance names no source commit and the ML-BOM no installed packages, interpreter or GPU; only the locks the bundle carries\n';
  return { result, text: `attested ${plan.facts.fileName} (${plan.facts.report.fileDigest})\n${lines.join('\n')}\n${attachedText}${unsigned}${bare}` };
}

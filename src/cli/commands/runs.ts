// `repro runs REF`: the ledger beside a bundle in a registry: the reruns attached to it, and the
// attestations (provenance, ML-BOM, reproduced-build and reproduced-run), each checked against
// the bundle as `repro verify --attestation` checks a file, its status shown.
import { listRuns, type LedgerEntry } from '../../registry/ledger.js';
import { RegistryClient } from '../../registry/client.js';
import { resolveManifest } from '../../registry/pull.js';
import { formatReference, requireReference } from '../../registry/reference.js';
import { ERROR_CODES } from '../../core/errors.js';
import type { AttachedAttestation } from '../../attestation/attach.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { trustFrom } from '../signing.js';

export interface RunsFlags {
  key?: string;
  trustedRoot?: string;
  certificateIdentity?: string;
  certificateOidcIssuer?: string;
}

export interface RunsResult {
  reference: string;
  digest: string;
  runs: LedgerEntry[];
  attestations: AttachedAttestation[];
}

export async function runsCommand(reference: string, flags: RunsFlags, io: CliIo): Promise<CommandOutcome<RunsResult>> {
  const ref = requireReference(reference);
  const manifest = await resolveManifest(new RegistryClient(ref, io.ctx.env, 'pull'));
  const runs = await listRuns(ref, manifest.digest, io.ctx);
  const { checkAttachedAttestations } = await import('../../attestation/attach.js');
  const attestations = await checkAttachedAttestations(reference, manifest.digest, trustFrom(flags), io.ctx);
  const verdict = (r: LedgerEntry) => (r.reproduced === null ? 'no reference' : r.reproduced ? 'reproduced' : 'DIFFERENT');
  const lines = runs.map((r) => `  ${r.runId}  ${r.endedAt ?? '?'}  ${r.backend ?? '?'}  exit ${r.exitCode ?? '?'}  ${verdict(r)}  machine ${(r.machine ?? '?').slice(0, 19)}`);
  const attLines = attestations.map((a) => `  ${(a.kind ?? '?').padEnd(16)} ${(a.form ?? '?').padEnd(9)} ${a.status.toUpperCase().padEnd(9)} ${a.detail}`);
  const shown = formatReference(ref, manifest.digest);
  const text = `${runs.length} run${runs.length === 1 ? '' : 's'} of ${shown}\n${lines.join('\n')}${lines.length ? '\n' : ''}` + (attestations.length ? `${attestations.length} attestation${attestations.length === 1 ? '' : 's'}\n${attLines.join('\n')}\n` : '');
  // A refused attestation is evidence that something is wrong: exit 4, after listing everything.
  return { result: { reference: shown, digest: manifest.digest, runs, attestations }, text, exitCode: attestations.some((a) => a.status === 'refused') ? ERROR_CODES.E_INTEGRITY : 0 };
}

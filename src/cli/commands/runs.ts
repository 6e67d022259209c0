// `repro runs REF`: the ledger of reruns attached beside a bundle in a registry.
import { listRuns, type LedgerEntry } from '../../registry/ledger.js';
import { RegistryClient } from '../../registry/client.js';
import { resolveManifest } from '../../registry/pull.js';
import { formatReference, requireReference } from '../../registry/reference.js';
import type { CliIo, CommandOutcome } from '../io.js';

export interface RunsResult {
  reference: string;
  digest: string;
  runs: LedgerEntry[];
}

export async function runsCommand(reference: string, _flags: object, io: CliIo): Promise<CommandOutcome<RunsResult>> {
  const ref = requireReference(reference);
  const manifest = await resolveManifest(new RegistryClient(ref, io.ctx.env, 'pull'));
  const runs = await listRuns(ref, manifest.digest, io.ctx);
  const verdict = (r: LedgerEntry) => (r.reproduced === null ? 'no reference' : r.reproduced ? 'reproduced' : 'DIFFERENT');
  const lines = runs.map((r) => `  ${r.runId}  ${r.endedAt ?? '?'}  ${r.backend ?? '?'}  exit ${r.exitCode ?? '?'}  ${verdict(r)}  machine ${(r.machine ?? '?').slice(0, 19)}`);
  const shown = formatReference(ref, manifest.digest);
  return { result: { reference: shown, digest: manifest.digest, runs }, text: `${runs.length} run${runs.length === 1 ? '' : 's'} of ${shown}\n${lines.join('\n')}${lines.length ? '\n' : ''}` };
}

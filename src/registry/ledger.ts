// The ledger of reruns, kept in the registry beside the bundle: each run record (run.json) is a
// referrer of the bundle's manifest (referrers.ts), tagged `sha256-<subject hex>.run-<run id>`
// where the registry has no referrers API; `repro runs` lists them from their annotations.
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import type { RunRecord } from '../run-record/record.js';
import { attachReferrer, listReferrers, type Attached } from './referrers.js';
import type { OciRef } from './reference.js';

export const RUN_ARTIFACT_TYPE = 'application/vnd.repro.run.v1';
export const RUN_LAYER_MEDIA_TYPE = 'application/vnd.repro.run.v1+json';

export interface LedgerEntry {
  /** The run record artifact's manifest digest. */
  digest: string;
  runId: string;
  /** true / false when the bundle carried a reference run, else null. */
  reproduced: boolean | null;
  exitCode: number | null;
  backend: string | null;
  machine: string | null;
  endedAt: string | null;
}

const RUN_ID = /^[A-Za-z0-9_.-]{1,40}$/;

function annotationsOf(record: RunRecord): Record<string, string> {
  return {
    'io.repro.run.backend': record.backend,
    'io.repro.run.exit-code': String(record.exitCode),
    'io.repro.run.id': record.runId,
    'io.repro.run.machine': record.machine.snapshotDigest,
    'io.repro.run.reproduced': record.reproduced === null ? 'unknown' : String(record.reproduced.reproduced),
    'org.opencontainers.image.created': record.endedAt,
  };
}

/** Attaches a run record to the bundle manifest `subject` (a digest in ref's repository). */
export async function attachRun(ref: OciRef, subject: { digest: string; size: number }, runJson: Buffer, record: RunRecord, ctx: Context): Promise<Attached> {
  if (!RUN_ID.test(record.runId)) throw new ReproError('E_INPUT', `run id ${JSON.stringify(record.runId)} cannot be a tag`, { details: { runId: record.runId } });
  const attached = await attachReferrer(ref, subject, { artifactType: RUN_ARTIFACT_TYPE, layerMediaType: RUN_LAYER_MEDIA_TYPE, bytes: runJson, annotations: annotationsOf(record), tagSuffix: `run-${record.runId}` }, ctx);
  ctx.log.info(`ledger: run ${record.runId} attached as ${attached.digest}`);
  return attached;
}

function entryOf(digest: string, a: Record<string, string>): LedgerEntry {
  const reproduced = a['io.repro.run.reproduced'];
  const exit = Number(a['io.repro.run.exit-code']);
  return {
    digest,
    runId: a['io.repro.run.id'] ?? '?',
    reproduced: reproduced === 'true' ? true : reproduced === 'false' ? false : null,
    exitCode: Number.isInteger(exit) ? exit : null,
    backend: a['io.repro.run.backend'] ?? null,
    machine: a['io.repro.run.machine'] ?? null,
    endedAt: a['org.opencontainers.image.created'] ?? null,
  };
}

/** Every run attached to `subject`: from the referrers API, else the per-run tags and the tag-schema index. */
export async function listRuns(ref: OciRef, subject: string, ctx: Context): Promise<LedgerEntry[]> {
  const runs = (await listReferrers(ref, subject, [RUN_ARTIFACT_TYPE], ctx)).map((r) => entryOf(r.digest, r.annotations));
  return runs.sort((a, b) => ((a.endedAt ?? '') < (b.endedAt ?? '') ? -1 : (a.endedAt ?? '') > (b.endedAt ?? '') ? 1 : a.digest < b.digest ? -1 : 1));
}

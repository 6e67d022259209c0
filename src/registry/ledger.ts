// The ledger of reruns, kept in the registry beside the bundle: each run record (run.json) is a
// referrer of the bundle's manifest (referrers.ts), tagged `sha256-<subject hex>.run-<run id>`
// where the registry has no referrers API; `repro runs` lists them from their annotations.
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import type { RunRecord } from '../run-record/record.js';
import { attachReferrer, listReferrers, type Attached } from './referrers.js';
import type { OciRef } from './reference.js';
import { OCI_CREATED, RUN_BACKEND, RUN_EXIT_CODE, RUN_ID, RUN_MACHINE, RUN_REPRODUCED } from '../core/annotations.js';

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

const TAGGABLE_RUN_ID = /^[A-Za-z0-9_.-]{1,40}$/;

function annotationsOf(record: RunRecord): Record<string, string> {
  return {
    [RUN_BACKEND]: record.backend,
    [RUN_EXIT_CODE]: String(record.exitCode),
    [RUN_ID]: record.runId,
    [RUN_MACHINE]: record.machine.snapshotDigest,
    [RUN_REPRODUCED]: record.reproduced === null ? 'unknown' : String(record.reproduced.reproduced),
    [OCI_CREATED]: record.endedAt,
  };
}

/** Attaches a run record to the bundle manifest `subject` (a digest in ref's repository). */
export async function attachRun(ref: OciRef, subject: { digest: string; size: number }, runJson: Buffer, record: RunRecord, ctx: Context): Promise<Attached> {
  if (!TAGGABLE_RUN_ID.test(record.runId)) throw new ReproError('E_INPUT', `run id ${JSON.stringify(record.runId)} cannot be a tag`, { details: { runId: record.runId } });
  const attached = await attachReferrer(ref, subject, { artifactType: RUN_ARTIFACT_TYPE, layerMediaType: RUN_LAYER_MEDIA_TYPE, bytes: runJson, annotations: annotationsOf(record), tagSuffix: `run-${record.runId}` }, ctx);
  ctx.log.info(`ledger: run ${record.runId} attached as ${attached.digest}`);
  return attached;
}

function entryOf(digest: string, a: Record<string, string>): LedgerEntry {
  const reproduced = a[RUN_REPRODUCED];
  const exit = Number(a[RUN_EXIT_CODE]);
  return {
    digest,
    runId: a[RUN_ID] ?? '?',
    reproduced: reproduced === 'true' ? true : reproduced === 'false' ? false : null,
    exitCode: Number.isInteger(exit) ? exit : null,
    backend: a[RUN_BACKEND] ?? null,
    machine: a[RUN_MACHINE] ?? null,
    endedAt: a[OCI_CREATED] ?? null,
  };
}

/** Every run attached to `subject`: from the referrers API, else the per-run tags and the tag-schema index. */
export async function listRuns(ref: OciRef, subject: string, ctx: Context): Promise<LedgerEntry[]> {
  const runs = (await listReferrers(ref, subject, [RUN_ARTIFACT_TYPE], ctx)).map((r) => entryOf(r.digest, r.annotations));
  return runs.sort((a, b) => ((a.endedAt ?? '') < (b.endedAt ?? '') ? -1 : (a.endedAt ?? '') > (b.endedAt ?? '') ? 1 : a.digest < b.digest ? -1 : 1));
}

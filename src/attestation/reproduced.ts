// repro's two "reproduced" predicates (docs/ATTESTATIONS.md): a build rebuilt under varied
// conditions to the same bytes (build --verify --attest), and a rerun whose outputs were
// compared with the bundle's reference run (exec --expect-reproduced --attest). Both take
// records repro already wrote; parameters and environments are already redacted there, and
// the secrets module scrubs every string once more against this process's secret values.
import type { RunDeterminism, RunRecord } from '../run-record/record.js';

export type { RunDeterminism };
import { scrubSecrets } from '../secrets/values.js';
import { hexOf } from '../core/digest.js';
import { REPRODUCED_BUILD, REPRODUCED_RUN, statement, type Statement, type Subject } from './statement.js';

export interface BuildEvidence {
  name: string;
  version: string;
  fileName: string;
  contentDigest: string;
  fileDigest: string;
  rebuild: { contentDigest: string; fileDigest: string };
  variations: unknown[];
  lock: { contentDigest: string | null; matches: boolean | null };
  /** The snapshot digest of the machine that built (and rebuilt) the bundle. */
  builderSnapshotDigest: string;
  builder: { repro: string; node: string };
}

export interface ReproducedBuildPredicate {
  bundle: { name: string; version: string; contentDigest: string; fileDigest: string };
  rebuild: { contentDigest: string; fileDigest: string };
  reproducible: boolean;
  variations: unknown[];
  lock: { contentDigest: string | null; matches: boolean | null };
  builder: { repro: string; node: string; snapshotDigest: string };
}

export function reproducedBuild(e: BuildEvidence, env: Readonly<Record<string, string | undefined>>): Statement<ReproducedBuildPredicate> {
  const predicate: ReproducedBuildPredicate = {
    bundle: { name: e.name, version: e.version, contentDigest: e.contentDigest, fileDigest: e.fileDigest },
    rebuild: { contentDigest: e.rebuild.contentDigest, fileDigest: e.rebuild.fileDigest },
    reproducible: e.rebuild.contentDigest === e.contentDigest && e.rebuild.fileDigest === e.fileDigest,
    variations: e.variations,
    lock: e.lock,
    builder: { ...e.builder, snapshotDigest: e.builderSnapshotDigest },
  };
  return statement({ name: e.fileName, digest: { sha256: hexOf(e.fileDigest) } }, REPRODUCED_BUILD, scrubSecrets(predicate, env));
}

export interface ReproducedRunPredicate {
  bundle: { contentDigest: string; fileDigest: string; reference: string | null };
  run: { runId: string; entryPoint: string; parameters: Record<string, string>; backend: string; sandbox: string | null; image: string | null; exitCode: number; startedAt: string; endedAt: string };
  machine: { snapshotDigest: string; drift: Record<string, number> | null };
  reproduced: boolean;
  /** reproduced, not-reproduced or not-comparable (and why not comparable); absent in statements made before repro said so. */
  status?: string;
  notComparable?: string[];
  /** maxDifference: for a within-tolerance verdict, the largest difference seen (verify checks it against the manifest's tolerance). */
  outputs: Array<{ path: string; verdict: string; expected: string | null; actual: string | null; maxDifference?: { value: number; at: string } }>;
  /** exec --verify: whether the run is deterministic, what each variation was and changed, and per output the variations that change it. */
  determinism?: RunDeterminism;
}


/** The run as a statement: its subjects are the bundle file and each output file it hashed. */
export function reproducedRun(record: RunRecord, bundle: { fileName: string; fileDigest: string }, env: Readonly<Record<string, string | undefined>>, determinism?: RunDeterminism): Statement<ReproducedRunPredicate> {
  if (!record.reproduced) throw new TypeError('a reproduced-run attestation needs a run compared with a reference run');
  const predicate: ReproducedRunPredicate = {
    bundle: { contentDigest: record.bundle.contentDigest, fileDigest: bundle.fileDigest, reference: record.bundle.reference ?? null },
    run: {
      runId: record.runId,
      entryPoint: record.entry,
      parameters: record.parameters,
      backend: record.backend,
      sandbox: record.sandbox ?? null,
      image: record.image,
      exitCode: record.exitCode,
      startedAt: record.startedAt,
      endedAt: record.endedAt,
    },
    machine: { snapshotDigest: record.machine.snapshotDigest, drift: record.machine.drift },
    reproduced: record.reproduced.reproduced,
    status: record.reproduced.status ?? (record.reproduced.reproduced ? 'reproduced' : 'not-reproduced'),
    ...(record.reproduced.notComparable ? { notComparable: record.reproduced.notComparable } : {}),
    outputs: record.reproduced.outputs.map((o) => ({ path: o.path, verdict: o.verdict, expected: o.expected, actual: o.actual, ...(o.maxDifference ? { maxDifference: o.maxDifference } : {}) })),
    ...(determinism ? { determinism } : {}),
  };
  const subjects: Subject[] = [{ name: bundle.fileName, digest: { sha256: hexOf(bundle.fileDigest) } }];
  for (const o of record.outputs) if (o.sha256 && !o.files) subjects.push({ name: `output:${o.path}`, digest: { sha256: hexOf(o.sha256) } });
  const s = statement(subjects[0]!, REPRODUCED_RUN, scrubSecrets(predicate, env));
  s.subject = subjects;
  return s;
}

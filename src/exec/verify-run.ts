// repro exec --verify: is the run deterministic, and if not, what makes it differ? The bundle is
// verified, the machine checked and the environment made once (exec.ts prepareExec); then the
// entry point runs plainly, and again under every selected variation at once (--runs N: N-1
// varied runs, each with other values where a variation has many). When an output differs, one
// control run (nothing varied) tells the outputs that differ on their own (time, os.urandom,
// an unseeded generator) from those a variation changes, and each variation then runs alone, once,
// naming the ones that change each output. Every run is a full exec run with its own run.json,
// in the same directory (only the path variation's run is elsewhere); verify.json holds the verdict.
import { tmpfsWithRoom } from '../core/tmpfs.js';
import { constants, existsSync, promises as fs, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { writeFileAtomic } from '../core/atomic-write.js';
import { canonicalJson } from '../core/canonical-json.js';
import type { Context } from '../core/context.js';
import type { OutputComparison, ReproVerdict, RunDeterminism } from '../run-record/record.js';
import { defaultRunDir } from './defaults.js';
import { outputSpecs, prepareExec, runPrepared, type ExecOptions, type ExecResult, type PreparedExec } from './exec.js';
import { arraysOf, compareOutputs, PICKLE_NOTE } from './outputs.js';
import { arrayFormat, isPickle, MAX_ARRAY_BYTES, type ArrayDifference } from './arrays.js';
import { specFor } from '../project/output-match.js';
import type { OutputSpec } from '../project/types.js';
import { combinedConditions, planVariations, VARIED_RUN_DIR, type PlannedVariation, type VariationFacts, type VariationId } from './variations.js';
import { makeFreshDir } from './workdir.js';
import { allowedCpus } from '../snapshot/probe-os.js';
import { TASKSET } from './run-local.js';
import type { RunConditions } from './backend.js';

import { lintProject } from './lint.js';
import { confirmFindings, type LintFinding } from './lint-rules.js';

export interface VerifyRunOptions {
  exec: Omit<ExecOptions, 'runId' | 'out'>;
  verifyId: string;
  /** The verify directory (default <cache>/runs/verify-<id>). */
  out?: string;
  /** Runs before any bisection: the plain one and runs-1 varied ones (at least 2). */
  runs: number;
  /** The variations to apply (variations.ts selectVariations, checked before anything is made). */
  selected: VariationId[];
}

/** The pseudo-output that stands for the entry point's exit status in the comparisons. */
export const EXIT_STATUS = '(exit status)';

export interface VerifyRunEntry {
  index: number;
  /** plain, varied, control, or the one variation the run had. */
  role: 'plain' | 'varied' | 'control' | 'alone';
  variations: VariationId[];
  runDir: string;
  exitCode: number;
  durationMs: number;
}

export interface VerifyOutput {
  path: string;
  /** identical: under every variation; varies: a variation changes it; unstable: it differs between two plain runs. */
  verdict: 'identical' | 'varies' | 'unstable';
  /** The variations that change it, each run alone. */
  changedBy: VariationId[];
  /** The variations run alone that left it identical. */
  unchangedBy: VariationId[];
  /** It changed with every variation at once, and with none alone. */
  onlyCombined: boolean;
  /** The largest numeric difference seen: array files always, JSON and CSV outputs with a tolerance. */
  maxDifference?: { value: number; at: string; relative?: number };
  /** How it was compared when that is not by numbers: a pickle by bytes only (never unpickled). */
  note?: string;
}

/** A variation as the report gives it: the plan's words, and the outputs it changed run alone (null: it did not run alone). */
export type VerifyVariation = Pick<PlannedVariation, 'id' | 'title' | 'exposes' | 'plain' | 'varied' | 'notApplicable'> & { changed: string[] | null };

export interface VerifyReport {
  kind: 'repro-verify-run';
  schemaVersion: 1;
  verifyId: string;
  bundle: { contentDigest: string; file: string };
  entry: string;
  backend: 'local' | 'docker';
  sandbox: string;
  /** true when every output (and the exit status) was identical, or within its tolerance, under every applied variation. */
  deterministic: boolean;
  /** The plain run's exit status (a failed plain run is not judged further). */
  exitCode: number;
  variations: VerifyVariation[];
  outputs: VerifyOutput[];
  runs: VerifyRunEntry[];
  /** The plain run against the bundle's reference run (build --with-run), as exec says it. */
  reference: ReproVerdict | null;
  /** repro lint's findings on the bundle's project, each confirmed (its variation changed an output), not observed, or not tested; or why the lint could not run. */
  lint: { files: number; findings: LintFinding[] } | { error: string };
}

/** Where output comparisons count as the same. */
const SAME: ReadonlySet<OutputComparison['verdict']> = new Set(['identical', 'equivalent', 'within-tolerance']);

/** The outputs (and exit status) of `run` that differ from the plain run's. */
export async function differing(plain: ExecResult, run: ExecResult, specs: readonly OutputSpec[]): Promise<OutputComparison[]> {
  // A folder output is judged file by file: each file of it is named with what changes it.
  const found = compareOutputs(plain.outputs, run.outputs, specs)
    .filter((c) => !SAME.has(c.verdict))
    .flatMap((c) => (c.files?.length ? c.files.map((f) => ({ path: `${c.path}/${f.path}`, expected: null, actual: null, verdict: f.change === 'changed' ? ('different' as const) : f.change })) : [c]));
  const out: OutputComparison[] = [];
  for (const c of found) {
    // Array files: element by element from the two runs' kept outputs, within the tolerance
    // when one is declared; pickles by bytes, said so.
    const format = c.verdict === 'different' ? arrayFormat(c.path) : null;
    if (format) {
      const diff = await filesDifference(path.join(plain.runDir, 'project', c.path), path.join(run.runDir, 'project', c.path), format);
      const tolerance = specFor(c.path, specs)?.tolerance;
      if ('value' in diff && tolerance !== undefined && diff.value <= tolerance) continue;
      out.push('value' in diff ? { ...c, maxDifference: diff } : { ...c, note: diff.note });
    } else out.push(c.verdict === 'different' && isPickle(c.path) ? { ...c, note: PICKLE_NOTE } : c);
  }
  if (plain.exitCode !== run.exitCode) out.push({ path: EXIT_STATUS, expected: String(plain.exitCode), actual: String(run.exitCode), verdict: 'different' });
  return out;
}

/** Two kept array files compared element by element (bounded in size; never through a link). */
async function filesDifference(a: string, b: string, format: 'npy' | 'npz' | 'safetensors'): Promise<ArrayDifference | { note: string }> {
  const read = async (file: string) => {
    const handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => null);
    if (!handle) return null;
    try {
      const st = await handle.stat();
      return st.isFile() && st.size <= MAX_ARRAY_BYTES ? await handle.readFile() : null;
    } finally {
      await handle.close();
    }
  };
  const [x, y] = [await read(a), await read(b)];
  if (!x || !y) return { note: 'compared by bytes (one side is missing or too large to read as arrays)' };
  return arraysOf(x, y, format);
}

/** The report, and the plain run's record (what --attest attests, with the report's verdict). */
export async function verifyRun(options: VerifyRunOptions, ctx: Context): Promise<{ report: VerifyReport & { dir: string }; plain: ExecResult }> {
  const selected = options.selected;
  const dir = options.out ? path.resolve(ctx.cwd, options.out) : defaultRunDir(ctx.env, `verify-${options.verifyId}`);
  await makeFreshDir(dir, 'verify directory');
  const prepared = await prepareExec({ ...options.exec, runId: `${options.verifyId}-0` }, ctx);
  const facts = await machineFacts(prepared, selected, ctx);
  const { baseline, variations } = planVariations(selected, facts);
  const applied = variations.filter((v) => v.notApplicable === null);
  for (const v of variations) if (v.notApplicable) ctx.log.info(`verify: ${v.id} is not varied here: ${v.notApplicable}`);
  const specs = outputSpecs(prepared.manifest, options.exec.outputs);
  const runs: VerifyRunEntry[] = [];
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  // Each run would repeat the same warnings (a limit not enforced): said once.
  const said = new Set<string>();
  const runCtx: Context = { ...ctx, log: { ...ctx.log, warn: (m) => void (said.has(m) || (said.add(m), ctx.log.warn(m))) } };

  const runOnce = async (role: VerifyRunEntry['role'], vars: readonly PlannedVariation[], conditions: RunConditions & { varyPath?: boolean }): Promise<ExecResult> => {
    const index = runs.length;
    const label = role === 'alone' ? vars[0]!.id : role;
    ctx.log.info(`verify: run ${index + 1}: ${role === 'plain' || role === 'control' ? `${role}, nothing varied` : `${vars.map((v) => v.id).join(', ')} varied`}`);
    // Every run works at the same path (the path variation aside) and is moved to its own
    // folder afterwards, so the plain runs differ in nothing but what is varied.
    const at = path.join(dir, conditions.varyPath ? VARIED_RUN_DIR : 'run');
    const { varyPath: _, ...given } = conditions;
    // The plain run's output is shown as exec shows it; the others' only in their run.json.
    const streams = index === 0 ? {} : { stdout: quiet, stderr: quiet };
    const result = await runPrepared(prepared, { ...options.exec, ...streams, runId: `${options.verifyId}-${index}`, out: at }, runCtx, given);
    const runDir = path.join(dir, `${String(index).padStart(2, '0')}-${label}`);
    await fs.rename(at, runDir);
    runs.push({ index, role, variations: vars.map((v) => v.id), runDir, exitCode: result.exitCode, durationMs: result.durationMs });
    return { ...result, runDir };
  };

  const plain = await runOnce('plain', [], baseline);
  const changedBy = new Map<string, Set<VariationId>>();
  const unchangedBy = new Map<string, Set<VariationId>>();
  const maxDifference = new Map<string, { value: number; at: string; relative?: number }>();
  const notes = new Map<string, string>();
  const seen = new Set<string>(plain.outputs.flatMap((o) => (o.files ? o.files.map((f) => `${o.path}/${f.path}`) : [o.path])));
  const note = (diffs: OutputComparison[]) => {
    for (const d of diffs) {
      seen.add(d.path);
      if (d.maxDifference && (maxDifference.get(d.path)?.value ?? -1) < d.maxDifference.value) maxDifference.set(d.path, d.maxDifference);
      if (d.note) notes.set(d.path, d.note);
    }
  };
  const soloRuns = new Map<VariationId, string[]>();
  const unstable = new Set<string>();
  const combined = new Set<string>();
  if (plain.exitCode === 0 && applied.length > 0) {
    for (let k = 1; k < options.runs; k++) {
      const varied = await runOnce('varied', applied, combinedConditions(baseline, applied, k));
      const diffs = await differing(plain, varied, specs);
      note(diffs);
      for (const d of diffs) combined.add(d.path);
    }
    if (combined.size > 0) {
      // What differs with nothing varied is no variation's doing.
      const control = await runOnce('control', [], baseline);
      const noise = await differing(plain, control, specs);
      note(noise);
      for (const d of noise) unstable.add(d.path);
      const suspects = [...combined].filter((p) => !unstable.has(p));
      if (suspects.length > 0) {
        for (const v of applied) {
          const alone = await runOnce('alone', [v], combinedConditions(baseline, [v], 1));
          const diffs = (await differing(plain, alone, specs)).filter((d) => !unstable.has(d.path));
          note(diffs);
          const changed = new Set(diffs.map((d) => d.path));
          soloRuns.set(v.id, [...changed].sort());
          for (const p of suspects) (changed.has(p) ? changedBy : unchangedBy).set(p, ((changed.has(p) ? changedBy : unchangedBy).get(p) ?? new Set()).add(v.id));
        }
      }
    }
  }
  const outputs: VerifyOutput[] = [...seen].sort().map((p) => {
    const verdict: VerifyOutput['verdict'] = unstable.has(p) ? 'unstable' : combined.has(p) ? 'varies' : 'identical';
    const by = [...(changedBy.get(p) ?? [])];
    return {
      path: p,
      verdict,
      changedBy: applied.map((v) => v.id).filter((id) => by.includes(id)),
      unchangedBy: verdict === 'varies' ? applied.map((v) => v.id).filter((id) => unchangedBy.get(p)?.has(id)) : verdict === 'identical' ? applied.map((v) => v.id) : [],
      onlyCombined: verdict === 'varies' && by.length === 0,
      ...(maxDifference.has(p) ? { maxDifference: maxDifference.get(p)! } : {}),
      ...(notes.has(p) ? { note: notes.get(p)! } : {}),
    };
  });
  const changedVariations = new Set<string>([...changedBy.values()].flatMap((set) => [...set]));
  const lint = await lintProject({ projectDir: prepared.projectDir, snapshot: prepared.snapshot, manifest: prepared.manifest }, ctx).then(
    (r) => ({ files: r.files, findings: confirmFindings(r.findings, { applied: soloRuns.size > 0 ? [...soloRuns.keys()] : plain.exitCode === 0 ? applied.map((v) => v.id) : [], changed: changedVariations, unstable: unstable.size > 0, controlRan: runs.some((r) => r.role === 'control') }) }),
    (err: Error) => ({ error: err.message }),
  );
  const report: VerifyReport = {
    kind: 'repro-verify-run',
    schemaVersion: 1,
    verifyId: options.verifyId,
    bundle: { contentDigest: plain.bundle.contentDigest, file: plain.bundle.file },
    entry: plain.entry,
    backend: prepared.backend.kind,
    sandbox: plain.sandbox ?? 'none',
    deterministic: plain.exitCode === 0 && combined.size === 0,
    exitCode: plain.exitCode,
    variations: variations.map((v) => ({ id: v.id, title: v.title, exposes: v.exposes, plain: v.plain, varied: v.varied, notApplicable: v.notApplicable, changed: soloRuns.get(v.id) ?? null })),
    outputs,
    runs,
    reference: plain.reproduced,
    lint,
  };
  await writeFileAtomic(path.join(dir, 'verify.json'), canonicalJson(report));
  return { report: { ...report, dir }, plain };
}

/** The verdict as the reproduced-run attestation carries it. */
export function determinismOf(report: VerifyReport): RunDeterminism {
  return {
    deterministic: report.deterministic,
    runs: report.runs.length,
    variations: report.variations.map((v) => ({ id: v.id, plain: v.plain, varied: v.varied, notApplicable: v.notApplicable, changed: v.changed })),
    outputs: report.outputs.map((o) => ({ path: o.path, verdict: o.verdict, changedBy: o.changedBy, unchangedBy: o.unchangedBy })),
  };
}

/** The facts of this machine the variations need: CPUs (affinity), locales, a tmpfs, GPUs. */
async function machineFacts(prepared: PreparedExec, selected: readonly VariationId[], ctx: Context): Promise<VariationFacts> {
  const local = prepared.backend.kind === 'local';
  // Only what a selected variation needs: sizing the project for the tmpfs walks every file.
  const wants = (id: VariationId) => selected.includes(id);
  return {
    backend: prepared.backend.kind,
    sandboxed: prepared.backend.kind === 'local' && prepared.backend.sandbox !== null,
    cpuList: allowedCpus(),
    env: prepared.env,
    gpus: local ? localGpus() : prepared.manifest?.gpu?.required ? prepared.manifest.gpu.count : 0,
    locales: local && wants('locale') ? installedLocales() : [],
    tmpfs: !local ? { reason: 'not used in a container' } : wants('order') ? await tmpfsForOrder(prepared.projectDir, ctx.env) : { reason: 'not selected' },
    // The program run-local puts in front of the shell, where it puts it.
    taskset: existsSync(TASKSET),
    hostName: os.hostname(),
    year: ctx.now().getUTCFullYear(),
  };
}

/** GPUs this machine shows (NVIDIA's device files). */
function localGpus(): number {
  try {
    return readdirSync('/dev').filter((n) => /^nvidia\d+$/.test(n)).length;
  } catch {
    return 0;
  }
}

/** locale -a: the locales installed here. */
function installedLocales(): string[] {
  const r = spawnSync('locale', ['-a'], { encoding: 'utf8', timeout: 5000, env: { PATH: '/usr/bin:/bin' } });
  return r.status === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
}

/** /dev/shm when it is a tmpfs with room for two copies of the project, else why not. */
async function tmpfsForOrder(projectDir: string, env: Readonly<Record<string, string | undefined>>): Promise<{ dir: string } | { reason: string }> {
  return tmpfsWithRoom(await treeSize(projectDir), env, 'the reordered copy needs a file system that lists newest first');
}

async function treeSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) total += (await fs.stat(path.join(e.parentPath, e.name))).size;
  return total;
}

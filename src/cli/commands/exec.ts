// `repro exec BUNDLE [ENTRY]`: verify, check the machine, run, record, compare. --sweep runs a
// grid of points; --backend slurm submits the rerun (or the grid, as a job array) to Slurm.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ReproError } from '../../core/errors.js';
import { runExec, type ExecOptions, type ExecResult } from '../../exec/exec.js';
import { parseSweep, runSweep, sweepGrid, type SweepSummary } from '../../exec/sweep.js';
import { parseParamFlags } from '../../project/render.js';
import { outputPathProblem } from '../../project/output-path.js';
import { parseDuration, SLURM_FLAGS, type SlurmFlags } from '../../slurm/resources.js';
import type { SlurmDryRun } from '../../exec/run-slurm.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { parseBackend, parseLimits, parsePositiveInt, parseSize, refuseWithout, type Backend, type LimitFlags } from '../parse.js';
import { DEFAULT_RESOURCE_LIMITS, type ResourceLimits } from '../../exec/backend.js';
import { renderExec } from '../render/exec.js';
import { renderSweep } from '../render/sweep.js';
import { resolveBundleArg, type ResolvedBundle } from '../bundle-arg.js';
import type { Signing, WrittenDocument } from '../../attestation/documents.js';
import { attachDocuments, signingFrom } from '../signing.js';
import type { AttachedDocument } from '../../attestation/attach.js';
import { basicEpochTime } from '../../core/time.js';
import { OCI_CREATED, RUN_ID } from '../../core/annotations.js';
import { DEFAULT_MAX_PARALLEL, NOT_COMPARABLE_EXIT } from '../../exec/defaults.js';
import { canonicalJson } from '../../core/canonical-json.js';
import type { RunRecord } from '../../run-record/record.js';
import type { VerifyReport } from '../../exec/verify-run.js';
import type { RunDeterminism } from '../../run-record/record.js';
import { selectVariations } from '../../exec/variations.js';
import { existsSync } from 'node:fs';

export interface ExecFlags extends LimitFlags, SlurmFlags {
  param?: string[];
  backend?: string;
  out?: string;
  strict?: boolean;
  network?: string;
  python?: string;
  pythonEnv?: boolean;
  environment?: 'locked' | 'host';
  allowBuild?: boolean;
  expectReproduced?: boolean;
  expectDigest?: string;
  sandbox?: boolean;
  requireSandbox?: boolean;
  env?: string[];
  attach?: boolean;
  sweep?: string[];
  maxParallel?: string;
  dryRun?: boolean;
  queueTimeout?: string;
  cancelOnInterrupt?: boolean;
  remoteRepro?: string;
  attest?: boolean;
  key?: string;
  keyless?: boolean;
  fulcioUrl?: string;
  rekorUrl?: string;
  identityToken?: string;
  expose?: string[];
  output?: string[];
  timeLimit?: string;
  pidsLimit?: string;
  memoryLimit?: string;
  fileSizeLimit?: string;
  verify?: boolean;
  runs?: string;
  vary?: string[];
  noVary?: string[];
}

/** --expose: each an existing host path, made absolute (a typo is exit 2, never a silent nothing). */
function exposedPaths(paths: readonly string[], io: CliIo): string[] {
  return paths.map((p) => {
    const abs = path.resolve(io.ctx.cwd, p);
    if (!existsSync(abs)) throw new ReproError('E_USAGE', `--expose ${p}: no such file or directory`, { hint: 'Name a host path that exists; it is shown read-only inside the local sandbox.', details: { path: abs } });
    return abs;
  });
}

/** --output: a relative path or glob inside the project, by the rule repro.yaml's outputs follow. */
function checkedOutput(p: string): string {
  const problem = outputPathProblem(p);
  if (problem) throw new ReproError('E_USAGE', `--output ${JSON.stringify(p)}: ${problem}`, { hint: 'Name a path or glob relative to the project: --output outputs/model.pkl, --output "mlruns/**/artifacts/**".', details: { output: p, reason: problem } });
  return p;
}

/** --time-limit, --pids-limit, --memory-limit, --file-size-limit over the defaults. */
function resourcesOf(flags: ExecFlags): ResourceLimits {
  return {
    timeLimitMs: parseDuration('--time-limit', flags.timeLimit),
    pids: flags.pidsLimit === undefined ? DEFAULT_RESOURCE_LIMITS.pids : parsePositiveInt('--pids-limit', flags.pidsLimit, 4096),
    memoryBytes: flags.memoryLimit === undefined ? null : parseSize('--memory-limit', flags.memoryLimit),
    fileSizeBytes: flags.fileSizeLimit === undefined ? null : parseSize('--file-size-limit', flags.fileSizeLimit),
  };
}

type Attached = { digest: string; tag: string | null; referrersApi: boolean };
type SlurmInfo = { jobId: string; jobDir: string; node: string | null; state: string };
type Attestations = { attestations?: WrittenDocument[]; attestationsAttached?: AttachedDocument[] };
type ExecOutcome = (VerifyReport & { dir: string; slurm?: SlurmInfo } & Attestations) | (ExecResult & { attached?: Attached; slurm?: SlurmInfo } & Attestations) | (SweepSummary & { dir: string }) | SlurmDryRun;

export function newRunId(now: Date): string {
  return `${basicEpochTime(Math.floor(now.getTime() / 1000))}-${randomBytes(3).toString('hex')}`;
}

/** What every point of every backend shares, from the flags. */
function execOptions(resolved: ResolvedBundle, entry: string | undefined, backend: Backend | undefined, flags: ExecFlags, io: CliIo): Omit<ExecOptions, 'runId' | 'out'> {
  return {
    bundle: resolved.file,
    ...(resolved.reference ? { reference: resolved.reference } : {}),
    entry,
    params: parseParamFlags(flags.param ?? []),
    backend: backend === 'slurm' ? undefined : backend,
    strict: flags.strict,
    network: flags.network,
    python: flags.python,
    ...(flags.pythonEnv ? { pythonEnv: true } : {}),
    ...(flags.environment === 'host' ? { environment: 'host' as const } : {}),
    ...(flags.allowBuild ? { allowBuild: true } : {}),
    sandbox: flags.sandbox,
    ...(flags.requireSandbox ? { requireSandbox: true } : {}),
    passEnv: flags.env,
    limits: parseLimits(flags),
    resources: resourcesOf(flags),
    ...(flags.expose?.length ? { expose: exposedPaths(flags.expose, io) } : {}),
    ...(flags.output?.length ? { outputs: flags.output.map(checkedOutput) } : {}),
    ...(flags.expectDigest ? { expectDigest: flags.expectDigest } : {}),
    user: `${io.caller.uid}:${io.caller.gid}`,
    // With --json, stdout holds only the result: the entry point's output goes to stderr.
    stdout: io.json ? io.streams.stderr : io.streams.stdout,
    stderr: io.streams.stderr,
  };
}

function maxParallelOf(flags: ExecFlags): number | null {
  return flags.maxParallel === undefined ? null : parsePositiveInt('--max-parallel', flags.maxParallel, 4);
}

export async function execCommand(bundle: string, entry: string | undefined, flags: ExecFlags, io: CliIo): Promise<CommandOutcome<ExecOutcome>> {
  const backend = parseBackend(flags.backend);
  if (backend !== 'slurm') refuseWithout(flags, SLURM_FLAGS, '--backend slurm');
  if (backend === 'slurm' && flags.sandbox === false) throw new ReproError('E_USAGE', '--no-sandbox cannot be combined with --backend slurm: each node runs the entry point in its local sandbox', { details: {} });
  if (flags.pythonEnv && flags.python) throw new ReproError('E_USAGE', '--python-env and --python both choose the interpreter', { hint: 'Drop one of them: --python PATH runs that interpreter; --python-env finds the version python_env.yaml names.', details: {} });
  if (flags.requireSandbox && flags.sandbox === false) throw new ReproError('E_USAGE', '--require-sandbox and --no-sandbox contradict each other', { hint: 'Drop one of them.', details: {} });
  const sweep = Boolean(flags.sweep?.length);
  if (flags.attach && sweep) throw new ReproError('E_USAGE', '--attach is not available with --sweep yet', { hint: 'Attach single runs, or read summary.json.', details: {} });
  if (flags.attest && sweep) throw new ReproError('E_USAGE', '--attest is not available with --sweep', { hint: 'Attest single runs.', details: {} });
  if (!flags.expectReproduced) refuseWithout(flags, ['attest'], '--expect-reproduced', { why: 'the attestation records the verdict against the reference run', hint: 'repro exec BUNDLE --expect-reproduced --attest' });
  if (!flags.attest) refuseWithout(flags, ['key', 'keyless'], '--attest', { why: 'they sign the reproduced-run attestation' });
  if (!flags.verify) refuseWithout(flags, ['runs', 'vary', 'noVary'], '--verify', { why: 'they choose the runs and variations of exec --verify' });
  if (flags.verify) {
    const clash = [sweep && '--sweep', flags.attach && '--attach', flags.attest && backend === 'slurm' && '--attest on Slurm'].find(Boolean);
    if (clash) throw new ReproError('E_USAGE', `--verify cannot be combined with ${clash} yet`, { hint: 'Verify the run first, then sweep, attach or attest single runs.', details: { flag: clash } });
  }
  const verifyPlan = flags.verify ? { selected: selectVariations(flags.vary, flags.noVary), runs: flags.runs === undefined ? 2 : parsePositiveInt('--runs', flags.runs, 2) } : null;
  if (verifyPlan && verifyPlan.runs < 2) throw new ReproError('E_USAGE', '--runs must be at least 2: the plain run and one varied run', { hint: 'e.g. --runs 3: the plain run and two varied ones, each with other values', details: { runs: verifyPlan.runs } });
  const signing = flags.attest ? await signingFrom(flags, io) : null;
  const axes = (flags.sweep ?? []).map(parseSweep);
  const resolved = await resolveBundleArg(bundle, io.ctx);
  if (flags.attach && !resolved.manifest) {
    throw new ReproError('E_USAGE', '--attach records the run beside a bundle in a registry: pass a reference (REGISTRY/REPO:TAG or …@sha256:…), not a file', { hint: 'repro push the bundle first, then repro exec REF --attach.', details: { bundle } });
  }
  const options = execOptions(resolved, entry, backend, flags, io);
  const maxParallel = maxParallelOf(flags);
  const id = newRunId(io.ctx.now());

  if (backend === 'slurm') {
    const { runSlurm } = await import('../../exec/run-slurm.js');
    const outcome = await runSlurm(
      {
        exec: options,
        axes,
        points: sweep ? sweepGrid(axes, options.params) : [[]],
        id,
        out: flags.out,
        maxParallel,
        flags,
        queueTimeoutMs: parseDuration('--queue-timeout', flags.queueTimeout),
        cancelOnInterrupt: Boolean(flags.cancelOnInterrupt),
        dryRun: Boolean(flags.dryRun),
        repro: flags.remoteRepro ? [flags.remoteRepro] : [io.self.execPath, path.join(path.dirname(io.self.script), 'bin.js')],
        verify: verifyPlan ? { runs: verifyPlan.runs, vary: verifyPlan.selected } : null,
      },
      io.ctx,
    );
    if ('dryRun' in outcome) return { result: outcome, text: `# ${outcome.sbatch.join(' ')}\n${outcome.script}` };
    if (verifyPlan) {
      // The report the node's repro printed (never a file the entry point could write).
      if (!outcome.verify) throw outcome.tasks[0]!.error!;
      const point = outcome.summary.points[0]!;
      return verifyOutcome({ ...outcome.verify, slurm: { jobId: outcome.job.jobId, jobDir: outcome.job.jobDir, node: point.node, state: point.slurm!.state } }, flags, io, `slurm: job ${outcome.job.jobId} ran on ${point.node ?? 'an unknown node'}\n`);
    }
    if (sweep) {
      const summary = { ...outcome.summary, dir: outcome.job.jobDir };
      return { result: summary, text: renderSweep(summary, io.ctx.cwd), exitCode: summary.failed === 0 ? 0 : 1 };
    }
    const { record, error } = outcome.tasks[0]!;
    if (!record) throw error!;
    const point = outcome.summary.points[0]!;
    // The record the node's repro reported (never a file in the task's run directory, which the
    // entry point could write): what --attach uploads.
    const { runDir: _nodeRunDir, ...reported } = record as RunRecord & { runDir?: string };
    const result = { ...reported, runDir: point.runDir, slurm: { jobId: outcome.job.jobId, jobDir: outcome.job.jobDir, node: point.node, state: point.slurm!.state } };
    return finishRun(result, resolved, flags, signing, io, `slurm: job ${outcome.job.jobId} ran on ${point.node ?? 'an unknown node'}\n`, Buffer.from(canonicalJson(reported)));
  }

  if (verifyPlan) {
    const { verifyRun, determinismOf } = await import('../../exec/verify-run.js');
    const { report, plain } = await verifyRun({ exec: options, verifyId: id, out: flags.out, ...verifyPlan }, io.ctx);
    const outcome = await verifyOutcome(report, flags, io, '');
    if (!signing || !plain.reproduced) return outcome;
    // The plain run, attested against the reference, with the verdict per variation.
    const attestations = await attestRun(plain, resolved.file, signing, io, determinismOf(report));
    return { ...outcome, result: { ...outcome.result, attestations }, text: `${outcome.text}attestation: ${attestations.map((d) => path.relative(io.ctx.cwd, d.file) || d.file).join(', ')}\n` };
  }

  if (sweep) {
    const summary = await runSweep({ exec: options, axes, sweepId: id, out: flags.out, maxParallel: maxParallel ?? DEFAULT_MAX_PARALLEL }, io.ctx);
    return { result: summary, text: renderSweep(summary, io.ctx.cwd), exitCode: summary.failed === 0 ? 0 : 1 };
  }
  const result = await runExec({ ...options, runId: id, out: flags.out }, io.ctx);
  return finishRun(result, resolved, flags, signing, io, '');
}

/** After exec --verify: the text, and the exit code (the plain run's failure, else 1 unless deterministic, else --expect-reproduced's verdict). */
async function verifyOutcome<T extends VerifyReport & { dir: string }>(report: T, flags: ExecFlags, io: CliIo, prefix: string): Promise<CommandOutcome<T>> {
  const { renderVerifyRun } = await import('../render/verify-run.js');
  let text = prefix + renderVerifyRun(report, io.ctx.cwd);
  const expected = expectedVerdictExit(report.reference, flags, report);
  if (expected !== 0) text += 'the plain run did NOT reproduce the reference run\n';
  return { result: report, text, exitCode: report.exitCode !== 0 ? report.exitCode : !report.deterministic ? 1 : expected };
}

/** --expect-reproduced's exit status for a verdict: 0, 6 (not comparable) or 1 (NOT reproduced); refused when the bundle has no reference run. 0 without the flag. */
function expectedVerdictExit(verdict: RunRecord['reproduced'], flags: ExecFlags, bundle: { bundle: { file: string } }): number {
  if (!flags.expectReproduced) return 0;
  if (!verdict) throw new ReproError('E_INPUT', 'the bundle carries no reference run to compare with', { hint: 'Build it with `repro build --with-run RUN_DIR`.', details: { bundle: bundle.bundle.file } });
  return verdict.status === 'not-comparable' ? NOT_COMPARABLE_EXIT : verdict.reproduced ? 0 : 1;
}

/** After one run: --expect-reproduced's verdict, --attach, and the exit code. */
async function finishRun<T extends ExecResult>(result: T, resolved: ResolvedBundle, flags: ExecFlags, signing: Signing | null, io: CliIo, prefix: string, recordBytes?: Buffer): Promise<CommandOutcome<T & { attached?: Attached } & Attestations>> {
  const expected = expectedVerdictExit(result.reproduced, flags, result);
  let text = prefix + renderExec(result, io.ctx.cwd);
  let attached: Attached | null = null;
  if (flags.attach && resolved.manifest && resolved.reference) {
    const { attachRun } = await import('../../registry/ledger.js');
    const { parseReference } = await import('../../registry/reference.js');
    const runJson = recordBytes ?? (await fs.readFile(path.join(result.runDir, 'run.json')));
    attached = await attachRun(parseReference(resolved.reference)!, resolved.manifest, runJson, result, io.ctx);
    text += `attached to ${resolved.reference} as ${attached.digest}\n`;
  }
  const out: T & { attached?: Attached } & Attestations = attached ? { ...result, attached } : result;
  if (signing) {
    // The verdict is attested either way: a NOT reproduced rerun is evidence too.
    // The subject is the bundle this command was given, never a path a record names.
    out.attestations = await attestRun(result, resolved.file, signing, io);
    text += `attestation: ${out.attestations.map((d) => path.relative(io.ctx.cwd, d.file) || d.file).join(', ')}\n`;
    if (flags.attach && resolved.reference) {
      out.attestationsAttached = await attachDocuments(resolved, out.attestations, { [OCI_CREATED]: result.endedAt, [RUN_ID]: result.runId }, io);
      text += `attestation attached to ${resolved.reference}\n`;
    }
  }
  // The entry point's own exit status comes first; then --expect-reproduced's verdict (not
  // comparable: 6, NOT reproduced: 1).
  return { result: out, text, exitCode: result.exitCode !== 0 ? result.exitCode : expected };
}

/** --attest: the reproduced-run attestation into the run directory. */
async function attestRun(result: ExecResult, bundleFile: string, signing: Signing, io: CliIo, determinism?: RunDeterminism): Promise<WrittenDocument[]> {
  const { attestRerun } = await import('../../attestation/attest.js');
  return attestRerun(result, bundleFile, signing, io.ctx, determinism);
}

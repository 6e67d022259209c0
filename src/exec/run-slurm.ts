// repro exec --backend slurm, plan then apply. The plan: the bundle verified here (a tampered
// bundle is never submitted), every point's command rendered (a badly typed value fails before
// anything is queued), the GPUs it needs checked against what the partition offers, the batch
// script written from all of that (script.ts). The apply: the bundle staged in the cache by its
// content digest, the job directory made, one sbatch (a job array for a sweep), the job waited
// for (wait.ts), and each task's run record read back from the job directory, which must be on
// a file system the nodes share. An interrupted submitter cancels the job when asked to
// (--cancel-on-interrupt) and otherwise says how to; it never writes a summary.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { bundleExtension } from '../bundle/codecs.js';
import { DEFAULT_LIMITS } from '../bundle/limits.js';
import { commitTemp, tempPathFor, writeFileAtomic } from '../core/atomic-write.js';
import { cacheRoot } from '../core/cache-root.js';
import { onInterrupt, wasInterrupted } from '../core/cleanup.js';
import { canonicalJson } from '../core/canonical-json.js';
import type { Context } from '../core/context.js';
import { ReproError, fsError } from '../core/errors.js';
import { checkBundleOutputs } from '../project/output-path.js';
import { checkBundleEnv } from '../project/env-rules.js';
import { RUN_SCHEMA_VERSION, type RunRecord } from '../run-record/record.js';
import { openCachedBundle } from './cache.js';
import { makeFreshDir } from './workdir.js';
import { defaultRunDir } from './defaults.js';
import { renderEntry } from './entry.js';
import { checkExpectedDigest, type ExecOptions } from './exec.js';
import { pointResult, summarize, writePlots, type SweepAxis, type SweepPointResult, type SweepSummary } from './sweep.js';
import { parseSlurmResources, type SlurmFlags } from '../slurm/resources.js';
import { argsPath, batchScript, logPath, safeJobName, type BatchPlan } from '../slurm/script.js';
import type { TaskState } from '../slurm/queue.js';
import { notReachableError, slurmTool, unreachable } from '../slurm/tools.js';
import { cancelJob, waitForJob } from '../slurm/wait.js';
import { hexOf } from '../core/digest.js';
import { readEnvelope, slurmTaskArgv, slurmTaskParams } from '../core/self-invocation.js';
import { DEFAULT_RESOURCE_LIMITS } from './backend.js';
import type { VerifyReport } from './verify-run.js';

export interface SlurmRerunOptions {
  exec: Omit<ExecOptions, 'runId' | 'out' | 'stdout' | 'stderr' | 'backend' | 'sandbox'>;
  /** The sweep's axes; empty for a single rerun. */
  axes: SweepAxis[];
  /** Each point's swept parameters ([[]] for a single rerun). */
  points: Array<Array<[string, string]>>;
  id: string;
  /** The job directory (default <cache>/runs/slurm-<id>, or <cache>/runs/sweep-<id> for a sweep). */
  out?: string;
  maxParallel: number | null;
  flags: SlurmFlags;
  queueTimeoutMs: number | null;
  cancelOnInterrupt: boolean;
  dryRun: boolean;
  /** How a node starts repro (absolute paths that the nodes share, or --remote-repro). */
  repro: string[];
  /** exec --verify: the node runs the whole verification (one point) and its report comes back. */
  verify?: { runs: number; vary: string[] } | null;
  pollMs?: { first: number; max: number };
}

export interface SlurmJob {
  jobId: string;
  jobDir: string;
  script: string;
}

export interface SlurmDryRun {
  dryRun: true;
  script: string;
  sbatch: string[];
  jobDir: string;
}

export interface SlurmOutcome {
  job: SlurmJob;
  summary: SweepSummary;
  /** Each point's run record when one came back, else why none did. */
  tasks: Array<{ record: RunRecord | null; error: ReproError | null }>;
  /** exec --verify: the report the node's repro printed (null when none came back: tasks[0].error says why). */
  verify?: (VerifyReport & { dir: string }) | null;
}

/** The bundle, copied into the cache under its content digest, where a node sharing the cache finds it. */
function stagedPath(file: string, digest: string, cache: string): string {
  const ext = bundleExtension(file) ?? '.repro';
  return path.join(cache, 'slurm', `${hexOf(digest)}${ext}`);
}

async function stageBundle(file: string, staged: string): Promise<void> {
  if (await fs.stat(staged).then((s) => s.isFile(), () => false)) return; // the node verifies it anyway
  await fs.mkdir(path.dirname(staged), { recursive: true });
  const temp = tempPathFor(staged);
  await fs.copyFile(file, temp).catch((err) => {
    throw fsError(err, staged, 'cannot stage the bundle in the cache');
  });
  await commitTemp(temp, staged);
}

/** A bundle that needs GPUs is refused before submission when no node of the partition has any. */
async function checkGpus(gpus: number, partition: string | null, ctx: Context): Promise<void> {
  const r = await slurmTool('sinfo', ['--noheader', '--format=%N|%G', ...(partition ? [`--partition=${partition}`] : [])], ctx);
  if (r.code !== 0) throw unreachable(r.stderr) ? notReachableError('sinfo', r) : new ReproError('E_ENV', `sinfo failed: ${r.stderr.trim()}`, { details: { stderr: r.stderr.slice(-2000) } });
  const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
  const withGpu = lines.filter((l) => /(^|,)gpu[:(]/.test(l.split('|')[1] ?? ''));
  if (withGpu.length === 0) {
    throw new ReproError('E_ENV', `this bundle needs ${gpus} GPU${gpus === 1 ? '' : 's'}, and no node of ${partition ? `partition ${partition}` : 'the default partition'} has any (sinfo: ${lines.map((l) => l.replace('|', ' gres=')).join('; ') || 'no nodes'}); nothing was submitted`, {
      hint: 'Choose a partition with GPU nodes (--partition), or rerun where a GPU is.',
      details: { gpus, partition, sinfo: lines },
    });
  }
}

/** How much of a task's Slurm log is read for evidence: the entry point's output goes there, and it may be huge. */
export const LOG_TAIL_BYTES = 16 * 1024;

/** The last lines of a file, reading at most its last LOG_TAIL_BYTES; null when it cannot be read. */
export async function readLogTail(file: string, lines = 15): Promise<string | null> {
  const handle = await fs.open(file, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, LOG_TAIL_BYTES);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } finally {
    await handle.close();
  }
}

const STATE_WORDS: Record<string, string> = {
  CANCELLED: 'was cancelled (scancel)',
  TIMEOUT: 'was killed at its time limit',
  NODE_FAIL: 'lost its node (NODE_FAIL)',
  OUT_OF_MEMORY: 'ran out of memory',
  PREEMPTED: 'was preempted',
  BOOT_FAIL: 'could not boot its node',
  DEADLINE: 'missed its deadline',
  UNKNOWN: 'ended unseen (squeue forgot the job)',
};

/**
 * One task's outcome, from what the node's repro printed (logs/N.json: its --json envelope,
 * written by the batch script's redirect, where the sandboxed entry point can neither see nor
 * write). The run directory is the entry point's own: a run.json there is never read. A record
 * counts only when the node's repro said ok for this bundle and this task's directory; else why
 * not, with the log's tail as evidence.
 */
async function collectTask<T extends object = RunRecord>(jobId: string, jobDir: string, task: number | null, dir: string, state: TaskState | undefined, contentDigest: string, problemOf: (r: T, contentDigest: string, dir: string) => string | null = recordProblem as unknown as (r: T, d: string, dir: string) => string | null): Promise<{ record: T | null; error: ReproError | null }> {
  const text = await fs.readFile(logPath(jobDir, task ?? 0, 'json'), 'utf8').catch(() => null);
  const envelope = text === null ? null : readEnvelope<T>(text);
  const log = await readLogTail(logPath(jobDir, task ?? 0, 'out'));
  const where = { jobId, task: task ?? 0, state: state?.state ?? 'UNKNOWN', node: state?.node ?? null, log: logPath(jobDir, task ?? 0, 'out'), logTail: log ?? '' };
  if (envelope?.ok === true) {
    const problem = problemOf(envelope.result, contentDigest, dir);
    if (problem === null) return { record: envelope.result, error: null };
    return { record: null, error: new ReproError('E_INTEGRITY', `on ${where.node ?? 'the node'}: the result repro printed is not a run record of this task: ${problem}; nothing is recorded for it`, { hint: `See ${where.log}. Something other than the node's repro wrote the job's logs.`, details: where }) };
  }
  const s = state?.state ?? 'UNKNOWN';
  if (envelope?.ok === false && !STATE_WORDS[s]) {
    const code = envelope.error.code as ReproError['code'];
    return { record: null, error: new ReproError(code, `on ${where.node ?? 'the node'}: ${envelope.error.message}`, { hint: envelope.error.hint ?? undefined, details: where }) };
  }
  const why = STATE_WORDS[s] ?? (log === null ? 'left no log: is the job directory on a file system the nodes share?' : `ended ${s} without a result from repro`);
  return {
    record: null,
    error: new ReproError('E_ENV', `Slurm job ${jobId}${task === null ? '' : ` task ${task}`} ${why}${state?.reason ? ` (${state.reason})` : ''}: nothing is recorded for it`, {
      hint: `See ${where.log}. The job directory must be on a file system the nodes share for run records to come back.`,
      details: where,
    }),
  };
}

/** Why a node's result is not this task's run record, or null when it is. */
function recordProblem(r: RunRecord & { runDir?: string }, contentDigest: string, dir: string): string | null {
  if (!r || typeof r !== 'object' || r.kind !== 'repro-run' || r.schemaVersion !== RUN_SCHEMA_VERSION) return 'not a run record of this version';
  if (r.bundle?.contentDigest !== contentDigest) return `it ran ${String(r.bundle?.contentDigest)}, not ${contentDigest}`;
  if (typeof r.runDir !== 'string' || path.resolve(r.runDir) !== path.resolve(dir)) return `it ran in ${String(r.runDir)}, not ${dir}`;
  return null;
}

/** Why a node's result is not this task's exec --verify report, or null when it is. */
function verifyProblem(r: VerifyReport & { dir?: string }, contentDigest: string, dir: string): string | null {
  if (!r || typeof r !== 'object' || r.kind !== 'repro-verify-run' || r.schemaVersion !== 1) return 'not an exec --verify report of this version';
  if (r.bundle?.contentDigest !== contentDigest) return `it ran ${String(r.bundle?.contentDigest)}, not ${contentDigest}`;
  if (typeof r.dir !== 'string' || path.resolve(r.dir) !== path.resolve(dir)) return `it ran in ${String(r.dir)}, not ${dir}`;
  return null;
}

export async function runSlurm(options: SlurmRerunOptions, ctx: Context): Promise<SlurmOutcome | SlurmDryRun> {
  // plan: verify, render every point, check GPUs
  const bundleFile = path.resolve(ctx.cwd, options.exec.bundle);
  const cache = cacheRoot(ctx.env);
  const cached = await openCachedBundle(bundleFile, cache, { limits: options.exec.limits, log: ctx.log, nowMs: ctx.now().getTime() });
  checkExpectedDigest(cached, options.exec.expectDigest, bundleFile);
  const manifest = cached.manifest.project;
  checkBundleOutputs(manifest?.outputs ?? []);
  checkBundleEnv(manifest?.env ?? {});
  for (const point of options.points) renderEntry(manifest, ctx.cwd, { entry: options.exec.entry, params: [...options.exec.params, ...point] });
  const gpus = manifest?.gpu?.required ? manifest.gpu.count : null;
  const resources = parseSlurmResources(options.flags, gpus);
  const sweep = options.axes.length > 0;
  const jobDir = options.out ? path.resolve(ctx.cwd, options.out) : defaultRunDir(ctx.env, `${sweep ? 'sweep' : 'slurm'}-${options.id}`);
  const width = String(options.points.length - 1).length;
  const pointDirs = options.points.map((_, i) => path.join(jobDir, String(i).padStart(width, '0')));
  const plan: BatchPlan = {
    jobName: safeJobName(manifest?.name ?? path.basename(bundleFile)),
    jobDir,
    points: options.points.map((params, i) => ({ dir: pointDirs[i]!, params })),
    maxParallel: options.maxParallel,
    resources,
    repro: options.repro,
    cache,
    staged: stagedPath(bundleFile, cached.contentDigest, cache),
    reference: options.exec.reference ?? null,
    contentDigest: cached.contentDigest,
    task: slurmTaskArgv({
      contentDigest: cached.contentDigest,
      entry: options.exec.entry,
      strict: options.exec.strict,
      network: options.exec.network,
      python: options.exec.python,
      ...(options.exec.pythonEnv ? { pythonEnv: true } : {}),
      ...(options.exec.environment === 'host' ? { environment: 'host' as const } : {}),
      ...(options.exec.allowBuild ? { allowBuild: true } : {}),
      passEnv: options.exec.passEnv,
      limits: options.exec.limits && (options.exec.limits.maxEntries !== DEFAULT_LIMITS.maxEntries || options.exec.limits.maxTotalBytes !== DEFAULT_LIMITS.maxTotalBytes) ? options.exec.limits : null,
      expose: options.exec.expose,
      outputs: options.exec.outputs,
      resources: options.exec.resources ? { ...options.exec.resources, pids: options.exec.resources.pids === DEFAULT_RESOURCE_LIMITS.pids ? null : options.exec.resources.pids } : null,
      verify: options.verify ?? null,
    }),
  };
  const script = batchScript(plan);
  const scriptPath = path.join(jobDir, 'batch.sh');
  const sbatch = ['sbatch', '--parsable', ...resources.extraArgs, scriptPath];
  if (options.dryRun) return { dryRun: true, script, sbatch, jobDir };
  if (gpus) await checkGpus(gpus, resources.partition, ctx);

  // apply: stage, write, submit
  await stageBundle(bundleFile, plan.staged);
  await makeFreshDir(jobDir, sweep ? 'sweep directory' : 'job directory');
  const submitted = await (async () => {
    await fs.mkdir(path.join(jobDir, 'logs'));
    // Each task's -P arguments (fixed, then the point's) in a file only the user can read: the
    // batch script slurmctld stores, and anyone who can read the job directory, sees no value.
    await fs.mkdir(path.join(jobDir, 'args'), { mode: 0o700 });
    for (const [i, point] of options.points.entries()) await writeFileAtomic(argsPath(jobDir, i), slurmTaskParams([...options.exec.params, ...point]), { mode: 0o600 });
    await writeFileAtomic(scriptPath, script);
    const r = await slurmTool('sbatch', sbatch.slice(1), ctx);
    if (r.code !== 0) {
      if (unreachable(r.stderr)) throw notReachableError('sbatch', r);
      const said = r.stderr.trim().split('\n').pop() ?? '';
      throw new ReproError('E_ENV', `sbatch refused the job: ${said}`, {
        hint: /node configuration is not available|gres/i.test(said) ? 'No node can give what the job asks (GPUs, CPUs, memory): ask for less, or choose another --partition.' : 'Nothing was submitted. Check the options (--dry-run prints the script).',
        details: { stderr: r.stderr.slice(-2000), sbatch },
      });
    }
    const jobId = r.stdout.trim().split(';')[0]!;
    if (!/^\d+$/.test(jobId)) throw new ReproError('E_ENV', `sbatch printed no job id: ${JSON.stringify(r.stdout.slice(0, 200))}`, { details: { stdout: r.stdout.slice(0, 2000) } });
    return jobId;
  })().catch(async (err) => {
    await fs.rm(jobDir, { recursive: true, force: true }); // nothing was submitted: leave nothing behind
    throw err;
  });
  const job: SlurmJob = { jobId: submitted, jobDir, script: scriptPath };
  const submittedAtMs = ctx.now().getTime();
  await writeFileAtomic(path.join(jobDir, 'job.json'), canonicalJson({ kind: 'repro-slurm-job', schemaVersion: 1, jobId: job.jobId, bundle: cached.contentDigest, points: options.points.length, submittedAt: new Date(submittedAtMs).toISOString() }));
  ctx.log.info(`slurm: submitted job ${job.jobId} (${options.points.length} task${options.points.length === 1 ? '' : 's'}); runs land in ${jobDir}`);
  const dropHandler = onInterrupt(async () => {
    if (options.cancelOnInterrupt) {
      await cancelJob(job.jobId, ctx).then(() => ctx.log.warn(`slurm: interrupted: job ${job.jobId} cancelled (--cancel-on-interrupt)`), (err: Error) => ctx.log.warn(`slurm: interrupted, and the job could not be cancelled: ${err.message}`));
    } else {
      ctx.log.warn(`slurm: interrupted: job ${job.jobId} keeps running and its runs land in ${jobDir}; cancel it with: scancel ${job.jobId} (or pass --cancel-on-interrupt)`);
    }
  });
  let states: Map<number, TaskState>;
  try {
    states = await waitForJob({ jobId: job.jobId, tasks: options.points.length, queueTimeoutMs: options.queueTimeoutMs, submittedAtMs, ...(options.pollMs ? { pollMs: options.pollMs } : {}) }, ctx);
  } finally {
    dropHandler();
  }
  if (wasInterrupted()) throw new ReproError('E_ENV', 'interrupted: the job was left or cancelled before it ended, so no summary is written', { details: { jobId: job.jobId, jobDir } });

  // collect
  if (options.verify) {
    const state = states.get(0);
    const { record, error } = await collectTask<VerifyReport & { dir: string }>(job.jobId, jobDir, null, pointDirs[0]!, state, cached.contentDigest, verifyProblem);
    const summary = summarize(options.id, options.axes, [pointResult(0, {}, pointDirs[0]!, null, error ?? new ReproError('E_ENV', 'exec --verify: no run record'), { node: state?.node ?? null, slurm: { jobId: job.jobId, task: 0, state: state?.state ?? 'UNKNOWN', reason: state?.reason ?? null } })]);
    return { job, summary, tasks: [{ record: null, error }], verify: record };
  }
  const results: SweepPointResult[] = [];
  const tasks: SlurmOutcome['tasks'] = [];
  for (const [i, point] of options.points.entries()) {
    const state = states.get(i);
    const { record, error } = await collectTask(job.jobId, jobDir, sweep ? i : null, pointDirs[i]!, state, cached.contentDigest);
    tasks.push({ record, error });
    results.push(pointResult(i, Object.fromEntries(point), pointDirs[i]!, record, error, { node: state?.node ?? null, slurm: { jobId: job.jobId, task: i, state: state?.state ?? 'UNKNOWN', reason: state?.reason ?? null } }));
  }
  const summary = sweep ? await writePlots(jobDir, summarize(options.id, options.axes, results)) : summarize(options.id, options.axes, results);
  if (sweep) await writeFileAtomic(path.join(jobDir, 'summary.json'), canonicalJson(summary));
  return { job, summary, tasks };
}

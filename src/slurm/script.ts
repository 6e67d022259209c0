// The batch script a Slurm rerun submits: one task per point, each running repro itself on its
// node (`repro exec BUNDLE --backend local`), so verification, the node's drift check, the
// sandbox, the outputs and run.json happen where the work happens. A pure function of its plan:
// the same plan gives the same bytes (a reviewer can diff two; --dry-run prints it). Every value
// the user or the bundle chose is single-quoted; the #SBATCH values were checked in
// resources.ts, and paths that cannot be written on a #SBATCH line are refused here.
import { ReproError } from '../core/errors.js';
import { shlexQuote } from '../project/python-format.js';
import type { SlurmResources } from './resources.js';
import type { ShellWord } from '../core/self-invocation.js';

export interface BatchPoint {
  /** The point's run directory (absolute); the node's exec creates it. */
  dir: string;
  /** The swept parameters of this point. */
  params: Array<[string, string]>;
}

export interface BatchPlan {
  /** A name for squeue (the bundle's name, made safe). */
  jobName: string;
  /** Where the script, the logs and the points' run directories live (absolute, shared). */
  jobDir: string;
  points: BatchPoint[];
  /** Tasks running at once (an array's %N); null: as many as Slurm allows. */
  maxParallel: number | null;
  resources: SlurmResources;
  /** How the node starts repro: argv (absolute paths). */
  repro: string[];
  /** REPRO_CACHE on the node. */
  cache: string;
  /** The bundle, staged in the cache by its content digest. */
  staged: string;
  /** The registry reference (with digest) the node pulls when the staged file is not there. */
  reference: string | null;
  contentDigest: string;
  /** What each task runs after repro itself: core/self-invocation.ts slurmTaskArgv. */
  task: ShellWord[];
}

/** Where task N's Slurm log (out) and the node's exec result (json) go. */
export const logPath = (jobDir: string, task: number | string, ext: 'out' | 'json') => `${jobDir}/logs/${task}.${ext}`;

/** Where task N's -P arguments are (NUL-separated, mode 0600): never in the script itself. */
export const argsPath = (jobDir: string, task: number | string) => `${jobDir}/args/${task}`;

function sbatchPath(jobDir: string, file: string): string {
  if (/["\\%\n\r\0]/.test(jobDir)) throw new ReproError('E_USAGE', `the job directory ${JSON.stringify(jobDir)} cannot be written on a #SBATCH line (it holds ", \\, % or a line break)`, { hint: 'Choose a job directory without those characters (--out).', details: { path: jobDir } });
  return `"${jobDir}/${file}"`;
}

/**
 * One shell word for any string. Values with control characters are written $'…' (bash's
 * ANSI-C quoting, every such byte escaped), so no value can start a new line of the script,
 * where a `#SBATCH` would be read as a directive.
 */
export function q(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f\x7f]/.test(value)) return shlexQuote(value);
  // eslint-disable-next-line no-control-regex
  return `$'${value.replace(/[\\'\x00-\x1f\x7f]/g, (c) => (c === '\\' || c === "'" ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`))}'`;
}

export function safeJobName(name: string): string {
  return `repro-${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 48) || 'bundle'}`;
}

export function batchScript(plan: BatchPlan): string {
  const r = plan.resources;
  const array = plan.points.length > 1;
  const directives = [
    `--job-name=${plan.jobName}`,
    `--output=${sbatchPath(plan.jobDir, `logs/${array ? '%a' : 0}.out`)}`,
    ...(array ? [`--array=0-${plan.points.length - 1}${plan.maxParallel ? `%${plan.maxParallel}` : ''}`] : []),
    '--no-requeue',
    ...(r.partition ? [`--partition=${r.partition}`] : []),
    ...(r.time ? [`--time=${r.time}`] : []),
    ...(r.cpus ? [`--cpus-per-task=${r.cpus}`] : []),
    ...(r.mem ? [`--mem=${r.mem}`] : []),
    ...(r.gpus ? [`--gres=gpu:${r.gpus}`] : []),
    ...(r.account ? [`--account=${r.account}`] : []),
    ...(r.qos ? [`--qos=${r.qos}`] : []),
  ];
  const cases = plan.points.map((p, i) => `  ${i}) dir=${q(p.dir)} ;;`);
  const missing = plan.reference
    ? `  bundle=${q(plan.reference)} # not on a file system this node shares: pulled by digest\n`
    : '  echo "repro: the bundle is not on this node: $bundle (REPRO_CACHE must be on a file system the nodes share, or rerun a registry reference)" >&2\n  exit 3\n';
  const execLine = [
    'exec', ...plan.repro.map(q), ...plan.task.map((w) => (typeof w === 'string' ? q(w) : w.shell)),
    '>', `${q(`${plan.jobDir}/logs/`)}"$task.json"`,
  ].join(' ');
  return `#!/bin/bash
# repro exec --backend slurm: reruns bundle ${plan.contentDigest}, one task per point.
# Each task runs repro on its node, which verifies the bundle, checks the node against its
# snapshot, runs the entry point in the local sandbox and writes run.json. Written by repro:
# the same inputs give the same bytes.
${directives.map((d) => `#SBATCH ${d}`).join('\n')}
set -u
task="\${SLURM_ARRAY_TASK_ID:-0}"
case "$task" in
${cases.join('\n')}
  *) echo "repro: this job has no task $task" >&2; exit 2 ;;
esac
# The task's -P arguments, from a file only the user can read (values are not in this script).
args=${q(`${plan.jobDir}/args/`)}"$task"
if [ ! -r "$args" ]; then
  echo "repro: the task's arguments file $args is missing (repro exec --backend slurm writes it when it submits; --dry-run writes nothing)" >&2
  exit 3
fi
mapfile -d '' -t params < "$args"
bundle=${q(plan.staged)}
if [ ! -r "$bundle" ]; then
${missing}fi
export REPRO_CACHE=${q(plan.cache)}
${execLine}
`;
}

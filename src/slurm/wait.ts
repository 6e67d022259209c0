// Waiting for a submitted job: squeue is asked, less and less often, until every task is in a
// terminal state. A job that has not started within --queue-timeout is cancelled (never left to
// start behind the user's back) and reported; a task squeue no longer knows is UNKNOWN, and its
// run record, if any came back, decides.
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { parseQueue, QUEUE_FORMAT, TERMINAL_STATES, type TaskState } from './queue.js';
import { notReachableError, slurmTool, unreachable } from './tools.js';

export interface WaitOptions {
  jobId: string;
  tasks: number;
  /** Cancel the job if no task has started this long after submission. */
  queueTimeoutMs: number | null;
  submittedAtMs: number;
  /** Shortest and longest pause between two squeue calls. */
  pollMs?: { first: number; max: number };
}

/** squeue failures in a row tolerated while waiting (a controller restarting) before giving up. */
const MAX_QUEUE_FAILURES = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function cancelJob(jobId: string, ctx: Context): Promise<void> {
  const r = await slurmTool('scancel', [jobId], ctx);
  if (r.code !== 0) throw new ReproError('E_ENV', `scancel ${jobId} failed: ${r.stderr.trim()}`, { details: { jobId, stderr: r.stderr.slice(-2000) } });
}

export async function waitForJob(options: WaitOptions, ctx: Context): Promise<Map<number, TaskState>> {
  // A pause of 5% of the time waited so far, within bounds: a job's end is seen at most ~5% late,
  // and a long job costs the controller one squeue every few seconds, not a stream of them.
  const poll = options.pollMs ?? { first: 250, max: 5000 };
  let failures = 0;
  let started = false;
  let last = '';
  let states = new Map<number, TaskState>();
  for (;;) {
    const r = await slurmTool('squeue', ['--noheader', '--states=all', `--jobs=${options.jobId}`, `--Format=${QUEUE_FORMAT}`], ctx);
    if (r.code !== 0 && /Invalid job id/i.test(r.stderr)) {
      // The controller forgot the job (MinJobAge passed): whatever was not seen finished is unknown.
      for (let t = 0; t < options.tasks; t++) if (!TERMINAL_STATES.has(states.get(t)?.state ?? '')) states.set(t, { task: t, state: 'UNKNOWN', reason: 'squeue no longer lists the job', node: states.get(t)?.node ?? null, exitCode: null });
      return states;
    }
    if (r.code !== 0) {
      if (++failures > MAX_QUEUE_FAILURES) throw Object.assign(notReachableError('squeue', r), { hint: `Job ${options.jobId} was submitted and may still run: check it with squeue -j ${options.jobId}, cancel it with scancel ${options.jobId}.` });
      if (!unreachable(r.stderr)) ctx.log.warn(`slurm: squeue failed (${r.stderr.trim()}); asking again`);
    } else {
      failures = 0;
      states = new Map([...states, ...parseQueue(r.stdout, options.tasks)]);
      const counts: Record<string, number> = {};
      let done = 0;
      for (let t = 0; t < options.tasks; t++) {
        const s = states.get(t)?.state ?? 'PENDING';
        counts[s] = (counts[s] ?? 0) + 1;
        if (s !== 'PENDING') started = true;
        if (TERMINAL_STATES.has(s)) done++;
      }
      const line = Object.entries(counts).sort().map(([s, n]) => `${n} ${s.toLowerCase()}`).join(', ');
      if (line !== last) ctx.log.info(`slurm: job ${options.jobId}: ${line}`);
      last = line;
      if (done === options.tasks) return states;
    }
    if (!started && options.queueTimeoutMs !== null && ctx.now().getTime() - options.submittedAtMs > options.queueTimeoutMs) {
      const reason = states.get(0)?.reason ?? 'unknown';
      await cancelJob(options.jobId, ctx);
      throw new ReproError('E_ENV', `job ${options.jobId} was still pending after --queue-timeout ${options.queueTimeoutMs / 1000} s (Slurm's reason: ${reason}); it was cancelled, nothing ran`, {
        hint: 'Ask for less (--partition, --time, --cpus, --mem), or wait longer with a larger --queue-timeout.',
        details: { jobId: options.jobId, reason, queueTimeoutMs: options.queueTimeoutMs },
      });
    }
    await sleep(Math.min(poll.max, Math.max(poll.first, Math.round((ctx.now().getTime() - options.submittedAtMs) * 0.05))));
  }
}

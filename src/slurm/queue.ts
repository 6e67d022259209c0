// What squeue says of a submitted job, read task by task. One line per task that started, and
// one line for a range of tasks that have not (`2-5%2`, `[0,3-4]`); a job without an array is
// task 0. States are Slurm's own words; a task is done once its state is terminal.
import { ReproError } from '../core/errors.js';

/** The squeue --Format fields read, in order, `|`-separated. */
export const QUEUE_FORMAT = 'ArrayJobID:|,ArrayTaskID:|,State:|,Reason:|,NodeList:|,exit_code:';

export const TERMINAL_STATES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'SPECIAL_EXIT', 'REVOKED']);

export interface TaskState {
  task: number;
  state: string;
  reason: string | null;
  node: string | null;
  /** The batch script's exit status as Slurm saw it (repro's own, on the node). */
  exitCode: number | null;
}

/** `2-5%2`, `[0,3-4]`, `7`, `N/A` (no array: task 0) → task numbers. */
export function parseTaskRange(spec: string, max: number): number[] {
  if (spec === 'N/A') return [0];
  const body = spec.replace(/^\[/, '').replace(/%\d+\]?$/, '').replace(/\]$/, '');
  const tasks: number[] = [];
  for (const part of body.split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part);
    if (!m) throw new ReproError('E_ENV', `squeue printed a task range repro cannot read: ${JSON.stringify(spec)}`, { details: { spec } });
    const [a, b, step] = [Number(m[1]), m[2] === undefined ? Number(m[1]) : Number(m[2]), m[3] === undefined ? 1 : Number(m[3])];
    for (let t = a; t <= Math.min(b, max); t += step) tasks.push(t);
  }
  return tasks;
}

/** Parses squeue's output for one job of `tasks` tasks; a task squeue no longer lists is absent. */
export function parseQueue(text: string, tasks: number): Map<number, TaskState> {
  const states = new Map<number, TaskState>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [, taskSpec = '', state = '', reason = '', node = '', exit = ''] = line.split('|').map((f) => f.trim());
    const exitCode = /^\d+/.test(exit) ? Number(/^\d+/.exec(exit)![0]) : null;
    for (const task of parseTaskRange(taskSpec, tasks - 1)) {
      states.set(task, { task, state: state.split(/\s/)[0]!, reason: reason === '' || reason === 'None' ? null : reason, node: node === '' ? null : node, exitCode });
    }
  }
  return states;
}

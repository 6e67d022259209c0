// Slurm's own commands (sbatch, squeue, scancel, sinfo), run as child processes with a time
// limit. They read SLURM_CONF and the rest of the caller's environment as they would in a shell.
// A command that is not installed, or a controller that does not answer, is E_ENV with what
// the command said as evidence; nothing else here decides anything.
import { execFile } from 'node:child_process';
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';

/** How long one Slurm command may take (sbatch retries an unreachable controller for a while). */
const TOOL_TIMEOUT_MS = 60_000;

export interface ToolResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function slurmTool(name: 'sbatch' | 'squeue' | 'scancel' | 'sinfo', args: string[], ctx: Context): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(name, args, { cwd: ctx.cwd, env: ctx.env as NodeJS.ProcessEnv, timeout: TOOL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: string | number; killed?: boolean }) | null;
      if (e && e.code === 'ENOENT') {
        reject(new ReproError('E_ENV', `${name} is not installed here: the Slurm backend submits from a machine with Slurm's client commands`, { hint: 'Run repro on a login node of the cluster, or install slurm-client and point SLURM_CONF at the cluster.', details: { command: name } }));
        return;
      }
      if (e && e.killed) {
        reject(new ReproError('E_ENV', `${name} did not answer within ${TOOL_TIMEOUT_MS / 1000} s: Slurm is not reachable`, { hint: 'Check that slurmctld runs and SLURM_CONF names it (sinfo).', details: { command: name, args, stderr: stderr.slice(-2000) } }));
        return;
      }
      resolve({ stdout, stderr, code: e ? (typeof e.code === 'number' ? e.code : 1) : 0 });
    });
  });
}

/** Slurm's words for "the controller is not there". */
export function unreachable(stderr: string): boolean {
  return /Unable to contact slurm controller|Unable to establish control machine|Connection refused|Could not establish a configuration source|Zero Bytes were transmitted|Socket timed out|munge/i.test(stderr);
}

export function notReachableError(command: string, r: ToolResult): ReproError {
  return new ReproError('E_ENV', `Slurm is not reachable: ${command} said: ${r.stderr.trim().split('\n').pop() ?? ''}`, {
    hint: 'Check that slurmctld runs and that SLURM_CONF names it (sinfo); nothing was submitted.',
    details: { command, exitCode: r.code, stderr: r.stderr.slice(-2000) },
  });
}

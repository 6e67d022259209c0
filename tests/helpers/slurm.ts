// The one-node Slurm cluster scripts/test-setup.sh starts (scripts/slurm-test-env.sh): its
// slurm.conf is named in .cache/slurm-conf. Outside CI a machine without it skips the Slurm
// tests with the reason; under CI its absence is a failure.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';

const FILE = path.join(REPO_ROOT, '.cache', 'slurm-conf');
export const SLURM_CONF: string | null = existsSync(FILE) ? readFileSync(FILE, 'utf8').trim() || null : null;
export const SLURM_REASON = 'no Slurm test cluster (scripts/test-setup.sh needs root and Debian\'s slurmctld, slurmd, munge)';
export const SKIP_SLURM = SLURM_CONF === null && process.env.CI !== 'true';

export function slurm(cmd: string, ...args: string[]): string {
  if (!SLURM_CONF) throw new Error(SLURM_REASON);
  return execFileSync(cmd, args, { env: { ...process.env, SLURM_CONF }, encoding: 'utf8' });
}

/** The job's state, as squeue prints it for its first task. */
export function jobState(jobId: string): string {
  return slurm('squeue', '--noheader', '--states=all', `--jobs=${jobId}`, '--Format=State').trim().split('\n')[0]!.trim();
}

/** The jobs of a given name that squeue still knows, newest first. */
export function jobsNamed(name: string): string[] {
  return slurm('squeue', '--noheader', '--states=all', `--name=${name}`, '--Format=ArrayJobID').split('\n').map((l) => l.trim()).filter(Boolean).sort((a, b) => Number(b) - Number(a));
}

export async function until<T>(what: string, fn: () => T | null | undefined | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

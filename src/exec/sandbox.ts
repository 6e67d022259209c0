// The local backend's sandbox: bubblewrap (Debian's `bubblewrap`). The entry point sees the host
// read-only, with home directories hidden, a private /tmp, no network unless --network, and only
// the run directory writable; it gets a clean environment (an allowlist, the manifest's env, and
// what the user passes on purpose with --env NAME), which the run record keeps.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { findOnPath } from '../snapshot/run-tool.js';

export interface Sandbox {
  kind: 'bubblewrap';
  bwrap: string;
}

/** Variables of this machine an entry point gets without asking: none that can hold a secret. */
export const ENV_ALLOWLIST = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'LC_NUMERIC', 'TZ', 'TERM'] as const;

/** bubblewrap, when it is installed and works here (user namespaces allowed), or why not. */
export async function findSandbox(env: Readonly<Record<string, string | undefined>>): Promise<Sandbox | { reason: string }> {
  const bwrap = await findOnPath('bwrap', env.PATH);
  if (!bwrap) return { reason: 'bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)' };
  const probe = spawnSync(bwrap, ['--ro-bind', '/', '/', '--dev', '/dev', '--unshare-all', '--die-with-parent', '/bin/true'], { timeout: 5000, encoding: 'utf8' });
  if (probe.status !== 0) return { reason: `bubblewrap does not work here: ${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}` };
  return { kind: 'bubblewrap', bwrap };
}

/** The variables of `host` named in `names` that are set. */
export function pickEnvironment(host: Readonly<Record<string, string | undefined>>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) if (host[name] !== undefined) out[name] = host[name]!;
  return out;
}

/** The environment an entry point runs with, on either local flavour. */
export function cleanEnvironment(host: Readonly<Record<string, string | undefined>>, manifestEnv: Readonly<Record<string, string>>, passed: readonly string[]): Record<string, string> {
  return { ...pickEnvironment(host, [...ENV_ALLOWLIST, ...passed]), HOME: '/tmp', ...manifestEnv };
}

export interface SandboxedCommand {
  runDir: string;
  workDir: string;
  network: string;
  env: Record<string, string>;
  /** The shell and its -c (bash for MLflow's rules, /bin/sh for repro.yaml). */
  shell: readonly string[];
  command: string;
  /** Files and directories the user named as path parameters: bound read-only at the same place. */
  readPaths: readonly string[];
}

/** The bwrap argument list that runs `command` under its shell in the sandbox. */
export function sandboxArgs(run: SandboxedCommand, home: string | undefined): string[] {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  // No home directory: the user's (and every user's) is hidden behind an empty tmpfs.
  for (const dir of new Set(['/root', '/home', ...(home && path.isAbsolute(home) && home !== '/' ? [home] : [])])) args.push('--tmpfs', dir);
  // What the user named in a path parameter is readable where the command was told it is, even
  // under a hidden home or /tmp; never what a bundle's default names.
  for (const p of run.readPaths) args.push('--ro-bind', p, p);
  args.push('--bind', run.runDir, run.runDir, '--chdir', run.workDir, '--unshare-all');
  if (run.network !== 'none') args.push('--share-net');
  args.push('--die-with-parent', '--new-session', '--clearenv');
  for (const [k, v] of Object.entries(run.env)) args.push('--setenv', k, v);
  args.push(...run.shell, run.command);
  return args;
}

// Spawns the built `repro` binary (dist/cli/bin.js) the way a user would, and returns the
// exit code with stdout and stderr kept apart.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'bin.js');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  json: () => { schemaVersion: number; command: string; ok: boolean; result?: any; error?: any };
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  node?: string;
  uid?: number;
  gid?: number;
  umask?: string;
  /** A program the binary runs under (taskset -c 0). */
  prefix?: string[];
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const node = options.node ?? process.execPath;
  const env = { ...process.env, ...options.env } as NodeJS.ProcessEnv;
  for (const [k, v] of Object.entries(options.env ?? {})) if (v === undefined) delete env[k];
  const [cmd, argv] = options.umask
    ? ['/bin/sh', ['-c', `umask ${options.umask} && exec "$@"`, 'sh', node, CLI, ...args]]
    : options.prefix?.length
      ? [options.prefix[0]!, [...options.prefix.slice(1), node, CLI, ...args]]
      : [node, [CLI, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, argv as string[], { cwd: options.cwd ?? REPO_ROOT, env, uid: options.uid, gid: options.gid, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, json: () => JSON.parse(stdout) }),
    );
  });
}

/**
 * Tests that run the binary as nobody (uid 65534) need the node binary and the checkout to be
 * reachable by other users: every parent directory must be traversable (o+x). A checkout under
 * a private directory (mktemp -d makes 0700 ones) fails here with that reason, not with EACCES.
 */
export function assertOthersCanRun(): void {
  for (const target of [process.execPath, CLI]) {
    let dir = path.dirname(target);
    while (dir !== path.dirname(dir)) {
      if ((statSync(dir).mode & 0o001) === 0) throw new Error(`${dir} is not traversable by other users (chmod o+x), so the binary cannot be run as nobody from ${target}`);
      dir = path.dirname(dir);
    }
  }
}

// Runs an external tool (nvidia-smi, nvcc, python, git) with a time limit, never through a
// shell. Absent tools, non-zero exits, time-outs and garbage are results, not exceptions, so
// one failing probe never stops a snapshot.
import { spawn } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';

export type ToolResult =
  | { ok: true; stdout: string; stderr: string }
  | { ok: false; status: 'absent' | 'failed' | 'timeout'; reason: string; stdout?: string; stderr?: string };

export interface ToolOptions {
  timeoutMs: number;
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  input?: string;
  /** Cap on captured output, in bytes per stream. */
  maxBytes?: number;
}

export function runTool(command: string, args: readonly string[], options: ToolOptions): Promise<ToolResult> {
  const max = options.maxBytes ?? 64 << 20;
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env as NodeJS.ProcessEnv | undefined,
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (err) {
      resolve({ ok: false, status: 'failed', reason: `${command}: ${(err as Error).message}` });
      return;
    }
    const out: Buffer[] = [];
    const errs: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    let settled = false;
    const finish = (r: ToolResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the whole process group: wrappers and their children
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      if (outBytes < max) out.push(d);
      outBytes += d.length;
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (errBytes < max) errs.push(d);
      errBytes += d.length;
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    child.on('error', (err: NodeJS.ErrnoException) => {
      finish({ ok: false, status: err.code === 'ENOENT' ? 'absent' : 'failed', reason: err.code === 'ENOENT' ? `${command} not found` : `${command}: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(errs).toString('utf8');
      if (timedOut) finish({ ok: false, status: 'timeout', reason: `${command} did not finish within ${options.timeoutMs} ms`, stdout, stderr });
      else if (code === 0) finish({ ok: true, stdout, stderr });
      else finish({ ok: false, status: 'failed', reason: `${command} exited with ${code ?? signal}${firstLine(stderr)}`, stdout, stderr });
    });
  });
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '');
  return line ? `: ${line.trim().slice(0, 200)}` : '';
}

/** The executable a shell would run for `name`: the first one on PATH, or null. */
export async function findOnPath(name: string, pathVar: string | undefined): Promise<string | null> {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (await fs.access(candidate, fsConstants.X_OK).then(() => true).catch(() => false)) return candidate;
  }
  return null;
}

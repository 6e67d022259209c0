// The local backend: the entry point's command through its shell (bash for an MLproject, as
// mlflow run does; /bin/sh for repro.yaml) in the run's copy of the
// project, inside the bubblewrap sandbox (sandbox.ts) unless the user accepted running it
// unconfined, always with a clean environment; output streamed live; the exit code (or
// 128+signal) passed back; Ctrl-C/SIGTERM stop the whole process group.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { onInterrupt } from '../core/cleanup.js';
import type { Context } from '../core/context.js';
import { ReproError, fsError } from '../core/errors.js';
import { TIMED_OUT_EXIT, type BackendResult, type BackendRun, type ResourceLimits } from './backend.js';
import { INTERPRETER_BIN, INTERPRETER_NAMES, interpreterShim, sandboxInvocation, type Sandbox } from './sandbox.js';
import { copyProject, copyProjectReordered } from './workdir.js';
import { signalExitCode } from '../core/signals.js';
import { measureUsage, type RunUsage } from './usage.js';
import { TreeChanged } from './env-cache.js';

/**
 * Copies the project into the run's scratch directory, makes the outputs' directories, runs the
 * command (only the scratch directory is writable in the sandbox). `alongside`: a reused
 * environment's check, run beside the copy and the start of the run (in the sandbox): when it
 * fails, the run is killed, its folder removed, and TreeChanged thrown.
 */
export async function runLocalBackend(run: BackendRun, sandbox: Sandbox | null, ctx: Context, alongside?: { check: () => Promise<boolean>; dir: string }): Promise<BackendResult> {
  const stop = new AbortController();
  const checked = alongside
    ?.check()
    .catch(() => false)
    .then((ok) => {
      if (!ok) stop.abort();
      return ok;
    });
  let result: BackendResult | undefined;
  let failure: unknown = null;
  try {
    result = await runLocalBackendAs(run, sandbox, ctx, stop.signal);
  } catch (err) {
    failure = err;
  }
  // The check's verdict first: a run it stopped is no result, whatever it ended with.
  if (checked && !(await checked)) {
    await fs.rm(run.runDir, { recursive: true, force: true });
    throw new TreeChanged('the locked environment', alongside!.dir);
  }
  if (failure !== null) throw failure;
  return result!;
}

async function runLocalBackendAs(run: BackendRun, sandbox: Sandbox | null, ctx: Context, signal: AbortSignal): Promise<BackendResult> {
  const copy = run.conditions?.reorderedCopyIn
    ? copyProjectReordered(run.projectDir, run.workDir).then(async (order) => {
        ctx.log.info(`exec: the project copied in reverse listing order onto a tmpfs: ${order.reordered} of ${order.folders} folders of two or more entries list in another order`);
        if (run.seenAt) await fs.mkdir(run.seenAt, { recursive: true }); // where the sandbox shows it
      })
    : copyProject(run.projectDir, run.workDir);
  await copy
    .then(async () => {
      for (const d of run.outputDirs) await fs.mkdir(path.join(run.workDir, d), { recursive: true });
      // The locked node_modules is the project's: in the sandbox a read-only mount over this
      // folder, unconfined a link to it; either made before the copy is done, so it is no output.
      if (run.nodeModules) {
        const at = path.join(run.workDir, 'node_modules');
        await fs.rm(at, { recursive: true, force: true });
        if (sandbox) await fs.mkdir(at);
        else await fs.symlink(run.nodeModules, at);
      }
    })
    .catch(async (err) => {
      await fs.rm(run.runDir, { recursive: true, force: true }); // nothing ran: leave nothing behind
      throw fsError(err, run.workDir, 'cannot copy the project into the run directory', { space: 'Free some space, or pass --out on a larger disk.' });
    });
  const copiedAt = Date.now();
  // In the sandbox, bwrap starts with its own fixed environment and reads its arguments and the
  // command from pipes; unconfined (--no-sandbox, which the user chose), the shell gets the run's.
  const ids = callerIds(run.user);
  const limits = await rlimitPrefix(run.resources, ids.uid);
  const { notEnforced } = limits;
  // --verify's CPU affinity: util-linux's taskset in front of the shell (inside the sandbox too).
  const prefix = run.conditions?.cpus ? [TASKSET, '-c', run.conditions.cpus, ...limits.prefix] : limits.prefix;
  // `python` and `python3` run the interpreter exec planned, first on PATH: in the sandbox from
  // INTERPRETER_BIN, unconfined from shims in the run's scratch directory.
  const bin = sandbox ? INTERPRETER_BIN : path.join(path.dirname(run.workDir), 'bin');
  // Where the entry point works: its copy, or (the reordered copy) the usual path it is shown at.
  const seen = sandbox && run.seenAt ? run.seenAt : run.workDir;
  if (run.interpreter && !sandbox) await writeShims(bin, run.interpreter.path);
  const env = run.interpreter ? { ...run.env, PATH: [bin, run.env.PATH].filter(Boolean).join(':') } : run.env;
  const invocation = sandbox
    ? sandboxInvocation(
        sandbox.bwrap,
        {
          runDir: path.dirname(seen),
          workDir: seen,
          network: run.network,
          env,
          shell: run.shell,
          command: run.command,
          readPaths: run.readPaths,
          prefix,
          interpreter: run.interpreter ?? undefined,
          // The reordered copy first, then the locked node_modules over its folder.
          overlays: [...(run.seenAt ? [{ source: run.workDir, dest: seen, writable: true }] : []), ...(run.nodeModules ? [{ source: run.nodeModules, dest: path.join(seen, 'node_modules') }] : [])],
          ...(run.conditions?.hostname ? { hostname: run.conditions.hostname } : {}),
        },
        ids,
      )
    : { argv: [...prefix, ...run.shell, run.command], env, fds: [] };
  const { exitCode, timedOut, usage } = await runLocal({ argv: invocation.argv, command: run.command, cwd: run.workDir, env: invocation.env, fds: invocation.fds, stdout: run.stdout, stderr: run.stderr, timeLimitMs: run.resources.timeLimitMs, signal });
  return { exitCode, image: null, notEnforced, timedOut, copiedAt, usage };
}

/** `python` and `python3` shims running `python`, for an unconfined run. */
async function writeShims(dir: string, python: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const name of INTERPRETER_NAMES) await fs.writeFile(path.join(dir, name), interpreterShim(python), { mode: 0o555 });
}

const PRLIMIT = '/usr/bin/prlimit';
/** util-linux's taskset, which --verify's affinity variation puts in front of the shell. */
export const TASKSET = '/usr/bin/taskset';

/**
 * The limits a local run can have without cgroups: processes and file size as rlimits, set by
 * util-linux's prlimit in front of the shell (inside the sandbox, /usr is the host's). Memory
 * needs a cgroup, which the local backend does not make; and the kernel does not count
 * processes against RLIMIT_NPROC for root.
 */
async function rlimitPrefix(limits: ResourceLimits, uid: number): Promise<{ prefix: string[]; notEnforced: string[] }> {
  const notEnforced: string[] = [];
  if (limits.memoryBytes !== null) notEnforced.push('memory: the local backend makes no cgroup (use --backend docker to bound memory)');
  const want: string[] = [];
  if (limits.pids !== null) {
    if (uid === 0) notEnforced.push('pids: the kernel does not count processes against a limit for root');
    else want.push(`--nproc=${limits.pids}`);
  }
  if (limits.fileSizeBytes !== null) want.push(`--fsize=${limits.fileSizeBytes}`);
  if (want.length === 0) return { prefix: [], notEnforced };
  const has = await fs.access(PRLIMIT).then(() => true, () => false);
  if (!has) return { prefix: [], notEnforced: [...notEnforced, ...want.map((w) => `${w.slice(2).split('=')[0]}: ${PRLIMIT} (util-linux) is not installed`)] };
  return { prefix: [PRLIMIT, ...want, '--'], notEnforced };
}

/** The caller's uid and gid from BackendRun.user ("uid:gid"), for the sandbox's /etc/passwd. */
function callerIds(user: string): { uid: number; gid: number } {
  const [uid, gid] = user.split(':').map((n) => Number(n));
  return { uid: Number.isSafeInteger(uid) ? uid! : 0, gid: Number.isSafeInteger(gid) ? gid! : 0 };
}

export interface LocalRun {
  /** The program and its arguments: SHELL -c COMMAND, or bwrap ... SHELL -c COMMAND. */
  argv: string[];
  command: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** What the program reads from fd 3, 4, …: each written whole, then closed. */
  fds?: Buffer[];
  /** What it reads on stdin, as it comes (default: nothing; stdin is /dev/null). */
  stdin?: NodeJS.ReadableStream;
  /** Wall time: past it, the group gets SIGTERM, then SIGKILL, and the run ends with exit 124. */
  timeLimitMs?: number | null;
  /** Aborted: the whole group gets SIGKILL at once (a check beside the run found it untrustworthy). */
  signal?: AbortSignal;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** How long the output of an entry point that has exited may still take to arrive. */
const STREAM_GRACE_MS = 1000;

/** How long an interrupted entry point has to end after SIGTERM before its group gets SIGKILL. */
const KILL_AFTER_MS = 2000;

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  try {
    if (pid !== undefined) process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function groupAlive(pid: number | undefined): boolean {
  try {
    return pid !== undefined && process.kill(-pid, 0);
  } catch {
    return false;
  }
}

export function runLocal(run: LocalRun): Promise<{ exitCode: number; timedOut: boolean; usage: RunUsage }> {
  return new Promise((resolve, reject) => {
    const fds = run.fds ?? [];
    const child = spawn(run.argv[0]!, run.argv.slice(1), { cwd: run.cwd, env: run.env as NodeJS.ProcessEnv, stdio: [run.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', ...fds.map(() => 'pipe' as const)], detached: true });
    if (run.stdin) {
      child.stdin!.on('error', () => {}); // a program that exits before reading: its own exit status says why
      run.stdin.pipe(child.stdin!);
    }
    const usage = measureUsage(child.pid);
    fds.forEach((bytes, i) => {
      const pipe = child.stdio[3 + i] as NodeJS.WritableStream | null;
      pipe?.on('error', () => {}); // a program that exits before reading: its own exit status says why
      pipe?.end(bytes);
    });
    // Ctrl-C/SIGTERM: the whole process group gets SIGTERM, and SIGKILL if any of it is still
    // there after a grace period, so an entry point that ignores SIGTERM cannot outlive exec.
    const stopGroup = async () => {
      signalGroup(child.pid, 'SIGTERM');
      for (let waited = 0; waited < KILL_AFTER_MS && groupAlive(child.pid); waited += 100) await new Promise((r) => setTimeout(r, 100));
      if (groupAlive(child.pid)) signalGroup(child.pid, 'SIGKILL');
    };
    const kill = () => signalGroup(child.pid, 'SIGKILL');
    if (run.signal?.aborted) kill();
    else run.signal?.addEventListener('abort', kill, { once: true });
    const unregisterInterrupt = onInterrupt(stopGroup);
    const unregister = () => {
      unregisterInterrupt();
      run.signal?.removeEventListener('abort', kill);
    };
    let timedOut = false;
    const limit = run.timeLimitMs
      ? setTimeout(() => {
          timedOut = true;
          void stopGroup();
        }, run.timeLimitMs)
      : null;
    child.stdout!.pipe(run.stdout, { end: false });
    child.stderr!.pipe(run.stderr, { end: false });
    child.on('error', (err) => {
      usage.stop();
      unregister();
      if (limit) clearTimeout(limit);
      reject(new ReproError('E_ENV', `cannot start the entry point: ${err.message}`, { hint: `Is ${run.argv[0]} installed? (MLproject commands run under bash, as in mlflow run; repro.yaml ones under /bin/sh.)`, details: { command: run.command } }));
    });
    // The run ends when the entry point's process does. Its output gets STREAM_GRACE_MS to drain;
    // then whatever still holds the pipes (a grandchild that left the process group with setsid
    // under --no-sandbox) is cut off, and what is left of the group is killed: it cannot keep
    // exec waiting.
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      unregister();
      if (limit) clearTimeout(limit);
      resolve({ exitCode: timedOut ? TIMED_OUT_EXIT : (code ?? (signal ? signalExitCode(signal) : 129)), timedOut, usage: usage.stop() });
    };
    child.on('exit', (code, signal) => {
      if (groupAlive(child.pid)) signalGroup(child.pid, 'SIGKILL');
      const cut = setTimeout(() => {
        child.stdout!.unpipe(run.stdout);
        child.stderr!.unpipe(run.stderr);
        child.stdout!.destroy();
        child.stderr!.destroy();
        finish(code, signal);
      }, STREAM_GRACE_MS);
      child.once('close', () => {
        clearTimeout(cut);
        finish(code, signal);
      });
    });
  });
}

// A container run from start to end: create it (no host directory mounted, no network unless
// asked, GPUs by device request), let the caller put files in before it starts and take files
// out after it exits (the engine's archive API), attach its output, start it, wait for its exit
// with a watchdog that notices an engine gone mid-run, tell a run stopped from outside from one
// that ended, and remove it on every path, Ctrl-C included. A container left behind by a repro
// that was killed, or cut off from its engine, is removed by the next run on this host.
import os from 'node:os';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { isProcessAlive } from '../core/atomic-write.js';
import { onInterrupt } from '../core/cleanup.js';
import { ReproError, isReproError } from '../core/errors.js';
import { dockerHostOf, isEngineAnswer, NoAnswer, unavailable, within, type Env } from './connection.js';
import { watchKills, type KillWatch } from './kill-watch.js';
import { OWNER_LABEL } from '../core/annotations.js';

/** The engine's archive API on one container: files in before it starts, files out after it exits. */
export interface ContainerFiles {
  /** Extracts a tar into the container at `dir` (ownership as the tar says). */
  put(tar: Buffer, dir: string): Promise<void>;
  /** A tar stream of `file` (a file or a directory) in the container, or null when it is not there. */
  get(file: string): Promise<Readable | null>;
}

export interface RunRequest {
  image: string;
  command: string;
  workingDir: string;
  env: Record<string, string>;
  user: string;
  network: string;
  /** Before the start: put files in (the outputs' directories, owned by the caller). */
  beforeStart?: (files: ContainerFiles) => Promise<void>;
  /** After the exit, before the container is removed: take the outputs out. */
  afterExit?: (files: ContainerFiles) => Promise<void>;
  gpus: number | null;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Labels on the container (io.repro.run=<run id>), so it can be found and audited. */
  labels?: Record<string, string>;
  /** Processes, memory and file-size limits of the container (null: none). */
  pids?: number | null;
  memoryBytes?: number | null;
  fileSizeBytes?: number | null;
  /** Wall time: past it the container is killed and the run ends with `timedOutExit`. */
  timeLimitMs?: number | null;
  timedOutExit?: number;
  /** Told when the time limit killed the container. */
  onTimeout?: () => void;
  /** The container's host name (else the engine's: its id, another each run). */
  hostname?: string;
  /** The CPUs it may run on (HostConfig.CpusetCpus: "0", "0-3"). */
  cpus?: string;
}

type Container = Docker.Container;
type Exit = { StatusCode: number };

/** How often a running container's engine is asked whether it is still there. */
const WATCHDOG_MS = 3000;

/** Runs a container to completion and returns its exit status; it is removed on every path. */
export async function runContainer(docker: Docker, request: RunRequest, env: Env, limit: number): Promise<number> {
  await removeLeftovers(docker, limit);
  const container = await createContainer(docker, request, env, limit);
  const files = containerFiles(container, limit);
  const remove = async () => {
    await within(limit, 'remove the container', container.remove({ force: true, v: true })).catch(() => {});
  };
  const unregister = onInterrupt(remove);
  let kills: KillWatch | undefined;
  try {
    await request.beforeStart?.(files);
    kills = await watchKills(docker, container.id, limit);
    const stream = await within(limit, 'attach to the container', container.attach({ stream: true, stdout: true, stderr: true }));
    docker.modem.demuxStream(stream, request.stdout, request.stderr);
    // Ask for the next exit before starting: a wait asked after the start could miss a quick exit.
    const exited = container.wait({ condition: 'next-exit' }) as Promise<Exit>;
    exited.catch(() => {}); // observed below; never an unhandled rejection
    await within(limit, 'start the container', container.start());
    // The wait request may never settle if the connection breaks after its headers came
    // (the engine went away mid-run), and nothing else would keep repro alive or tell it:
    // a watchdog asks the engine every few seconds whether it and the container are there.
    let timedOut = false;
    const timer = request.timeLimitMs
      ? setTimeout(() => {
          timedOut = true;
          request.onTimeout?.();
          void within(limit, 'kill the container', container.kill()).catch(() => {});
        }, request.timeLimitMs)
      : null;
    const status = await watchExit(docker, container, exited, limit).finally(() => {
      if (timer) clearTimeout(timer);
    });
    await new Promise((r) => setTimeout(r, 50)); // let the last attached bytes (and events) arrive
    // The time limit's own kill is not "stopped from outside".
    if (!timedOut && kills.signals.length > 0) throw stoppedFromOutside(container.id, kills.signals, status.StatusCode, env);
    await request.afterExit?.(files);
    return timedOut ? (request.timedOutExit ?? 124) : status.StatusCode;
  } catch (err) {
    if (isReproError(err)) throw err;
    if (isEngineAnswer(err)) throw runFailed((err as Error).message);
    throw new ReproError('E_ENV', `the Docker engine stopped answering during the run: ${(err as Error).message}`, {
      hint: 'Check that the engine is running (docker info) and run again. A container left behind is removed by the next repro exec on this host.',
      details: { container: container.id, dockerHost: dockerHostOf(env), cause: (err as Error).message },
      cause: err,
    });
  } finally {
    kills?.close();
    unregister();
    await remove();
  }
}

async function createContainer(docker: Docker, request: RunRequest, env: Env, limit: number): Promise<Container> {
  try {
    return await within(
      limit,
      'create the container',
      docker.createContainer({
        Image: request.image,
        Cmd: [request.command],
        WorkingDir: request.workingDir,
        Env: Object.entries(request.env).map(([k, v]) => `${k}=${v}`),
        User: request.user,
        ...(request.hostname ? { Hostname: request.hostname } : {}),
        Tty: false,
        Labels: { ...(request.labels ?? {}), [OWNER_LABEL]: `${os.hostname()}:${process.pid}` },
        HostConfig: {
          // Kept after it exits, so its outputs can be taken out through the archive API; repro
          // removes it on every path, and the next run on this host removes any a dead repro left.
          AutoRemove: false,
          NetworkMode: request.network,
          // No host directory is mounted: nothing the entry point writes reaches this machine
          // except through the archive API, read with the hostile-tar rules.
          Binds: [],
          SecurityOpt: ['no-new-privileges'],
          ...(request.pids ? { PidsLimit: request.pids } : {}),
          ...(request.memoryBytes ? { Memory: request.memoryBytes, MemorySwap: request.memoryBytes } : {}),
          ...(request.fileSizeBytes ? { Ulimits: [{ Name: 'fsize', Soft: request.fileSizeBytes, Hard: request.fileSizeBytes }] } : {}),
          ...(request.cpus ? { CpusetCpus: request.cpus } : {}),
          Tmpfs: { '/tmp': 'rw,size=1g' },
          DeviceRequests: request.gpus ? [{ Driver: 'nvidia', Count: request.gpus, Capabilities: [['gpu']] }] : [],
        },
      }),
    );
  } catch (err) {
    if (isEngineAnswer(err)) throw runFailed(`cannot create the container: ${(err as Error).message}`);
    throw unavailable(err, env);
  }
}

/** The exit status if it arrives within `ms`, else null (the same timer as every request). */
function settledWithin(p: Promise<Exit>, ms: number): Promise<{ v: Exit } | null> {
  return within(ms, 'wait', p).then(
    (v) => ({ v }),
    (err: unknown) => {
      if (err instanceof NoAnswer) return null;
      throw err;
    },
  );
}

/** Waits for `exited`, asking every few seconds whether the engine and the container are still there. */
async function watchExit(docker: Docker, container: Container, exited: Promise<Exit>, limit: number): Promise<Exit> {
  for (;;) {
    const settled = await settledWithin(exited, WATCHDOG_MS);
    if (settled) return settled.v;
    await within(limit, 'ping', docker.ping()); // throws when the engine is gone
    const info = await within(limit, 'inspect the container', container.inspect()).catch((err: unknown) => {
      if (isEngineAnswer(err)) return null; // removed: its status went with it
      throw err;
    });
    if (!info || !info.State.Running) {
      const late = await settledWithin(exited, 2000);
      if (late) return late.v;
      // The container is kept after it exits, so its own record still has the status (a slow
      // connection, e.g. over ssh under load, can deliver the wait's answer later than this).
      if (info && (info.State.Status === 'exited' || info.State.Status === 'dead') && typeof info.State.ExitCode === 'number') return { StatusCode: info.State.ExitCode };
      throw new Error('the connection waiting for the container to exit was lost, and with it the exit status');
    }
  }
}

function stoppedFromOutside(id: string, signals: string[], exitCode: number, env: Env): ReproError {
  return new ReproError('E_ENV', `the container was stopped from outside the run (signal ${signals.join(', then ')}; exit status ${exitCode}): the Docker engine shutting down, or docker stop / docker kill`, {
    hint: 'The entry point did not end on its own, so its exit status is not the run\'s result. Check the engine (docker info; its log, e.g. journalctl -u docker) and run again. repro removes the container; one it could not is removed by the next repro exec on this host.',
    details: { container: id, signals, exitCode, dockerHost: dockerHostOf(env) },
  });
}

function runFailed(message: string): ReproError {
  return new ReproError('E_ENV', `docker run failed: ${message.trim()}`, {
    hint: 'The engine refused the container; its message above says why (image missing, bind path, GPU runtime).',
    details: { message },
  });
}

/** Which host and repro process a container belongs to: host:pid. */

function containerFiles(container: Docker.Container, limit: number): ContainerFiles {
  return {
    put: async (tar, dir) => {
      await within(limit, 'put files into the container', container.putArchive(tar, { path: dir }));
    },
    get: async (file) => {
      try {
        return (await within(limit, 'take files out of the container', container.getArchive({ path: file }))) as unknown as Readable;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return null;
        throw err;
      }
    },
  };
}

/** Removes stopped containers of this host's repro processes that no longer exist. Best effort. */
async function removeLeftovers(docker: Docker, limit: number): Promise<void> {
  const host = os.hostname();
  const list = await within(limit, 'list leftover containers', docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } })).catch(() => []);
  for (const c of list) {
    const [owner, pid] = (c.Labels?.[OWNER_LABEL] ?? '').split(/:(?=\d+$)/);
    if (owner !== host || c.State === 'running' || isProcessAlive(Number(pid))) continue;
    await within(limit, 'remove a leftover container', docker.getContainer(c.Id).remove({ force: true, v: true })).catch(() => {});
  }
}

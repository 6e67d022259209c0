// A container run from start to end: create it (AutoRemove, read-only root, no network unless
// asked, GPUs by device request), attach its output, start it, wait for its exit with a
// watchdog that notices an engine gone mid-run, tell a run stopped from outside from one that
// ended, and remove it on every path, Ctrl-C included.
import type Docker from 'dockerode';
import { onInterrupt } from '../core/cleanup.js';
import { ReproError, isReproError } from '../core/errors.js';
import { dockerHostOf, isEngineAnswer, NoAnswer, unavailable, within, type Env } from './connection.js';
import { watchKills, type KillWatch } from './kill-watch.js';

export interface RunRequest {
  image: string;
  command: string;
  workingDir: string;
  env: Record<string, string>;
  user: string;
  /** host:container:mode */
  binds: string[];
  network: string;
  gpus: number | null;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Labels on the container (io.repro.run=<run id>), so it can be found and audited. */
  labels?: Record<string, string>;
}

type Container = Docker.Container;
type Exit = { StatusCode: number };

/** How often a running container's engine is asked whether it is still there. */
const WATCHDOG_MS = 3000;

/** Runs a container to completion and returns its exit status; it is removed on every path. */
export async function runContainer(docker: Docker, request: RunRequest, env: Env, limit: number): Promise<number> {
  const container = await createContainer(docker, request, env, limit);
  const remove = async () => {
    await within(limit, 'remove the container', container.remove({ force: true })).catch(() => {});
  };
  const unregister = onInterrupt(remove);
  let kills: KillWatch | undefined;
  try {
    kills = await watchKills(docker, container.id, limit);
    const stream = await within(limit, 'attach to the container', container.attach({ stream: true, stdout: true, stderr: true }));
    docker.modem.demuxStream(stream, request.stdout, request.stderr);
    // Wait for the next exit before starting: with AutoRemove the container may be gone
    // by the time a later wait would ask for it.
    const exited = container.wait({ condition: 'next-exit' }) as Promise<Exit>;
    exited.catch(() => {}); // observed below; never an unhandled rejection
    await within(limit, 'start the container', container.start());
    // The wait request may never settle if the connection breaks after its headers came
    // (the engine went away mid-run), and nothing else would keep repro alive or tell it:
    // a watchdog asks the engine every few seconds whether it and the container are there.
    const status = await watchExit(docker, container, exited, limit);
    await new Promise((r) => setTimeout(r, 50)); // let the last attached bytes (and events) arrive
    if (kills.signals.length > 0) throw stoppedFromOutside(container.id, kills.signals, status.StatusCode, env);
    return status.StatusCode;
  } catch (err) {
    if (isReproError(err)) throw err;
    if (isEngineAnswer(err)) throw runFailed((err as Error).message);
    throw new ReproError('E_ENV', `the Docker engine stopped answering during the run: ${(err as Error).message}`, {
      hint: 'Check that the engine is running (docker info) and run again. The container was created with AutoRemove: the engine removes it when it exits.',
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
        Tty: false,
        Labels: request.labels ?? {},
        HostConfig: {
          // The engine removes the container itself when it exits, so none is left behind
          // even when repro cannot ask (killed, or the engine went away mid-run).
          AutoRemove: true,
          NetworkMode: request.network,
          Binds: request.binds,
          ReadonlyRootfs: true,
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
      throw new Error('the connection waiting for the container to exit was lost, and with it the exit status');
    }
  }
}

function stoppedFromOutside(id: string, signals: string[], exitCode: number, env: Env): ReproError {
  return new ReproError('E_ENV', `the container was stopped from outside the run (signal ${signals.join(', then ')}; exit status ${exitCode}): the Docker engine shutting down, or docker stop / docker kill`, {
    hint: 'The entry point did not end on its own, so its exit status is not the run\'s result. Check the engine (docker info; its log, e.g. journalctl -u docker) and run again. The engine removes the container (AutoRemove).',
    details: { container: id, signals, exitCode, dockerHost: dockerHostOf(env) },
  });
}

function runFailed(message: string): ReproError {
  return new ReproError('E_ENV', `docker run failed: ${message.trim()}`, {
    hint: 'The engine refused the container; its message above says why (image missing, bind path, GPU runtime).',
    details: { message },
  });
}

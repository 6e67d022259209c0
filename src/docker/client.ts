// The only importer of dockerode: a small client for what repro asks of a Docker engine (ping,
// image inspect, image build), with engine errors turned into coded ReproErrors. DOCKER_HOST
// (unix, tcp, ssh) is honoured by dockerode itself.
import type { Readable } from 'node:stream';
import { onInterrupt } from '../core/cleanup.js';
import { ReproError, isReproError } from '../core/errors.js';

export interface ImageInfo {
  id: string;
  repoDigests: string[];
  repoTags: string[];
  /** The image's layer diff_ids, bottom first. */
  layers: string[];
  /** The instruction that made each history entry (empty layers included), bottom first. */
  history: Array<{ createdBy: string; emptyLayer: boolean }>;
  labels: Record<string, string>;
}

export interface BuildRequest {
  context: Readable;
  dockerfile: string;
  tag: string;
  labels: Record<string, string>;
  noCache: boolean;
  onOutput?: (line: string) => void;
}

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

export interface DockerClient {
  /** Runs a container to completion (removed afterwards, also when interrupted); returns its exit code. */
  runContainer(request: RunRequest): Promise<number>;
  ping(): Promise<void>;
  inspectImage(ref: string): Promise<ImageInfo | null>;
  buildImage(request: BuildRequest): Promise<string>;
  removeImage(id: string): Promise<void>;
}

function unavailable(err: unknown, env: Readonly<Record<string, string | undefined>>): ReproError {
  const host = env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  return new ReproError('E_ENV', `no Docker engine answers at ${host}: ${(err as Error).message}`, {
    hint: 'Start Docker (dockerd, or Docker Desktop), or point DOCKER_HOST at an engine (tcp://host:2375, ssh://user@host).',
    details: { dockerHost: host, cause: (err as Error).message },
    cause: err,
  });
}

/** Seconds one control request (ping, create, start, inspect) may take unless REPRO_DOCKER_TIMEOUT says otherwise. */
export const DEFAULT_DOCKER_TIMEOUT_S = 30;

/** How long one control request may take: REPRO_DOCKER_TIMEOUT seconds, else the default. */
export function controlTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const s = Number(env.REPRO_DOCKER_TIMEOUT);
  return (Number.isFinite(s) && s > 0 ? s : DEFAULT_DOCKER_TIMEOUT_S) * 1000;
}

class NoAnswer extends Error {}

/** How often a running container's engine is asked whether it is still there. */
const WATCHDOG_MS = 3000;

/** Resolves as `work` does, or fails with NoAnswer after `ms`: a hung engine never hangs repro. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswer(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** An engine error with an HTTP status is an answer (404, 409, 500); anything else means no engine. */
function isEngineAnswer(err: unknown): boolean {
  return typeof (err as { statusCode?: unknown })?.statusCode === 'number';
}

export async function connectDocker(env: Readonly<Record<string, string | undefined>>): Promise<DockerClient> {
  const { default: Docker } = await import('dockerode');
  // dockerode reads DOCKER_HOST from process.env; pass it explicitly so the context decides.
  const docker = env.DOCKER_HOST ? new Docker(await hostOptions(env.DOCKER_HOST, env)) : new Docker();
  const limit = controlTimeoutMs(env);
  const client: DockerClient = {
    async ping() {
      try {
        await within(limit, 'ping', docker.ping());
      } catch (err) {
        throw unavailable(err, env);
      }
    },
    async inspectImage(ref) {
      try {
        const info = await within(limit, 'inspect the image', docker.getImage(ref).inspect());
        const history = await docker.getImage(ref).history().catch(() => [] as Array<{ CreatedBy: string; Size: number }>);
        return {
          id: info.Id,
          repoDigests: info.RepoDigests ?? [],
          repoTags: info.RepoTags ?? [],
          layers: info.RootFS?.Layers ?? [],
          history: (history as Array<{ CreatedBy: string; Size: number }>)
            .slice()
            .reverse()
            .map((h) => ({ createdBy: h.CreatedBy, emptyLayer: h.Size === 0 })),
          labels: info.Config?.Labels ?? {},
        };
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return null;
        throw unavailable(err, env);
      }
    },
    async buildImage(request) {
      let stream: NodeJS.ReadableStream;
      try {
        stream = await docker.buildImage(request.context as unknown as NodeJS.ReadableStream, {
          t: request.tag,
          dockerfile: request.dockerfile,
          labels: request.labels,
          nocache: request.noCache,
          rm: true,
          forcerm: true,
          networkmode: 'none',
        } as Record<string, unknown>);
      } catch (err) {
        throw unavailable(err, env);
      }
      return new Promise<string>((resolve, reject) => {
        let imageId: string | null = null;
        docker.modem.followProgress(
          stream,
          (err: Error | null) => {
            if (err) reject(buildFailed(err.message));
            else if (imageId) resolve(imageId);
            else reject(buildFailed('the engine reported no image ID'));
          },
          (event: { stream?: string; error?: string; aux?: { ID?: string } }) => {
            if (event.stream) request.onOutput?.(event.stream);
            if (event.aux?.ID) imageId = event.aux.ID;
            if (event.error) reject(buildFailed(event.error));
          },
        );
      });
    },
    async runContainer(request) {
      let container;
      try {
        container = await within(
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
      const remove = async () => {
        await within(limit, 'remove the container', container.remove({ force: true })).catch(() => {});
      };
      // The exit status if it arrives within `ms`, else null (the same timer as every request).
      const settledWithin = (p: Promise<{ StatusCode: number }>, ms: number): Promise<{ v: { StatusCode: number } } | null> =>
        within(ms, 'wait', p).then(
          (v) => ({ v }),
          (err: unknown) => {
            if (err instanceof NoAnswer) return null;
            throw err;
          },
        );
      const watchExit = async (exited: Promise<{ StatusCode: number }>): Promise<{ StatusCode: number }> => {
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
      };
      const unregister = onInterrupt(remove);
      let kills: KillWatch | undefined;
      try {
        kills = await watchKills(docker, container.id, limit);
        const stream = await within(limit, 'attach to the container', container.attach({ stream: true, stdout: true, stderr: true }));
        docker.modem.demuxStream(stream, request.stdout, request.stderr);
        // Wait for the next exit before starting: with AutoRemove the container may be gone
        // by the time a later wait would ask for it.
        const exited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
        exited.catch(() => {}); // observed below; never an unhandled rejection
        await within(limit, 'start the container', container.start());
        // The wait request may never settle if the connection breaks after its headers came
        // (the engine went away mid-run), and nothing else would keep repro alive or tell it:
        // a watchdog asks the engine every few seconds whether it and the container are there.
        const status = await watchExit(exited);
        await new Promise((r) => setTimeout(r, 50)); // let the last attached bytes (and events) arrive
        if (kills.signals.length > 0) throw stoppedFromOutside(container.id, kills.signals, status.StatusCode, env);
        return status.StatusCode;
      } catch (err) {
        if (isReproError(err)) throw err;
        if (isEngineAnswer(err)) throw runFailed((err as Error).message);
        throw new ReproError('E_ENV', `the Docker engine stopped answering during the run: ${(err as Error).message}`, {
          hint: 'Check that the engine is running (docker info) and run again. The container was created with AutoRemove: the engine removes it when it exits.',
          details: { container: container.id, dockerHost: env.DOCKER_HOST ?? 'unix:///var/run/docker.sock', cause: (err as Error).message },
          cause: err,
        });
      } finally {
        kills?.close();
        unregister();
        await remove();
      }
    },
    async removeImage(id) {
      await docker.getImage(id).remove({ force: true, noprune: false }).catch(() => {});
    },
  };
  return client;
}

/** A client for an engine that answered a ping; E_ENV (with a hint) when none answers. */
export async function reachDocker(env: Readonly<Record<string, string | undefined>>): Promise<DockerClient> {
  const docker = await connectDocker(env);
  await docker.ping();
  return docker;
}

/** As reachDocker, or null when no engine answers (for callers that can do without one). */
export async function reachDockerIfAny(env: Readonly<Record<string, string | undefined>>): Promise<DockerClient | null> {
  return reachDocker(env).catch(() => null);
}

interface KillWatch {
  /** Signals the engine sent the container, in order ("15", "9"). */
  signals: string[];
  close(): void;
}

/**
 * Watches the engine's "kill" events for one container. repro itself never signals a running
 * container except when the user interrupts it, so a kill means the run was stopped from
 * outside: `docker stop` or `docker kill`, or the engine shutting down, which stops every
 * container (signal 15, then 9) and still reports the exit status as if the run had ended.
 */
async function watchKills(docker: import('dockerode'), id: string, limit: number): Promise<KillWatch> {
  const stream = (await within(limit, 'watch the container\'s events', docker.getEvents({ filters: { container: [id], event: ['kill'] } }))) as NodeJS.ReadableStream & { destroy?: () => void };
  const signals: string[] = [];
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        const event = JSON.parse(line) as { Action?: string; Actor?: { Attributes?: { signal?: string } } };
        if (event.Action === 'kill') signals.push(event.Actor?.Attributes?.signal ?? '?');
      } catch {
        // not an event: ignored
      }
    }
  });
  stream.on('error', () => {}); // the engine going away ends the stream; the run's watchdog reports that
  return { signals, close: () => stream.destroy?.() };
}

function stoppedFromOutside(id: string, signals: string[], exitCode: number, env: Readonly<Record<string, string | undefined>>): ReproError {
  return new ReproError('E_ENV', `the container was stopped from outside the run (signal ${signals.join(', then ')}; exit status ${exitCode}): the Docker engine shutting down, or docker stop / docker kill`, {
    hint: 'The entry point did not end on its own, so its exit status is not the run\'s result. Check the engine (docker info; its log, e.g. journalctl -u docker) and run again. The engine removes the container (AutoRemove).',
    details: { container: id, signals, exitCode, dockerHost: env.DOCKER_HOST ?? 'unix:///var/run/docker.sock' },
  });
}

function runFailed(message: string): ReproError {
  return new ReproError('E_ENV', `docker run failed: ${message.trim()}`, {
    hint: 'The engine refused the container; its message above says why (image missing, bind path, GPU runtime).',
    details: { message },
  });
}

function buildFailed(message: string): ReproError {
  return new ReproError('E_ENV', `docker build failed: ${message.trim()}`, {
    hint: 'The build output above names the failing step. The build runs without network (--network none): everything must come from the base image and the bundle.',
    details: { message },
  });
}

async function hostOptions(host: string, env: Readonly<Record<string, string | undefined>>): Promise<Record<string, unknown>> {
  const url = new URL(host);
  if (url.protocol === 'unix:') return { socketPath: url.pathname };
  if (url.protocol === 'ssh:') {
    // As the docker CLI does: the engine is reached by running `docker system dial-stdio` on
    // the host over SSH, authenticated by the ssh-agent, else by the user's default key.
    return { protocol: 'ssh', host: url.hostname, port: Number(url.port || 22), username: decodeURIComponent(url.username) || env.USER || 'root', sshOptions: await sshAuth(env) };
  }
  return { protocol: url.protocol === 'https:' ? 'https' : 'http', host: url.hostname, port: Number(url.port || 2375) };
}

async function sshAuth(env: Readonly<Record<string, string | undefined>>): Promise<Record<string, unknown>> {
  if (env.SSH_AUTH_SOCK) return { agent: env.SSH_AUTH_SOCK };
  const { readFile } = await import('node:fs/promises');
  const home = env.HOME ?? '';
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const key = await readFile(`${home}/.ssh/${name}`).catch(() => null);
    if (key) return { privateKey: key };
  }
  throw new ReproError('E_ENV', `cannot reach ${env.DOCKER_HOST}: no ssh-agent (SSH_AUTH_SOCK) and no key in ${home}/.ssh`, {
    hint: 'Start ssh-agent and ssh-add your key, or put it at ~/.ssh/id_ed25519; `ssh HOST docker info` must work first.',
    details: { dockerHost: env.DOCKER_HOST ?? null },
  });
}

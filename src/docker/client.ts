// The one place that loads dockerode: what repro asks of a Docker engine, as one small interface
// (ping, image inspect/build/remove, a container run to completion). Connection, image calls and
// the container lifecycle each have a file of their own beside this one.
import { buildImage, inspectImage, removeImage, type BuildRequest, type ImageInfo } from './images.js';
import { runContainer, type RunRequest } from './containers.js';
import { controlTimeoutMs, hostKeyRefused, hostOptions, unavailable, within, type Env } from './connection.js';

export type { BuildRequest, ImageInfo, RunRequest };

export interface DockerClient {
  /** Runs a container to completion (removed afterwards, also when interrupted); returns its exit code. */
  runContainer(request: RunRequest): Promise<number>;
  ping(): Promise<void>;
  inspectImage(ref: string): Promise<ImageInfo | null>;
  buildImage(request: BuildRequest): Promise<string>;
  removeImage(id: string): Promise<void>;
}

export async function connectDocker(env: Env): Promise<DockerClient> {
  const { default: Docker } = await import('dockerode');
  // dockerode reads DOCKER_HOST from process.env; pass it explicitly so the context decides.
  const host = env.DOCKER_HOST ? await hostOptions(env.DOCKER_HOST, env) : null;
  const docker = host ? new Docker(host.options) : new Docker();
  const limit = controlTimeoutMs(env);
  return {
    async ping() {
      try {
        await within(limit, 'ping', docker.ping());
      } catch (err) {
        throw host?.hostKey?.refused ? hostKeyRefused(host.hostKey, env) : unavailable(err, env);
      }
    },
    inspectImage: (ref) => inspectImage(docker, ref, env, limit),
    buildImage: (request) => buildImage(docker, request, env),
    runContainer: (request) => runContainer(docker, request, env, limit),
    removeImage: (id) => removeImage(docker, id),
  };
}

/** A client for an engine that answered a ping; E_ENV (with a hint) when none answers. */
export async function reachDocker(env: Env): Promise<DockerClient> {
  const docker = await connectDocker(env);
  await docker.ping();
  return docker;
}

/** As reachDocker, or null when no engine answers (for callers that can do without one). */
export async function reachDockerIfAny(env: Env): Promise<DockerClient | null> {
  return reachDocker(env).catch(() => null);
}

// The Docker backend of exec: the bundle's image (built once per bundle digest from its pinned
// Dockerfile), a container with a read-only root, no network unless asked, the caller's uid,
// GPUs when the manifest requires them, and only the declared outputs' directories bound
// writable from the run directory.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DOCKERFILE_PATH } from '../bundle/layout.js';
import type { Context } from '../core/context.js';
import { reachDocker, reachDockerIfAny, type DockerClient } from '../docker/client.js';
import type { BackendResult, BackendRun } from './backend.js';

/** tcp:// or ssh:// to a host that is not this one (loopback and unix sockets are local). */
export function isRemoteEngine(host: string | undefined): boolean {
  if (!host || host.startsWith('unix:') || host.startsWith('npipe:')) return false;
  try {
    const name = new URL(host).hostname;
    return !['localhost', '127.0.0.1', '::1', '[::1]'].includes(name);
  } catch {
    return false;
  }
}

/**
 * The engine to run in: required with --backend docker (its absence is an E_ENV error); by
 * default used when the bundle has a Dockerfile and an engine answers, else null (local).
 */
export async function engineFor(bundleDir: string, required: boolean, ctx: Context): Promise<DockerClient | null> {
  const hasDockerfile = required || (await fs.stat(path.join(bundleDir, DOCKERFILE_PATH)).then(() => true).catch(() => false));
  const docker = required ? await reachDocker(ctx.env) : hasDockerfile ? await reachDockerIfAny(ctx.env) : null;
  if (docker && isRemoteEngine(ctx.env.DOCKER_HOST)) {
    ctx.log.warn(`exec: the engine at ${ctx.env.DOCKER_HOST} may be another machine: outputs directories are bound by their paths here, so they reach this machine only if the run directory (--out) is on a file system both share`);
  }
  return docker;
}

export async function runDocker(run: BackendRun, docker: DockerClient, ctx: Context): Promise<BackendResult> {
  const { cached } = run;
  const { buildBundleImage } = await import('../docker/bundle-image.js');
  const image = await buildBundleImage({ bundle: run.bundleFile, contentDigest: cached.contentDigest, name: cached.manifest.name, version: cached.manifest.version, sourceDateEpoch: cached.manifest.sourceDateEpoch, verify: false, reuse: true }, ctx, docker);
  await fs.mkdir(run.workDir, { recursive: true });
  for (const d of run.outputDirs) await fs.mkdir(path.join(run.workDir, d), { recursive: true });
  const exitCode = await docker.runContainer({
    image: image.id,
    command: run.command,
    workingDir: '/project',
    env: run.env,
    user: run.user,
    binds: run.outputDirs.map((d) => `${path.join(run.workDir, d)}:/project/${d}:rw`),
    network: run.network,
    gpus: run.gpus,
    stdout: run.stdout,
    stderr: run.stderr,
    labels: { 'io.repro.run': run.runId, 'io.repro.bundle.digest': cached.contentDigest },
  });
  return { exitCode, image: image.id };
}

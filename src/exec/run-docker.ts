// The Docker backend of exec: the bundle's image (built once per bundle digest from its pinned
// Dockerfile), a container with no host directory mounted, no network unless asked, the
// caller's uid, GPUs when the manifest requires them. The declared outputs' directories are put
// into the container (owned by the caller) before it starts, and the outputs are taken out
// through the engine's archive API after it exits (collect-outputs.ts), so they come back from
// an engine on another machine too.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DOCKERFILE_PATH } from '../bundle/layout.js';
import type { Context } from '../core/context.js';
import { reachDocker, reachDockerIfAny, type DockerClient } from '../docker/client.js';
import type { RefusedKind } from '../run-record/record.js';
import { TIMED_OUT_EXIT, type BackendResult, type BackendRun } from './backend.js';
import { collectOutput, collectTree, outputDirsTar } from './collect-outputs.js';
import { dockerfileFetches } from '../dockerfile/fetches.js';
import { ReproError } from '../core/errors.js';
import { BUNDLE_DIGEST_LABEL, RUN_LABEL } from '../core/annotations.js';

/**
 * The engine to run in: required with --backend docker (its absence is an E_ENV error); by
 * default used when the bundle has a Dockerfile and an engine answers, else null (local).
 */
export async function engineFor(bundleDir: string, required: boolean, ctx: Context): Promise<DockerClient | null> {
  const hasDockerfile = required || (await fs.stat(path.join(bundleDir, DOCKERFILE_PATH)).then(() => true).catch(() => false));
  const docker = required ? await reachDocker(ctx.env) : hasDockerfile ? await reachDockerIfAny(ctx.env) : null;
  return docker;
}

export async function runDocker(run: BackendRun, docker: DockerClient, ctx: Context): Promise<BackendResult> {
  const { cached } = run;
  await refuseFetchingDockerfile(cached.dir);
  const { buildBundleImage } = await import('../docker/bundle-image.js');
  const image = await buildBundleImage({ bundle: run.bundleFile, contentDigest: cached.contentDigest, name: cached.manifest.name, version: cached.manifest.version, sourceDateEpoch: cached.manifest.sourceDateEpoch, verify: false, reuse: true }, ctx, docker);
  await fs.mkdir(run.workDir, { recursive: true });
  const [uid = 0, gid = 0] = run.user.split(':').map(Number);
  // A caller who is not root runs the container as themself (the outputs come back theirs); a
  // root caller runs it as the image's own USER, never as root over it.
  const imageUser = uid === 0 ? ((await docker.inspectImage(image.id))?.user ?? '') : null;
  const user = imageUser === null ? run.user : imageUser || '0:0';
  const openDirs = imageUser !== null && imageUser !== '' && !/^0(:0)?$|^root(:root)?$/.test(imageUser);
  const refused: Record<string, RefusedKind> = {};
  let timedOut = false;
  const exitCode = await docker.runContainer({
    image: image.id,
    command: run.command,
    workingDir: '/project',
    env: run.env,
    user,
    network: run.network,
    beforeStart: async (files) => {
      const mode = openDirs ? 0o777 : 0o755;
      // Outputs found by glob or detection can be anywhere: /project itself is made writable.
      if (run.collectAll) await files.put(outputDirsTar(['project', ...run.outputDirs.map((d) => `project/${d}`)], uid, gid, mode), '/');
      else if (run.outputDirs.length > 0) await files.put(outputDirsTar(run.outputDirs, uid, gid, mode), '/project');
    },
    afterExit: async (files) => {
      // Globs and detection need every file the run left: the whole project comes back.
      // A special file stops the stream: it is refused by its path, and what followed is missing.
      if (run.collectAll) {
        const stop = await collectTree(files, path.dirname(run.workDir), path.basename(run.workDir), run.limits, '');
        if (stop) refused[stop.entry.split('/').slice(1).join('/') || '.'] = stop.kind;
      } else for (const rel of run.outputs) {
        const kind = await collectOutput(files, run.workDir, rel, run.limits);
        if (kind) refused[rel] = kind;
      }
    },
    gpus: run.gpus,
    stdout: run.stdout,
    stderr: run.stderr,
    labels: { [RUN_LABEL]: run.runId, [BUNDLE_DIGEST_LABEL]: cached.contentDigest },
    pids: run.resources.pids,
    memoryBytes: run.resources.memoryBytes,
    fileSizeBytes: run.resources.fileSizeBytes,
    timeLimitMs: run.resources.timeLimitMs,
    timedOutExit: TIMED_OUT_EXIT,
    onTimeout: () => (timedOut = true),
  });
  return { exitCode, image: image.id, refused, timedOut };
}

/** A bundle whose Dockerfile would make the engine fetch from elsewhere is refused before any build (dockerfile/fetches.ts). */
async function refuseFetchingDockerfile(bundleDir: string): Promise<void> {
  const text = await fs.readFile(path.join(bundleDir, DOCKERFILE_PATH), 'utf8').catch(() => null);
  const fetches = text === null ? [] : dockerfileFetches(text);
  if (fetches.length === 0) return;
  const first = fetches[0]!;
  throw new ReproError('E_UNSAFE_ENTRY', `the bundle's ${DOCKERFILE_PATH} makes the engine fetch ${first.source} (line ${first.line}, ${first.instruction}) while it builds: refused, nothing was built or run`, {
    hint: 'repro build never writes such a line, so this bundle was crafted or altered. Do not run it; ask its author for one built by repro.',
    details: { rule: 'dockerfile-fetch', fetches },
  });
}

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
import { Writable } from 'node:stream';
import { parseProbeOutput, PROBE_SCRIPT, type PythonIdentity } from '../snapshot/probe-python.js';

/** The most the image's Python may print when it describes itself (a real probe prints kilobytes). */
export const MAX_PROBE_OUTPUT = 16 << 20;

/** The label on the drift check's probe container. */
const PROBE_LABEL = 'io.repro.probe';

/**
 * The engine to run in: required with --backend docker (its absence is an E_ENV error); by
 * default used when the bundle has a Dockerfile and an engine answers, else null (local).
 */
export async function engineFor(bundleDir: string, required: boolean, ctx: Context): Promise<DockerClient | null> {
  const hasDockerfile = required || (await fs.stat(path.join(bundleDir, DOCKERFILE_PATH)).then(() => true).catch(() => false));
  const docker = required ? await reachDocker(ctx.env) : hasDockerfile ? await reachDockerIfAny(ctx.env) : null;
  return docker;
}

/** The bundle's image, built (or reused) before the drift check, and who runs in it. */
export interface BundleImage {
  id: string;
  /** The container's user: the caller, or for a root caller the image's own USER. */
  user: string;
  /** Whether the outputs' folders must be open to all (the image's USER is not the caller). */
  openDirs: boolean;
}

/** Builds (or reuses) the bundle's image from its pinned Dockerfile, refusing one that would fetch while it builds. */
export async function bundleImage(cached: BackendRun['cached'], bundleFile: string, callerUser: string, docker: DockerClient, ctx: Context): Promise<BundleImage> {
  await refuseFetchingDockerfile(cached.dir);
  const { buildBundleImage } = await import('../docker/bundle-image.js');
  const image = await buildBundleImage({ bundle: bundleFile, contentDigest: cached.contentDigest, name: cached.manifest.name, version: cached.manifest.version, sourceDateEpoch: cached.manifest.sourceDateEpoch, verify: false, reuse: true }, ctx, docker);
  const [uid = 0] = callerUser.split(':').map(Number);
  // A caller who is not root runs the container as themself (the outputs come back theirs); a
  // root caller runs it as the image's own USER, never as root over it.
  const imageUser = uid === 0 ? ((await docker.inspectImage(image.id))?.user ?? '') : null;
  const user = imageUser === null ? callerUser : imageUser || '0:0';
  return { id: image.id, user, openDirs: imageUser !== null && imageUser !== '' && !/^0(:0)?$|^root(:root)?$/.test(imageUser) };
}

/** The shell line that runs the probe with the image's python3 (else python), as the entry point would find it. */
const PROBE_COMMAND = 'if command -v python3 >/dev/null 2>&1; then exec python3 -c "$REPRO_PYTHON_PROBE"; elif command -v python >/dev/null 2>&1; then exec python -c "$REPRO_PYTHON_PROBE"; else echo "the image has no python3 or python on PATH" >&2; exit 127; fi';

/**
 * The image's Python as the entry point will see it, described by snapshot's own probe (the
 * package list from importlib.metadata; nothing imported) run in a container of the image: no
 * network, nothing mounted, the run's environment and user, a minute at most. Null with the
 * reason when the image has no Python or the probe fails.
 */
export async function probeImagePython(image: BundleImage, env: Record<string, string>, docker: DockerClient): Promise<{ identity: PythonIdentity | null; note: string }> {
  const script = await fs.readFile(PROBE_SCRIPT, 'utf8');
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  // The image is the bundle's (hostile): what its Python prints is kept up to a bound, not whole.
  let kept = 0;
  let overflow = false;
  const sink = (into: Buffer[]) =>
    new Writable({
      write: (chunk: Buffer, _e, done) => {
        kept += chunk.length;
        if (kept <= MAX_PROBE_OUTPUT) into.push(Buffer.from(chunk));
        else overflow = true;
        done();
      },
    });
  const exit = await docker.runContainer({ image: image.id, command: PROBE_COMMAND, workingDir: '/project', env: { ...env, REPRO_PYTHON_PROBE: script }, user: image.user, network: 'none', gpus: null, stdout: sink(out), stderr: sink(err), timeLimitMs: 60_000, timedOutExit: 124, labels: { [PROBE_LABEL]: 'python' } });
  const stderr = Buffer.concat(err).toString('utf8').trim().split('\n').pop() ?? '';
  if (overflow) return { identity: null, note: `the image's Python printed more than ${MAX_PROBE_OUTPUT} bytes when asked to describe itself: not read` };
  if (exit !== 0) return { identity: null, note: `the image's Python could not be described (exit ${exit}${stderr ? `: ${stderr.slice(0, 200)}` : ''})` };
  try {
    const doc = parseProbeOutput(Buffer.concat(out).toString('utf8'));
    return { identity: { version: doc.version, implementation: doc.implementation, packages: doc.packages }, note: `the image's ${doc.executable} (${doc.version}, ${Object.keys(doc.packages).length} distributions), probed in a container with no network` };
  } catch (e) {
    return { identity: null, note: `the image's Python printed something unexpected: ${(e as Error).message}` };
  }
}

export async function runDocker(run: BackendRun, docker: DockerClient, ctx: Context, prepared?: BundleImage): Promise<BackendResult> {
  const { cached } = run;
  const image = prepared ?? (await bundleImage(cached, run.bundleFile, run.user, docker, ctx));
  await fs.mkdir(run.workDir, { recursive: true });
  const [uid = 0, gid = 0] = run.user.split(':').map(Number);
  const { user, openDirs } = image;
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
    ...(run.conditions?.hostname ? { hostname: run.conditions.hostname } : {}),
    ...(run.conditions?.cpus ? { cpus: run.conditions.cpus } : {}),
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

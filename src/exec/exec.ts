// repro exec: verify first, run second. The bundle is verified while it is extracted into the
// content-addressed cache; this machine is checked against the bundle's snapshot (drift); the
// entry point's command is rendered from typed parameters; it runs in Docker or locally in the
// run directory; the run record (run.json) names the outputs' hashes and, when the bundle
// carries a reference run, whether they reproduced.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../core/canonical-json.js';
import type { Context } from '../core/context.js';
import { describeDifference } from '../core/difference.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { cacheRoot } from '../core/cache-root.js';
import { ReproError, fsError } from '../core/errors.js';
import { DOCKERFILE_PATH, PROJECT_PREFIX, REFERENCE_RUN_PATH } from '../bundle/layout.js';
import { diffSnapshots } from '../diff/diff-snapshots.js';
import { reachDocker, reachDockerIfAny, type DockerClient } from '../docker/client.js';
import { conventionEntryPoint } from '../project/convention.js';
import { findEntryPoint, renderCommand, type RenderedCommand } from '../project/render.js';
import type { ProjectManifest } from '../project/types.js';
import { parseSnapshot } from '../snapshot/io.js';
import { captureSnapshot, DEFAULT_IMPORT_TIMEOUT_MS, DEFAULT_PROBE_TIMEOUT_MS, DEFAULT_SNAPSHOT_FILE } from '../snapshot/snapshot.js';
import type { TarLimits } from '../bundle/limits.js';
import { openCachedBundle } from './cache.js';
import { compareOutputs, recordOutputs, type OutputRecord, type ReproVerdict } from './outputs.js';
import { readReferenceRun, RUN_SCHEMA_VERSION, type RunRecord } from '../run-record/record.js';
import { runLocal } from './run-local.js';
import { copyProject } from './workdir.js';

export interface ExecOptions {
  bundle: string;
  entry?: string;
  params: Array<[string, string]>;
  backend?: 'docker' | 'local';
  out?: string;
  strict?: boolean;
  network?: string;
  runId: string;
  user: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  python?: string;
  /** Refuse bundles beyond these (rule 8); the defaults when absent. */
  limits?: TarLimits;
}

export interface ExecResult extends RunRecord {
  runDir: string;
}

export async function runExec(options: ExecOptions, ctx: Context): Promise<ExecResult> {
  const bundleFile = path.resolve(ctx.cwd, options.bundle);
  const cached = await openCachedBundle(bundleFile, cacheRoot(ctx.env), options.limits);
  ctx.log.info(`exec: bundle ${cached.contentDigest} verified (${{ reused: 'cached', extracted: 'extracted', raced: 'verified here, extracted by a concurrent exec' }[cached.how]} at ${cached.dir})`);
  const projectDir = path.join(cached.dir, PROJECT_PREFIX);
  const manifest = cached.manifest.project;
  const rendered = await renderEntry(manifest, projectDir, options);
  const drift = await checkDrift(projectDir, manifest, options, ctx);
  const docker = options.backend === 'local' ? null : await engineFor(cached.dir, options.backend === 'docker', ctx);
  if (docker && isRemoteEngine(ctx.env.DOCKER_HOST)) {
    ctx.log.warn(`exec: the engine at ${ctx.env.DOCKER_HOST} may be another machine: outputs directories are bound by their paths here, so they reach this machine only if the run directory (--out) is on a file system both share`);
  }
  const backend = docker ? 'docker' : 'local';
  const runDir = path.resolve(ctx.cwd, options.out ?? path.join('runs', options.runId));
  await fs.mkdir(path.dirname(runDir), { recursive: true });
  await fs.mkdir(runDir).catch((err) => {
    throw (err as NodeJS.ErrnoException).code === 'EEXIST'
      ? new ReproError('E_USAGE', `the run directory already exists: ${runDir}`, { hint: 'Pass another --out, or remove it.', details: { path: runDir } })
      : fsError(err, runDir, 'cannot create the run directory');
  });
  const workDir = path.join(runDir, 'project');
  const outputs = manifest?.outputs ?? [];
  const env = { ...(manifest?.env ?? {}) };
  // Both backends give the entry point the declared outputs' directories, made beforehand (in
  // Docker they are the only writable places, bound from the run directory).
  const dirs = [...new Set(outputs.map((o) => path.posix.dirname(o.path)).filter((d) => d !== '.'))];
  const started = ctx.now();
  let exitCode: number;
  let imageId: string | null = null;
  if (!docker) {
    await copyProject(projectDir, workDir)
      .then(async () => {
        for (const d of dirs) await fs.mkdir(path.join(workDir, d), { recursive: true });
      })
      .catch(async (err) => {
        await fs.rm(runDir, { recursive: true, force: true }); // nothing ran: leave nothing behind
        throw fsError(err, workDir, 'cannot copy the project into the run directory', { space: 'Free some space, or pass --out on a larger disk.' });
      });
    exitCode = await runLocal({ command: rendered.command, cwd: workDir, env: { ...ctx.env, ...env }, stdout: options.stdout, stderr: options.stderr });
  } else {
    const { buildBundleImage } = await import('../docker/bundle-image.js');
    const image = await buildBundleImage({ bundle: bundleFile, contentDigest: cached.contentDigest, name: cached.manifest.name, version: cached.manifest.version, sourceDateEpoch: cached.manifest.sourceDateEpoch, verify: false, reuse: true }, ctx, docker);
    imageId = image.id;
    await fs.mkdir(workDir, { recursive: true });
    for (const d of dirs) await fs.mkdir(path.join(workDir, d), { recursive: true });
    exitCode = await docker.runContainer({
      image: image.id,
      command: rendered.command,
      workingDir: '/project',
      env,
      user: options.user,
      binds: dirs.map((d) => `${path.join(workDir, d)}:/project/${d}:rw`),
      network: options.network ?? 'none',
      gpus: manifest?.gpu?.required ? manifest.gpu.count : null,
      stdout: options.stdout,
      stderr: options.stderr,
      labels: { 'io.repro.run': options.runId, 'io.repro.bundle.digest': cached.contentDigest },
    });
  }
  const ended = ctx.now();
  const recorded = await recordOutputs(workDir, outputs);
  const reference = await readReferenceRun(cached.dir);
  const verdict: ReproVerdict | null = reference ? compareOutputs(reference.outputs, recorded, outputs) : null;
  const record: RunRecord = {
    schemaVersion: RUN_SCHEMA_VERSION,
    kind: 'repro-run',
    runId: options.runId,
    bundle: { contentDigest: cached.contentDigest, file: bundleFile },
    entry: rendered.entryPoint,
    parameters: rendered.parameters,
    command: rendered.command,
    backend,
    image: imageId,
    machine: drift,
    startedAt: started.toISOString(),
    endedAt: ended.toISOString(),
    durationMs: ended.getTime() - started.getTime(),
    exitCode,
    outputs: recorded,
    reproduced: verdict,
  };
  await writeFileAtomic(path.join(runDir, 'run.json'), canonicalJson(record));
  return { ...record, runDir };
}

async function renderEntry(manifest: ProjectManifest | null, projectDir: string, options: ExecOptions): Promise<RenderedCommand> {
  const entry = options.entry ?? 'main';
  // Path parameters stay relative to the project: MLflow makes them absolute to the caller's
  // directory, which inside a container (or another machine) would not exist.
  if (manifest && manifest.entryPoints[entry]) {
    return renderCommand(findEntryPoint(manifest, entry), options.params, { workDir: projectDir, mlflowPaths: false });
  }
  if (manifest && !/\.(py|sh)$/.test(entry)) findEntryPoint(manifest, entry); // throws, listing the entry points
  const files = new Set<string>();
  if (await fs.stat(path.join(projectDir, entry)).then((s) => s.isFile()).catch(() => false)) files.add(entry);
  return renderCommand(conventionEntryPoint(entry, files), options.params, { workDir: projectDir, mlflowPaths: false });
}

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
async function engineFor(bundleDir: string, required: boolean, ctx: Context): Promise<DockerClient | null> {
  if (required) return reachDocker(ctx.env);
  const hasDockerfile = await fs.stat(path.join(bundleDir, DOCKERFILE_PATH)).then(() => true).catch(() => false);
  return hasDockerfile ? reachDockerIfAny(ctx.env) : null;
}

async function checkDrift(projectDir: string, manifest: ProjectManifest | null, options: ExecOptions, ctx: Context): Promise<RunRecord['machine']> {
  const text = await fs.readFile(path.join(projectDir, DEFAULT_SNAPSHOT_FILE), 'utf8').catch(() => null);
  const original = text ? parseSnapshot(text, `bundle:${DEFAULT_SNAPSHOT_FILE}`) : null;
  const recordedPython = original?.context.python?.executable;
  const pythonHere = options.python ?? (recordedPython && (await fs.stat(recordedPython).then(() => true).catch(() => false)) ? recordedPython : undefined);
  const now = (
    await captureSnapshot({ dir: projectDir, output: path.join(projectDir, DEFAULT_SNAPSHOT_FILE), python: pythonHere, imports: false, probeTimeoutMs: DEFAULT_PROBE_TIMEOUT_MS, importTimeoutMs: DEFAULT_IMPORT_TIMEOUT_MS, pythonCacheDir: path.join(cacheRoot(ctx.env), 'python-probe'), toolCacheDir: path.join(cacheRoot(ctx.env), 'tool-probe'), git: false }, ctx)
  ).snapshot;
  if (manifest?.gpu?.required && now.identity.gpu === null) {
    throw new ReproError('E_ENV', 'the bundle requires a GPU and this machine has none', {
      hint: `nvidia-smi: ${now.context.probes.gpu.notes[0] ?? 'not found'}. Run it on a GPU machine (DOCKER_HOST=ssh://gpu-host repro exec ...).`,
      details: { gpu: manifest.gpu },
    });
  }
  if (!original) {
    ctx.log.info('exec: the bundle carries no snapshot (run `repro snapshot` before `repro build`); drift not checked');
    return { snapshotDigest: now.snapshotDigest, drift: null };
  }
  // Frameworks are not imported and git is not asked for exec's check (the project's code is
  // the bundle's, verified): compare like with like.
  const comparable = structuredClone(original);
  if (comparable.identity.python) delete comparable.identity.python.frameworks;
  comparable.identity.git = null;
  const d = diffSnapshots(comparable, now);
  ctx.log.info(`exec: drift against the bundle's snapshot: ${d.summary.breaking} breaking, ${d.summary.warning} warning, ${d.summary.info} info`);
  for (const c of d.changes.filter((x) => x.severity !== 'info').slice(0, 10)) ctx.log.info(`  ${describeDifference(c)}`);
  if (options.strict && d.summary.breaking > 0) {
    throw new ReproError('E_ENV', `refusing to run with --strict: ${d.summary.breaking} breaking difference${d.summary.breaking === 1 ? '' : 's'} from the bundle's snapshot`, {
      hint: 'Restore what the breaking differences name, or run without --strict.',
      details: { changes: d.changes.filter((c) => c.severity === 'breaking') },
    });
  }
  return { snapshotDigest: now.snapshotDigest, drift: d.summary, changes: d.changes.filter((c) => c.severity !== 'info') };
}


// repro exec: verify first, run second, in five steps. 1. The bundle is verified while it is
// extracted into the content-addressed cache. 2. This machine is checked against the bundle's
// snapshot (drift.ts). 3. The entry point's command is rendered from typed parameters
// (entry.ts). 4. It runs in Docker (run-docker.ts) or locally (run-local.ts) in the run
// directory. 5. The run record (run.json) names the outputs' hashes and, when the bundle carries
// a reference run, whether they reproduced.
import path from 'node:path';
import { PROJECT_PREFIX, VENDOR_BUILD_RECORD, VENDOR_NODE_DIR, VENDOR_PYTHON_BUILD_DIR, VENDOR_PYTHON_DIR, VENDOR_RECORDED_LOCK } from '../bundle/layout.js';
import { lockedNodeModules, type NodeEnvironment } from './node-environment.js';
import { promises as fs } from 'node:fs';
import { DEFAULT_LIMITS, type TarLimits } from '../bundle/limits.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { cacheRoot } from '../core/cache-root.js';
import { trackTemp, wasInterrupted } from '../core/cleanup.js';
import { canonicalJson } from '../core/canonical-json.js';
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { checkBundleOutputs } from '../project/output-path.js';
import { checkBundleEnv } from '../project/env-rules.js';
import { shellOf, type RenderedCommand } from '../project/render.js';
import type { OutputSpec, ParameterSpec, ProjectManifest } from '../project/types.js';
import { redactEnvironment, redactParameters, redactText } from '../secrets/values.js';
import { readReferenceRun, RUN_SCHEMA_VERSION, type RunRecord } from '../run-record/record.js';
import type { BackendResult, BackendRun, RunConditions } from './backend.js';
import { openCachedBundle, type CachedBundle } from './cache.js';
import { DEFAULT_NETWORK, defaultRunDir } from './defaults.js';
import { checkDrift, readBundleSnapshot } from './drift.js';
import { planInterpreter, type PlannedInterpreter } from '../snapshot/find-python.js';
import { recordedEnvironment } from './recorded-env.js';
import { lockedEnvironment, type LockedEnvironment } from './environment.js';
import { TreeChanged } from './env-cache.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { renderEntry } from './entry.js';
import { judgeRerun, recordOutputs } from './outputs.js';
import { findOutputs } from './find-outputs.js';
import { LogTail } from './log-tail.js';
import { isGlob, literalOutputs } from '../project/output-match.js';
import { keepDeclaredOutputs, SCRATCH_DIR } from './keep-outputs.js';
import { chooseBackend, type Backend } from './choose-backend.js';
import { runLocalBackend } from './run-local.js';
import { bundleImage, probeImagePython, runDocker, type BundleImage } from './run-docker.js';
import { cleanEnvironment, findSandbox, pickEnvironment } from './sandbox.js';
import { makeFreshDir } from './workdir.js';
import { shlexQuote } from '../project/python-format.js';
import { pythonEnvParts } from '../lockfile/python-env.js';
import { DEFAULT_RESOURCE_LIMITS, TIMED_OUT_EXIT, type ResourceLimits } from './backend.js';

export interface ExecOptions {
  bundle: string;
  /** The registry reference (with digest) the bundle was pulled from, recorded in run.json. */
  reference?: string;
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
  /** --python-env: the rerun's Python is the version the project's python_env.yaml names (as mlflow run --env-manager virtualenv), not the snapshot's. */
  pythonEnv?: boolean;
  /** host (--environment host): a local rerun runs in the interpreter as it is, not in the bundle's locked environment. */
  environment?: 'host' | 'locked';
  /** --allow-build: the lock's sdists (a bundle built --vendor --allow-build, or fetched from the index) are built in the sandbox with no network; without it, refused. */
  allowBuild?: boolean;
  /** false (--no-sandbox): run the local backend unconfined on purpose. */
  sandbox?: boolean;
  /** --require-sandbox: refuse to run unconfined when no sandbox works here (each Slurm task). */
  requireSandbox?: boolean;
  /** Variables of this machine passed to the entry point on purpose (--env NAME). */
  passEnv?: string[];
  /** Refuse bundles beyond these (rule 8); the defaults when absent. */
  limits?: TarLimits;
  /** What the run may use (--time-limit, --pids-limit, --memory-limit, --file-size-limit); the defaults when absent. */
  resources?: ResourceLimits;
  /** Host paths the user lets the local sandbox read (--expose), absolute. */
  expose?: string[];
  /** --expect-digest: refuse a bundle whose verified content digest is another (a Slurm task's check). */
  expectDigest?: string;
  /** --output PATH|GLOB: outputs declared at exec, beside the manifest's (an MLproject declares none). */
  outputs?: string[];
}

export interface ExecResult extends RunRecord {
  runDir: string;
}

/** What exec decided before the entry point runs (steps 1 to 3): shared by every run of exec --verify. */
export interface PreparedExec {
  cached: CachedBundle;
  bundleFile: string;
  projectDir: string;
  manifest: ProjectManifest | null;
  /** The bundle's snapshot, read once (the drift check's and the lint's). */
  snapshot: Snapshot | null;
  rendered: RenderedCommand;
  backend: Backend;
  locked: LockedEnvironment | null;
  nodeEnv: NodeEnvironment | null;
  interpreter: PlannedInterpreter | null;
  env: Record<string, string>;
  image: BundleImage | null;
  drift: RunRecord['machine'];
}

export async function runExec(options: ExecOptions, ctx: Context): Promise<ExecResult> {
  // A reused locked environment's stat check runs beside the start of the run in the sandbox
  // (its ~14,000 stats cost ~0.15 s); a run whose environment is found changed is stopped and
  // discarded, and exec starts again: the environment checked in full, made again, run again.
  try {
    return await runPrepared(await prepareExec(options, ctx, { deferEnvCheck: true }), options, ctx);
  } catch (err) {
    if (!(err instanceof TreeChanged)) throw err;
    ctx.log.warn(`exec: ${err.message}: the run was stopped and its outputs discarded; it runs again in the environment made again`);
    return runPrepared(await prepareExec(options, ctx), options, ctx);
  }
}

/** Steps 1 to 3: the bundle verified and extracted, the command rendered, the backend, interpreter and environment chosen, the drift checked. */
export async function prepareExec(options: ExecOptions, ctx: Context, how: { deferEnvCheck?: boolean } = {}): Promise<PreparedExec> {
  // 1. verify while extracting into the cache (or reuse a verified extraction)
  const bundleFile = path.resolve(ctx.cwd, options.bundle);
  const cached = await openCachedBundle(bundleFile, cacheRoot(ctx.env), { limits: options.limits, log: ctx.log, nowMs: ctx.now().getTime() });
  ctx.log.info(`exec: bundle ${cached.contentDigest} verified (${{ reused: 'cached', extracted: 'extracted', raced: 'verified here; the same content was already in the cache' }[cached.how]} at ${cached.dir}${cached.how === 'reused' ? '; the tree checked against the bundle\'s manifest' : ''})`);
  checkExpectedDigest(cached, options.expectDigest, bundleFile);
  const projectDir = path.join(cached.dir, PROJECT_PREFIX);
  const manifest = cached.manifest.project;
  checkBundleOutputs(manifest?.outputs ?? []); // a crafted manifest: nothing runs
  checkBundleEnv(manifest?.env ?? {});
  // 3. the command first, so a badly typed parameter fails before any probe runs; then 2. drift
  const rendered = renderEntry(manifest, ctx.cwd, options);
  for (const w of rendered.warnings) ctx.log.warn(`exec: ${w}`);
  // The sandbox the user chose (never the bundle), the one interpreter a local rerun uses (the
  // drift check describes it and the entry point runs it) and the environment it gets (the drift
  // check compares its determinism variables).
  const original = await readBundleSnapshot(projectDir);
  const backend = await chooseBackend(cached.dir, options, ctx);
  // The image builds the lock's sdists too (pip, network none): the same consent as a local build.
  if (backend.kind === 'docker' && !options.allowBuild && (await fs.stat(path.join(cached.dir, VENDOR_BUILD_RECORD)).then((s) => s.isFile(), () => false))) {
    throw new ReproError('E_CONFIG', `the bundle carries sdists (${VENDOR_BUILD_RECORD}), and the image's pip builds them, running their code: nothing was run`, { hint: 'Rerun with --allow-build (the image is built with no network), or with --backend local --environment host.' });
  }
  const wanted = options.pythonEnv ? await pythonEnvVersion(projectDir, manifest) : recordedPython(original);
  const base = backend.kind === 'local' ? await planRerunInterpreter(wanted, options.python, ctx) : null;
  const locked = base && options.environment !== 'host' ? await prepareLockedEnvironment(cached, projectDir, manifest, base, backend, ctx, Boolean(options.allowBuild), Boolean(how.deferEnvCheck)) : null;
  // In a locked environment the entry point runs its python; the drift check describes the base
  // interpreter (a host program) with the environment's packages, read from its files: no
  // environment's Python runs outside the sandbox.
  const nodeEnv = backend.kind === 'local' && options.environment !== 'host' ? await prepareNodeModules(cached, projectDir, manifest, rendered.command, ctx) : null;
  const interpreter = base && locked ? { ...base, path: locked.python, prefixes: [locked.dir, ...base.prefixes], reason: `${base.reason}, in the locked environment` } : base;
  const env = runEnvironment(backend, manifest, original, cached.manifest.sourceDateEpoch, options.passEnv ?? [], ctx.env);
  // Docker: the image is built first, and the drift check's Python is the image's, probed in a
  // container of it: what the entry point will run with, not what the host has.
  const image = backend.kind === 'docker' ? await bundleImage(cached, bundleFile, options.user, backend.docker, ctx) : null;
  const imagePython = image && backend.kind === 'docker' ? await probeImagePython(image, env, backend.docker) : null;
  if (imagePython) ctx.log.info(`exec: the drift check describes ${imagePython.note}`);
  const drift = await checkDrift(projectDir, manifest, original, { python: base?.path ?? options.python, strict: options.strict, runEnv: env, ...(locked ? { pythonPackages: locked.packages } : {}), ...(imagePython ? { imagePython: imagePython.identity } : {}) }, ctx);
  return { cached, bundleFile, projectDir, manifest, snapshot: original, rendered, backend, locked, nodeEnv, interpreter, env, image, drift };
}

/**
 * Steps 4 and 5: one run of the prepared entry point, recorded. `conditions` (exec --verify)
 * change what the run is given: variables, CPUs, host name, the order its files were copied in.
 */
export async function runPrepared(prepared: PreparedExec, options: ExecOptions, ctx: Context, conditions: RunConditions = {}): Promise<ExecResult> {
  const { cached, bundleFile, projectDir, manifest, rendered, backend, nodeEnv, interpreter } = prepared;
  const env = withConditions(prepared.env, conditions);
  // 4. run
  const specs = outputSpecs(manifest, options.outputs);
  const log = new LogTail();
  const planned = { ...(await planRun(cached, bundleFile, projectDir, manifest, rendered, { ...options, stdout: log.tee(options.stdout), stderr: log.tee(options.stderr) }, specs, backend, env, interpreter, ctx)), nodeModules: nodeEnv?.nodeModules ?? null, conditions };
  // --verify's reordered copy: made on a tmpfs, seen by the entry point at the usual path.
  // It lives in memory: removed after the run, and on Ctrl-C too.
  const elsewhere = conditions.reorderedCopyIn ? await fs.mkdtemp(path.join(conditions.reorderedCopyIn, 'repro-verify-')) : null;
  const untrack = elsewhere ? trackTemp(elsewhere) : () => {};
  const run = elsewhere ? { ...planned, workDir: path.join(elsewhere, 'project'), seenAt: planned.workDir } : planned;
  try {
    return await recordRun(prepared, options, run, specs, log, ctx);
  } finally {
    if (elsewhere) await fs.rm(elsewhere, { recursive: true, force: true });
    untrack();
  }
}

/** Runs the planned run on its backend, then step 5: its outputs recorded and compared, run.json written. */
async function recordRun(prepared: PreparedExec, options: ExecOptions, run: BackendRun, specs: OutputSpec[], log: LogTail, ctx: Context): Promise<ExecResult> {
  const { cached, bundleFile, projectDir, manifest, rendered, backend, locked, interpreter, image, drift } = prepared;
  const started = ctx.now();
  const result: BackendResult = backend.kind === 'docker' ? await runDocker(run, backend.docker, ctx, image ?? undefined) : await runLocalBackend(run, backend.sandbox, ctx, locked?.pendingCheck ? { check: locked.pendingCheck, dir: locked.dir } : undefined);
  const ended = ctx.now();
  for (const why of result.notEnforced ?? []) ctx.log.warn(`exec: a limit was not enforced: ${why}`);
  if (result.timedOut) ctx.log.warn(`exec: the run reached its time limit (${(run.resources.timeLimitMs ?? 0) / 1000} s) and was stopped: exit ${TIMED_OUT_EXIT}`);
  // 5. record and compare
  const found = await findOutputs(run.workDir, projectDir, specs, result.copiedAt ?? 0);
  // Docker: a special file that stopped the project's archive is an output, refused.
  for (const p of Object.keys(result.refused ?? {})) if (!found.paths.includes(p)) found.paths.push(p);
  // Credentials given with -P reach the entry point, never the record (nor --json, nor a bundle
  // built --with-run): not in the parameters, the command, the log, nor the text of an output.
  const { parameters, secrets } = redactParameters(rendered.parameters);
  const recorded = [
    ...(await recordOutputs(run.workDir, found.paths, specs)).map((o) =>
      result.refused?.[o.path] ? { path: o.path, size: null, sha256: null, refused: { path: o.path, kind: result.refused[o.path]! } } : o.text === undefined ? o : { ...o, text: redactText(o.text, secrets) },
    ),
    // A name that is not UTF-8 cannot be recorded or compared: an output refused, never read.
    ...found.badNames.map((p) => ({ path: p, size: null, sha256: null, refused: { path: p, kind: 'name' as const } })),
  ];
  if (run.workDir !== run.outputDir) await keepDeclaredOutputs(run.workDir, run.outputDir, recorded, path.join(run.runDir, SCRATCH_DIR));
  const reference = await readReferenceRun(cached.dir);
  const tail = log.result();
  const record: RunRecord = {
    schemaVersion: RUN_SCHEMA_VERSION,
    kind: 'repro-run',
    runId: options.runId,
    bundle: { contentDigest: cached.contentDigest, file: bundleFile, ...(options.reference ? { reference: options.reference } : {}) },
    entry: rendered.entryPoint,
    parameters,
    command: redactText(rendered.command, secrets, shlexQuote),
    backend: backend.kind,
    sandbox: backend.kind === 'docker' ? 'docker' : backend.sandbox ? 'bubblewrap' : 'none',
    environment: redactEnvironment(run.env),
    image: result.image,
    resources: { ...run.resources, notEnforced: result.notEnforced ?? [], timedOut: Boolean(result.timedOut) },
    machine: drift,
    ...(interpreter ? { interpreter: { path: interpreter.path, version: interpreter.version, chosenBy: interpreter.chosenBy, reason: interpreter.reason, environment: locked ? { digest: locked.digest, lock: locked.lock, reused: locked.reused } : null } } : {}),
    startedAt: started.toISOString(),
    endedAt: ended.toISOString(),
    durationMs: ended.getTime() - started.getTime(),
    exitCode: result.exitCode,
    outputsFrom: found.from,
    outputs: recorded,
    log: { ...tail, tail: redactText(tail.tail, secrets) },
    usage: result.usage ?? { cpuSeconds: null, peakRssBytes: null, method: 'not measured in a container (docker stats ends with it)' },
    reproduced: reference ? judgeRerun(reference, { entry: rendered.entryPoint, parameters, outputs: recorded }, specs, entryParameters(manifest, rendered.entryPoint)) : null,
  };
  // An interrupted run (Ctrl-C, SIGTERM) is no result: its entry point was stopped, not done.
  if (wasInterrupted()) throw new ReproError('E_ENV', 'interrupted: the run was stopped before it ended, so nothing is recorded', { details: { runDir: run.runDir } });
  await writeFileAtomic(path.join(run.runDir, 'run.json'), canonicalJson(record));
  return { ...record, runDir: run.runDir };
}

/** The run's environment with --verify's variables set (a string) or removed (null). */
function withConditions(env: Record<string, string>, conditions: RunConditions): Record<string, string> {
  if (!conditions.env) return env;
  const out = { ...env };
  for (const [k, v] of Object.entries(conditions.env)) if (v === null) delete out[k];
  else out[k] = v;
  return out;
}

/** --expect-digest: the verified bundle must be the one the caller (a Slurm task's submitter) verified. */
export function checkExpectedDigest(cached: CachedBundle, expected: string | undefined, bundleFile: string): void {
  if (expected === undefined || expected === cached.contentDigest) return;
  throw new ReproError('E_INTEGRITY', `the bundle is not the one expected: its content digest is ${cached.contentDigest}, not ${expected}`, {
    hint: 'Nothing ran. Another bundle sits where this one was expected; rerun the bundle by its digest.',
    details: { expected, actual: cached.contentDigest, bundle: bundleFile },
  });
}

/** What the outputs are: the manifest's declarations, and --output GLOB (each a declared output too). */
export function outputSpecs(manifest: ProjectManifest | null, extra: readonly string[] = []): OutputSpec[] {
  return [...(manifest?.outputs ?? []), ...extra.map((p) => ({ path: p }))];
}

/** The declared parameters of the entry point that ran (none for the script convention). */
function entryParameters(manifest: ProjectManifest | null, entry: string): ParameterSpec[] {
  return manifest && Object.prototype.hasOwnProperty.call(manifest.entryPoints, entry) ? manifest.entryPoints[entry]!.parameters : [];
}

/**
 * The environment the entry point gets. Every backend gives it the bundle's own time (matplotlib,
 * gzip, ... write it instead of now) and the snapshot's recorded determinism variables, as the
 * run it repeats had them, unless --env or the manifest sets them; local runs start clean, a
 * container from its image.
 */
function runEnvironment(backend: Backend, manifest: ProjectManifest | null, snapshot: Snapshot | null, sourceDateEpoch: number, passEnv: readonly string[], host: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const defaults = { SOURCE_DATE_EPOCH: String(sourceDateEpoch), ...recordedEnvironment(snapshot) };
  return backend.kind === 'local' ? cleanEnvironment(host, manifest?.env ?? {}, passEnv, defaults) : { ...defaults, ...pickEnvironment(host, passEnv), ...(manifest?.env ?? {}) };
}

/** The bundle's locked environment for this interpreter (exec/environment.ts), said in the log; null when it carries no hashed Python lock. */
async function prepareLockedEnvironment(cached: CachedBundle, projectDir: string, manifest: ProjectManifest | null, base: PlannedInterpreter, backend: Backend, ctx: Context, allowBuild: boolean, deferCheck: boolean): Promise<LockedEnvironment | null> {
  const buildRecord = path.join(cached.dir, VENDOR_BUILD_RECORD);
  const wheelsDir = await vendoredWheels(cached.dir);
  const locked = await lockedEnvironment(
    {
      projectDir,
      lockfile: manifest?.environment.lockfile ?? null,
      interpreter: base,
      // The install runs in bubblewrap even when the run does not (--no-sandbox): never unconfined.
      sandbox: backend.kind === 'local' && backend.sandbox ? backend.sandbox : await findSandbox(ctx.env),
      cacheRoot: cacheRoot(ctx.env),
      hostEnv: ctx.env,
      platform: `${process.platform}-${process.arch}`,
      wheelsDir,
      // Only when the bundle vendors wheels: the lookup walks the whole manifest (100,000 entries in a large project).
      wheelHashes: wheelsDir ? cached.hashesUnder(VENDOR_PYTHON_DIR) : undefined,
      recordedLock: (await fs.stat(path.join(cached.dir, VENDOR_RECORDED_LOCK)).then((s) => s.isFile(), () => false)) ? path.join(cached.dir, VENDOR_RECORDED_LOCK) : null,
      allowBuild,
      buildRecord: (await fs.stat(buildRecord).then((s) => s.isFile(), () => false)) ? { file: buildRecord, wheelsDir: path.join(cached.dir, VENDOR_PYTHON_BUILD_DIR) } : null,
      sourceDateEpoch: cached.manifest.sourceDateEpoch,
      runSandboxed: backend.kind === 'local' && Boolean(backend.sandbox),
      deferCheck,
    },
    ctx,
  );
  if (locked) ctx.log.info(`exec: the locked environment ${locked.digest} from ${locked.lock} (${Object.keys(locked.packages).length} packages), ${locked.reused ? (locked.pendingCheck ? 'reused, its files checked as the run starts' : 'reused, its files checked') : 'installed'}: ${locked.dir}`);
  else {
    const conda = await condaEnvironmentFile(projectDir, manifest);
    if (conda) ctx.log.warn(`exec: the project's environment is a conda one (${conda}): repro does not solve or install conda environments, so the rerun uses the interpreter as it is (--python PATH picks it; the drift check says what differs). A hashed pip lock (repro lock) gives a locked environment.`);
    else ctx.log.info('exec: the bundle carries no hashed Python lock: the rerun uses the interpreter as it is (repro lock makes one from the snapshot)');
  }
  return locked;
}

/** The bundle's locked node_modules (exec/node-environment.ts), said in the log; null when it carries no npm lock. */
async function prepareNodeModules(cached: CachedBundle, projectDir: string, manifest: ProjectManifest | null, command: string, ctx: Context): Promise<NodeEnvironment | null> {
  const tarballs = path.join(cached.dir, VENDOR_NODE_DIR);
  const vendored = await fs.stat(tarballs).then((s) => s.isDirectory(), () => false);
  // Installed when the bundle carries the tarballs (build --vendor asked for it), the manifest
  // names a Node runtime, or the entry point runs Node: an ML project's frontend lock is not the
  // run's environment, and fetching it would make a Python rerun need the npm registry.
  if (!vendored && !manifest?.environment.node && !runsNode(command)) return null;
  const node = await lockedNodeModules({ projectDir, cacheRoot: cacheRoot(ctx.env), tarballsDir: vendored ? tarballs : null }, ctx);
  if (node) ctx.log.info(`exec: the locked node_modules ${node.digest} from ${node.lock} (${node.packages} packages), ${node.reused ? 'reused, its files checked' : 'installed'}: ${node.nodeModules}`);
  return node;
}

/** Whether a command's first word runs Node (node, npm, npx, a package manager, a TypeScript runner). */
export function runsNode(command: string): boolean {
  const first = command.trim().split(/\s+/)[0] ?? '';
  return /^(node|nodejs|npm|npx|yarn|pnpm|tsx|ts-node)$/.test(path.posix.basename(first));
}

/** The conda environment file the project runs in (MLproject's conda_env, else conda.yaml or environment.yml at its top), or null. */
async function condaEnvironmentFile(projectDir: string, manifest: ProjectManifest | null): Promise<string | null> {
  if (manifest?.mlflowEnvironment?.kind === 'conda_env' && typeof manifest.mlflowEnvironment.value === 'string') return manifest.mlflowEnvironment.value;
  for (const name of ['conda.yaml', 'conda.yml', 'environment.yml', 'environment.yaml']) if (await fs.stat(path.join(projectDir, name)).then((s) => s.isFile(), () => false)) return name;
  return null;
}

/** The bundle's vendored wheels (build --vendor), or null. */
async function vendoredWheels(bundleDir: string): Promise<string | null> {
  const dir = path.join(bundleDir, VENDOR_PYTHON_DIR);
  return (await fs.stat(dir).then((s) => s.isDirectory(), () => false)) ? dir : null;
}

/** The Python the snapshot recorded: its version and the path it was at. */
function recordedPython(snapshot: Snapshot | null): { version: string; executable: unknown } | null {
  return snapshot?.identity.python && typeof snapshot.identity.python.version === 'string' ? { version: snapshot.identity.python.version, executable: snapshot.context.python?.executable } : null;
}

/** --python-env: the version the project's python_env.yaml names, read as MLflow reads it; refused when there is none. */
async function pythonEnvVersion(projectDir: string, manifest: ProjectManifest | null): Promise<{ version: string; executable: null; from: string }> {
  const file = manifest?.mlflowEnvironment?.kind === 'python_env' && typeof manifest.mlflowEnvironment.value === 'string' ? manifest.mlflowEnvironment.value : (await fs.stat(path.join(projectDir, 'python_env.yaml')).then((s) => s.isFile(), () => false)) ? 'python_env.yaml' : null;
  // The manifest's word is the bundle author's: a path that leaves the project is refused, never read.
  if (file !== null && (path.isAbsolute(file) || path.normalize(file).split(/[\\/]/).includes('..'))) {
    throw new ReproError('E_UNSAFE_ENTRY', `--python-env: the manifest's python_env ${JSON.stringify(file)} is outside the project`, { hint: 'This bundle was crafted or altered; nothing ran.', details: { file } });
  }
  const text = file === null ? null : await fs.readFile(path.join(projectDir, file), 'utf8').catch(() => null);
  let python: string | null = null;
  try {
    python = text === null ? null : pythonEnvParts(text, file!).python;
  } catch (err) {
    throw new ReproError('E_INPUT', `--python-env: ${(err as Error).message}`, { hint: 'Fix the python_env.yaml (MLflow\'s format: python, build_dependencies, dependencies).', details: { file } });
  }
  if (!python) {
    throw new ReproError('E_INPUT', file === null ? '--python-env: the project has no python_env.yaml' : `--python-env: ${file} names no python version`, {
      hint: 'Drop --python-env (the rerun then uses the snapshot\'s Python), or add python_env.yaml with `python: "3.11.7"` (MLflow\'s format).',
      details: { file },
    });
  }
  return { version: python, executable: null, from: file! };
}

/** The local rerun's interpreter (snapshot/find-python.ts), said in the log: loudly when it is not the version recorded. */
async function planRerunInterpreter(recorded: { version: string; executable: unknown; from?: string } | null, python: string | undefined, ctx: Context): Promise<PlannedInterpreter | null> {
  const planned = await planInterpreter({ python, recorded, cacheDir: cacheRoot(ctx.env), env: ctx.env });
  if (!planned) return null;
  const line = `exec: python ${planned.path} (${planned.version ?? 'version unknown'}): ${planned.reason}`;
  if (planned.chosenBy === 'path' || planned.chosenBy === 'same-minor') ctx.log.warn(`${line}; the drift check below says what differs`);
  else ctx.log.info(line);
  return planned;
}

/** Makes the run directory (never an existing one) and says what either backend needs. */
async function planRun(cached: CachedBundle, bundleFile: string, projectDir: string, manifest: ProjectManifest | null, rendered: RenderedCommand, options: ExecOptions, specs: readonly OutputSpec[], backend: Backend, env: Record<string, string>, interpreter: PlannedInterpreter | null, ctx: Context): Promise<BackendRun> {
  const runDir = options.out ? path.resolve(ctx.cwd, options.out) : defaultRunDir(ctx.env, options.runId);
  await makeFreshDir(runDir, 'run directory');
  const outputs = literalOutputs(specs);
  return {
    cached,
    bundleFile,
    projectDir,
    // The local entry point works in a scratch copy; only its declared outputs are copied into
    // runs/<id>/project, so nothing else it writes (a .git/config, dotfiles) is left where the
    // user looks later.
    workDir: backend.kind === 'local' ? path.join(runDir, SCRATCH_DIR, 'project') : path.join(runDir, 'project'),
    outputDir: path.join(runDir, 'project'),
    runDir,
    command: rendered.command,
    shell: shellOf(manifest),
    readPaths: [...rendered.paths, ...(options.expose ?? [])],
    env,
    interpreter,
    // Both backends give the entry point the declared outputs' directories, made beforehand (in
    // Docker they are the only writable places, bound from the run directory).
    outputDirs: [...new Set(outputs.map((o) => path.posix.dirname(o.path)).filter((d) => d !== '.'))],
    outputs: outputs.map((o) => o.path),
    // Globs and detection look at every file the run left: Docker hands back the whole project.
    collectAll: outputs.length === 0 || specs.some((o) => !o.ignore && isGlob(o.path)),
    limits: options.limits ?? DEFAULT_LIMITS,
    gpus: manifest?.gpu?.required ? manifest.gpu.count : null,
    resources: options.resources ?? DEFAULT_RESOURCE_LIMITS,
    runId: options.runId,
    user: options.user,
    network: options.network ?? DEFAULT_NETWORK,
    stdout: options.stdout,
    stderr: options.stderr,
  };
}

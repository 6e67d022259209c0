// The locked environment a local rerun runs in (issue 30): a virtual environment of the planned
// interpreter with exactly what the bundle's hashed Python lock pins (the lock is the resolution;
// nothing is resolved, no dependency added), installed by repro itself (src/wheel/): each wheel,
// the bundle's vendored one or one fetched from the index, is checked against the lock's hash and
// this interpreter's tags, unpacked once into a content-addressed store with its RECORD checked,
// and hard-linked into the environment, so ten environments sharing numpy hold one copy. Nothing
// of a wheel runs: the venv is made, and bytecode compiled, by the interpreter inside bubblewrap
// with no network; no .pth or script of a wheel runs outside a sandbox, ever.
//
// Cached by an environment digest (the interpreter's real path and version, the platform, the
// requirements text with its hashes) under <cache>/envs/<digest>, made in place (a venv is not
// relocatable) once however many execs need it, and checked on each reuse (env-cache.ts).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { canonicalJson } from '../core/canonical-json.js';
import { noProgress, type Context, type ProgressReporter } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { sha256OfPath } from '../core/file-read.js';
import { compareUtf8 } from '../core/utf8-order.js';
import { VENDOR_BUILD_RECORD, VENDOR_RECORDED_LOCK } from '../bundle/layout.js';
import { hashedRequirements } from '../dockerfile/install-lock.js';
import { normalizeName } from '../lockfile/requirements.js';
import type { PlannedInterpreter } from '../snapshot/find-python.js';
import { fetchLockedArtifacts, lockedHashes, mismatchError, type FetchedWheel } from '../wheel/fetch.js';
import { BUILD_RECORD_SCHEMA, checkBuildSystem, SDIST_FILE, type BuildWheel, type LockedSdist } from '../wheel/sdist.js';
import { distributionOf } from '../pyindex/simple.js';
import { fetchSdist } from '../pyindex/sdist-fetch.js';
import { fetchLockWheels } from '../pyindex/wheel-fetch.js';
import { parseWheelName } from '../wheel/filename.js';
import { applyOps, planEntry, relativeTo, skeletonPaths } from '../wheel/install.js';
import { FILES_DIR, STORE_DIR, WheelStore, type Staged, type StoreEntry } from '../wheel/store.js';
import { wheelFits, type InterpreterTags } from '../wheel/tags.js';
import { runLocal } from './run-local.js';
import { buildSdists } from './sdist-build.js';
import { cachedTree, WAIT_MS, type KnownFile } from './env-cache.js';
import { hiddenInSandbox, sandboxInvocation, type Sandbox } from './sandbox.js';

export const ENVS_DIR = 'envs';
/** The bytecode compiler run in the sandbox: reads folders on stdin, compiles them on every core. */
const COMPILE_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates', 'compile-bytecode.py');
const ENV_SCHEMA = 2;

export interface LockedEnvironment {
  /** <cache>/envs/<digest>: the venv. */
  dir: string;
  python: string;
  /** sha256:<hex> of what the environment is made from (interpreter, platform, requirements). */
  digest: string;
  /** The project's lock it was made from. */
  lock: string;
  /** Whether an earlier exec's environment was reused (checked first). */
  reused: boolean;
  /** Distribution name (PEP 503) -> version, read from the environment's METADATA files (no Python runs). */
  packages: Record<string, string>;
  /** deferCheck: the reused environment's stat check, still to be awaited (false: it changed, and the run must not be trusted). */
  pendingCheck?: () => Promise<boolean>;
}

function envDigest(python: PlannedInterpreter, realPython: string, platform: string, requirements: string, build: string | null): string {
  // `build` (the sdists' build record, or that they are built from the index) only when there is one: the digests of environments of wheels alone stay what they were.
  return `sha256:${createHash('sha256').update(canonicalJson({ schema: ENV_SCHEMA, python: { path: realPython, version: python.version }, platform, requirements, ...(build !== null ? { build } : {}) })).digest('hex')}`;
}

// --- what is installed, without running Python --------------------------------------------------

/** Name -> version of every distribution in the environment's site-packages, from its METADATA headers. */
export async function installedDistributions(envDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const lib = path.join(envDir, 'lib');
  for (const py of await fs.readdir(lib).catch(() => [] as string[])) {
    const site = path.join(lib, py, 'site-packages');
    for (const d of await fs.readdir(site).catch(() => [] as string[])) {
      if (!d.endsWith('.dist-info')) continue;
      const meta = await fs.readFile(path.join(site, d, 'METADATA'), 'utf8').catch(() => '');
      const head = meta.split(/\r?\n\r?\n/)[0] ?? '';
      const name = /^Name:\s*(.+)$/m.exec(head)?.[1]?.trim();
      const version = /^Version:\s*(.+)$/m.exec(head)?.[1]?.trim();
      if (name && version) out[normalizeName(name)] = version;
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export interface EnvironmentRequest {
  projectDir: string;
  /** environment.lockfile of repro.yaml, when it names one. */
  lockfile: string | null;
  /** The rerun's interpreter (a host program: snapshot/find-python.ts). */
  interpreter: PlannedInterpreter;
  /** bubblewrap: the install runs in it, or not at all. */
  sandbox: Sandbox | { reason: string };
  cacheRoot: string;
  /** The caller's environment: the index settings pip may need (PIP_INDEX_URL, ...). */
  hostEnv: Readonly<Record<string, string | undefined>>;
  platform: string;
  /** The wheels the bundle carries (build --vendor): installed from there with no network, no index asked. */
  wheelsDir: string | null;
  /** Their sha256 as the bundle's manifest lists them (the extracted tree was checked against it): not read again. Files not in it are hashed. */
  wheelHashes?: ReadonlyMap<string, string>;
  /** The hashes build --vendor --record-hashes recorded (vendor/requirements.lock.txt), used when the project's own lock has none. */
  recordedLock?: string | null;
  /** --allow-build: the lock's sdists (packages with no wheel here) are built, in the sandbox with no network; without it a bundle carrying one is refused. */
  allowBuild?: boolean;
  /** build --vendor --allow-build's record (vendor/python-build.json) and its build wheels' folder (vendor/python-build/), when the bundle carries them. */
  buildRecord?: { file: string; wheelsDir: string } | null;
  /** The bundle's time, for the builds (SOURCE_DATE_EPOCH). */
  sourceDateEpoch?: number;
  /** Whether the run itself is in the sandbox (not --no-sandbox): the environment must then be somewhere the sandbox shows it. */
  runSandboxed?: boolean;
  /** A reuse's stat check is left to the caller (pendingCheck), which runs it beside the start of a sandboxed run (env-cache.ts). */
  deferCheck?: boolean;
}

/** What the environment's interpreter says of itself, in the sandbox, right after the venv is made. */
export interface EnvironmentProbe {
  paths: Record<string, string>;
  cacheTag: string;
  tags: InterpreterTags;
}

/** Printed by the new venv's python (-I: no user site, no PYTHON* variables; its site-packages is still empty). */
const PROBE = [
  'import json, os, platform, sys, sysconfig',
  'try:',
  '    glibc = os.confstr("CS_GNU_LIBC_VERSION")',
  'except (ValueError, OSError, AttributeError):',
  '    glibc = None',
  'print(json.dumps({"paths": sysconfig.get_paths(), "cache_tag": sys.implementation.cache_tag, "implementation": sys.implementation.name, "version": list(sys.version_info[:2]), "glibc": glibc, "machine": platform.machine()}))',
].join('\n');

/** The probe's JSON line, checked: an interpreter that prints something else is E_ENV. */
export function parseProbe(stdout: string, venv: string): EnvironmentProbe {
  let raw: { paths?: Record<string, string>; cache_tag?: string; implementation?: string; version?: number[]; glibc?: string | null; machine?: string };
  try {
    raw = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  } catch {
    throw new ReproError('E_ENV', `the new environment's interpreter did not describe itself (${JSON.stringify(stdout.slice(-200))})`, { hint: 'Rerun with --environment host, or pass another --python.' });
  }
  const paths = raw.paths ?? {};
  for (const k of ['purelib', 'platlib', 'scripts', 'data']) {
    const p = paths[k];
    if (typeof p !== 'string' || !(p === venv || p.startsWith(`${venv}/`))) throw new ReproError('E_ENV', `the new environment's ${k} folder (${String(p)}) is not inside it (${venv})`, { hint: 'The interpreter is configured to install elsewhere (a distutils.cfg, a patched sysconfig); pass another --python, or rerun with --environment host.' });
  }
  const glibc = /^glibc (\d+)\.(\d+)/.exec(raw.glibc ?? '');
  const version = raw.version ?? [];
  if (typeof raw.cache_tag !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(raw.cache_tag) || version.length !== 2) throw new ReproError('E_ENV', 'the new environment\'s interpreter has no bytecode cache tag or version', { hint: 'Rerun with --environment host, or pass another --python.' });
  return {
    paths,
    cacheTag: raw.cache_tag,
    tags: { implementation: raw.implementation ?? 'cpython', version: [version[0]!, version[1]!], glibc: glibc ? [Number(glibc[1]), Number(glibc[2])] : null, machine: raw.machine ?? process.arch },
  };
}

interface Made {
  wheels: number;
  unpacked: number;
  /** Each file linked from the store (path under the environment) with the sha256 the store lists: unpacked and hashed by this exec, or in an entry whose every file has the size and mtime it was published with. */
  linked: Map<string, KnownFile>;
}

/** Runs a shell command in bubblewrap, no network, `writable` the one writable folder; stdout and the tail of both streams. */
async function inSandbox(sandbox: Sandbox, request: EnvironmentRequest, writable: string, env: Record<string, string>, command: string, readPaths: string[] = [], stdin?: NodeJS.ReadableStream, onLine?: (line: string) => void): Promise<{ exitCode: number; stdout: string; output: string }> {
  const inv = sandboxInvocation(sandbox.bwrap, { runDir: writable, workDir: writable, network: 'none', env: { PATH: '/usr/bin:/bin', HOME: '/tmp', LANG: 'C.UTF-8', PY: request.interpreter.base, ...env }, shell: ['/bin/sh'], command, readPaths, interpreter: request.interpreter });
  const out: Buffer[] = [];
  const both: Buffer[] = [];
  let partial = '';
  const sink = (also: Buffer[] | null) =>
    new Writable({
      write(chunk, _encoding, done) {
        also?.push(Buffer.from(chunk));
        both.push(Buffer.from(chunk));
        if (also && onLine) {
          const lines = (partial + String(chunk)).split('\n');
          partial = lines.pop()!;
          for (const l of lines) onLine(l);
        }
        done();
      },
    });
  const { exitCode } = await runLocal({ argv: inv.argv, command, cwd: writable, env: inv.env, fds: inv.fds, stdout: sink(out), stderr: sink(null), timeLimitMs: WAIT_MS, stdin });
  return { exitCode, stdout: Buffer.concat(out).toString('utf8'), output: Buffer.concat(both).toString('utf8').trim().split('\n').slice(-15).join('\n') };
}

/** What the environment is made of: wheels, and under --allow-build the sdists to build first with the wheels that build them. */
interface LockArtifacts {
  wheels: FetchedWheel[];
  sdists: LockedSdist[];
  buildWheels: Map<string, BuildWheel>;
}

/** The wheels (and sdists) the environment is made of: the bundle's vendored ones (checked against the lock here), else fetched from the index into the wheel store. */
async function lockWheels(requirements: { lock: string; text: string; file: string | null }, request: EnvironmentRequest, ctx: Context): Promise<LockArtifacts> {
  if (request.wheelsDir === null) {
    const got = await fetchLockedArtifacts({ requirements, python: { base: request.interpreter.base, version: request.interpreter.version }, cacheRoot: request.cacheRoot, env: request.hostEnv, log: ctx.log, who: 'exec', projectDir: request.projectDir, allowBuild: Boolean(request.allowBuild), fetchSdist, fetchWheels: fetchLockWheels, progress: ctx.progress });
    return { wheels: got.wheels, sdists: got.sdists, buildWheels: new Map(got.buildWheels.map((b) => [b.file, b])) };
  }
  const { hashes, everywhere } = lockedHashes(requirements.text);
  const wheels: FetchedWheel[] = [];
  const sdistFiles: FetchedWheel[] = [];
  for (const file of (await fs.readdir(request.wheelsDir)).sort(compareUtf8)) {
    const name = parseWheelName(file) ?? (SDIST_FILE.test(file) ? distributionOf(file) : null);
    const source = path.join(request.wheelsDir, file);
    const want = name ? hashes.get(name.project) : undefined;
    if (!name || !want) throw new ReproError('E_INTEGRITY', `the bundle's vendored ${JSON.stringify(file)} is no wheel or sdist of a package ${requirements.lock} locks: nothing was installed`, { details: { file } });
    const sha256 = request.wheelHashes?.get(file) ?? sha256OfPath(source);
    if (!want.has(sha256)) throw mismatchError(requirements.lock, [{ package: name.project, expected: [...want], got: sha256 }], `the bundle's vendored ${file}`);
    (file.endsWith('.whl') ? wheels : sdistFiles).push({ file, source, sha256, size: (await fs.stat(source)).size, package: name.project });
  }
  const missing = [...everywhere].filter((p) => !wheels.some((w) => w.package === p) && !sdistFiles.some((w) => w.package === p));
  if (missing.length > 0) throw new ReproError('E_INTEGRITY', `the bundle vendors no wheel for ${missing.join(', ')}, which ${requirements.lock} locks: nothing was installed`, { hint: 'Build the bundle again with --vendor.', details: { missing } });
  if (sdistFiles.length === 0) return { wheels, sdists: [], buildWheels: new Map() };
  if (!request.allowBuild) {
    throw new ReproError('E_CONFIG', `the bundle carries the sdist${sdistFiles.length === 1 ? '' : 's'} ${sdistFiles.map((f) => f.file).join(', ')} (no wheel for the interpreter it was built for), and building one runs its code: nothing was run`, { hint: 'Rerun with --allow-build to build it in the sandbox with no network, or with --environment host.', details: { sdists: sdistFiles.map((f) => f.file) } });
  }
  const recorded = request.buildRecord ? await readBuildRecord(request.buildRecord.file, request.buildRecord.wheelsDir) : null;
  const sdists = sdistFiles.map((f) => {
    const r = recorded?.sdists.find((s) => s.file === f.file && s.sha256 === f.sha256);
    if (!r) throw new ReproError('E_INTEGRITY', `the bundle carries ${f.file} without a build record for it (${VENDOR_BUILD_RECORD}): nothing was run`, { hint: 'The bundle was altered, or built by another tool; build it again with --vendor --allow-build.', details: { sdist: f.file } });
    // The package and version are the file name's (which the lock's hash checked), never the record's word.
    const named = distributionOf(f.file);
    if (!named || normalizeName(r.package) !== named.project || r.version !== named.version) throw new ReproError('E_INTEGRITY', `the bundle's build record says ${f.file} is ${r.package} ${r.version}: nothing was run`, { hint: 'The bundle was altered; build it again with --vendor --allow-build.', details: { sdist: f.file } });
    return { ...r, package: named.project, version: named.version, source: f.source, size: f.size };
  });
  return { wheels, sdists, buildWheels: recorded!.buildWheels };
}

/** vendor/python-build.json read and checked: every build wheel it names is in vendor/python-build/ with the sha256 it recorded. */
export async function readBuildRecord(file: string, wheelsDir: string): Promise<{ sdists: Array<Omit<LockedSdist, 'source' | 'size'>>; buildWheels: Map<string, BuildWheel> }> {
  const bad = (why: string) => new ReproError('E_INTEGRITY', `the bundle's ${VENDOR_BUILD_RECORD} ${why}: nothing was run`, { hint: 'The bundle was altered; build it again with --vendor --allow-build.' });
  let doc: { schemaVersion?: unknown; sdists?: unknown; buildWheels?: unknown };
  try {
    doc = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    throw bad('is not JSON');
  }
  if (doc.schemaVersion !== BUILD_RECORD_SCHEMA || !Array.isArray(doc.sdists) || !Array.isArray(doc.buildWheels)) throw bad('is not a build record of this repro');
  const buildWheels = new Map<string, BuildWheel>();
  for (const b of doc.buildWheels as Array<{ file?: unknown; sha256?: unknown }>) {
    if (typeof b.file !== 'string' || !parseWheelName(b.file) || path.basename(b.file) !== b.file || typeof b.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(b.sha256)) throw bad('names a build wheel that is no wheel file');
    const source = path.join(wheelsDir, b.file);
    const got = await fs.stat(source).then((s) => (s.isFile() ? sha256OfPath(source) : null), () => null);
    if (got !== b.sha256) throw new ReproError('E_INTEGRITY', `the bundle's build wheel ${b.file} does not match the sha256 ${VENDOR_BUILD_RECORD} recorded (expected ${b.sha256}, got ${got ?? 'no file'}): nothing was run`, { hint: 'The bundle was altered; build it again with --vendor --allow-build.', details: { wheel: b.file, expected: b.sha256, got } });
    buildWheels.set(b.file, { file: b.file, sha256: b.sha256, source });
  }
  const sdists = (doc.sdists as Array<Record<string, unknown>>).map((s) => {
    if (typeof s.package !== 'string' || typeof s.version !== 'string' || typeof s.file !== 'string' || typeof s.sha256 !== 'string' || !Array.isArray(s.buildWheels) || !s.buildWheels.every((w) => typeof w === 'string')) throw bad('has an sdist entry of the wrong shape');
    // The backend and its path are checked as a pyproject.toml's are: the record is the bundle author's word.
    const checked = checkBuildSystem({ requires: s.requires, 'build-backend': s.backend, 'backend-path': s.backendPath }, s.file);
    return { package: s.package, version: s.version, file: s.file, sha256: s.sha256, ...checked, buildWheels: s.buildWheels as string[] };
  });
  return { sdists, buildWheels };
}

const describeTags = (t: InterpreterTags) => `${t.implementation} ${t.version.join('.')}${t.glibc ? ` on glibc ${t.glibc.join('.')}` : ''} ${t.machine}`;

/**
 * The install, repro's own (nothing of a wheel runs): the venv made by the interpreter in the
 * sandbox; every wheel checked against the lock's hash and this interpreter's tags; each one
 * unpacked once into the store (its RECORD checked, its bytecode compiled in the sandbox with no
 * network) and hard-linked into the environment.
 */
async function makeEnvironment(dir: string, requirements: { lock: string; text: string; file: string | null }, request: EnvironmentRequest, ctx: Context): Promise<Made> {
  const sandbox = request.sandbox;
  if (!('bwrap' in sandbox)) {
    throw new ReproError('E_ENV', `the locked environment is made only inside a sandbox, and there is none here (${sandbox.reason})`, { hint: 'Install bubblewrap, or rerun in your own environment with --environment host.' });
  }
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const failed = async (what: string, r: { exitCode: number; output: string }) => {
    await fs.rm(dir, { recursive: true, force: true });
    const last = r.output.split('\n').filter((l) => l.trim() !== '').pop() ?? '';
    return new ReproError('E_ENV', `the locked environment could not be made: ${what} (exit ${r.exitCode}): nothing was run. ${last.trim().slice(0, 300)}`, { hint: /No module named venv|ensurepip/.test(r.output) ? `${request.interpreter.base} has no venv module (Debian: apt-get install python3-venv), or rerun with --environment host.` : 'The output is in details.output (--json); or rerun in your own environment with --environment host.', details: { output: r.output } });
  };
  const made = await inSandbox(sandbox, request, dir, { ENV_DIR: dir }, ['set -e', '"$PY" -I -m venv --without-pip "$ENV_DIR"', `"$ENV_DIR/bin/python" -I -c '${PROBE}'`].join('\n'));
  if (made.exitCode !== 0) throw await failed('the venv', made);
  // Where the sdists are built (--allow-build): beside the environment, removed whatever happens.
  const buildRoot = `${dir}.build-${process.pid}`;
  try {
    const probe = parseProbe(made.stdout, dir);
    const artifacts = await lockWheels(requirements, request, ctx);
    const wheels = [...artifacts.wheels];
    const fits = (w: FetchedWheel, built: boolean) => {
      if (wheelFits(parseWheelName(w.file)!, probe.tags)) return;
      throw new ReproError('E_ENV', `${w.file} does not install on this interpreter (${describeTags(probe.tags)}): nothing was run`, { hint: built ? 'Its sdist built a wheel for another interpreter; rerun with --environment host.' : request.wheelsDir ? 'The bundle vendors the wheels of the interpreter it was built for: rerun with that Python version (--python PATH), or with --environment host.' : 'The lock pins a wheel this machine cannot use: lock for this platform, or pass --python PATH.', details: { wheel: w.file, interpreter: probe.tags } });
    };
    for (const w of wheels) fits(w, false);
    if (artifacts.sdists.length > 0) {
      await fs.rm(buildRoot, { recursive: true, force: true });
      const built = await buildSdists(artifacts.sdists, artifacts.buildWheels, buildRoot, {
        makeVenv: async (env) => {
          await fs.mkdir(env, { recursive: true });
          const r = await inSandbox(sandbox, request, env, { ENV_DIR: env }, '"$PY" -I -m venv --without-pip "$ENV_DIR"');
          if (r.exitCode !== 0) throw await failed('a build environment', r);
        },
        install: async (env, buildWheels) => {
          for (const w of buildWheels) fits(w, false);
          await installWheels(env, buildWheels, probeFor(probe, dir, env), request, sandbox, failed);
        },
        run: (writable, readPaths, env, command) => inSandbox(sandbox, request, writable, env, command, readPaths),
      }, request.sourceDateEpoch ?? 0, ctx.log);
      for (const w of built) fits(w, true);
      wheels.push(...built);
    }
    ctx.log.info(`exec: installing the locked environment from ${path.basename(requirements.file ?? requirements.lock)} into ${dir} (${artifacts.wheels.length} wheels checked against the lock${artifacts.sdists.length > 0 ? `, ${artifacts.sdists.length} built from its sdists` : ''}, ${request.wheelsDir ? "from the bundle's vendored wheels, no network" : 'fetched from the index'}; unpacked once into the store, compiled in the sandbox, linked)`);
    const { linked, unpacked } = await installWheels(dir, wheels, probe, request, sandbox, failed, ctx.progress);
    return { wheels: wheels.length, unpacked, linked };
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  } finally {
    await fs.rm(buildRoot, { recursive: true, force: true });
  }
}

/** The probe of a venv made the same way at another place: its scheme's folders moved with it. */
function probeFor(probe: EnvironmentProbe, from: string, to: string): EnvironmentProbe {
  return { ...probe, paths: Object.fromEntries(Object.entries(probe.paths).map(([k, v]) => [k, v === from || v.startsWith(`${from}/`) ? to + v.slice(from.length) : v])) };
}

/**
 * Installs checked wheels into the venv at `dir`: each unpacked once into the store (its RECORD
 * checked, its bytecode compiled in the sandbox with no network, while the others unpack) and
 * hard-linked into the venv. Returns each linked file with its store sha256.
 */
async function installWheels(dir: string, wheels: readonly FetchedWheel[], probe: EnvironmentProbe, request: EnvironmentRequest, sandbox: Sandbox, failed: (what: string, r: { exitCode: number; output: string }) => Promise<ReproError>, progress: ProgressReporter = noProgress): Promise<{ linked: Map<string, KnownFile>; unpacked: number }> {
  const store = new WheelStore(path.join(request.cacheRoot, STORE_DIR));
  const entries: Array<{ entry: StoreEntry; files: string }> = [];
  const toStage: FetchedWheel[] = [];
  const found = new Map<string, StoreEntry>();
  for (const w of wheels) {
    const entry = await store.lookup(WheelStore.key(w.sha256, probe.cacheTag));
    if (entry) found.set(w.sha256, entry);
    else if (!toStage.some((t) => t.sha256 === w.sha256)) toStage.push(w);
  }
  const batch = toStage.length > 0 ? await store.batch() : null;
  try {
    const staged = new Map<string, Staged>();
    // Bytecode for the interpreter, compiled in the sandbox (no network, only the staging folder
    // writable) while the wheels are still being unpacked: each wheel's folder goes to the
    // compiler as soon as it is checked. py_compile only compiles: no code of a wheel runs.
    const folders = new PassThrough();
    // A bar of wheels, each counted when its bytecode is compiled (the compiler's "done FOLDER").
    if (batch) progress.start(`unpacking and compiling ${toStage.length} wheels`, toStage.length, 'items');
    const compiling = batch ? inSandbox(sandbox, request, batch, { COMPILER: COMPILE_SCRIPT }, '"$PY" -I "$COMPILER"', [COMPILE_SCRIPT], folders, (line) => line.startsWith('done ') && progress.tick(1)).finally(() => progress.stop()) : null;
    // Four wheels at once, so the unpacking threads (wheel/unpack-pool.ts) always have the next
    // one's members while this thread lists and checks another's.
    let next = 0;
    const unpacking = await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < toStage.length) {
        const w = toStage[next++]!;
        const s = await store.stage(batch!, w.source, w.file, w.sha256, probe.cacheTag);
        staged.set(w.sha256, s);
        folders.write(`${path.join(s.dir, FILES_DIR)}\n`);
      }
    })).then(() => null, (err: unknown) => ({ err }));
    folders.end();
    const compiled = await compiling; // the compiler ends with its input, whatever happened
    if (unpacking) throw unpacking.err;
    if (compiled && compiled.exitCode !== 0) throw await failed('compiling bytecode', compiled);
    for (const w of wheels) {
      const entry = found.get(w.sha256) ?? (await store.publish(staged.get(w.sha256)!, probe.cacheTag));
      found.set(w.sha256, entry);
      entries.push({ entry, files: store.filesOf(WheelStore.key(w.sha256, probe.cacheTag)) });
    }
  } finally {
    if (batch) await fs.rm(batch, { recursive: true, force: true });
  }
  const [major, minor] = probe.tags.version;
  const target = {
    scheme: { purelib: probe.paths.purelib!, platlib: probe.paths.platlib!, scripts: probe.paths.scripts!, data: probe.paths.data!, headersRoot: path.join(dir, 'include', 'site', `python${major}.${minor}`) },
    python: path.join(dir, 'bin', 'python'),
    protectedPaths: skeletonPaths(dir),
  };
  const plans = entries.map(({ entry, files }) => ({ entry, plan: planEntry(entry, files, parseWheelName(entry.wheel)!.project, target) }));
  await applyOps(plans.map((p) => p.plan.ops));
  // What the environment's record need not read again: each path whose last operation linked a
  // store file, with that file's hash and (when the store lstat'ed it just now) its stat.
  const linked = new Map<string, KnownFile>();
  for (const { entry, plan } of plans) {
    const links = new Map(plan.linked.map((l) => [l.dest, l]));
    for (const op of plan.ops.files) {
      const rel = relativeTo(dir, op.dest);
      const l = 'source' in op ? links.get(op.dest) : undefined;
      if (!l) {
        linked.delete(rel);
        continue;
      }
      const st = entry.stats?.get(l.member);
      linked.set(rel, st ? { sha256: l.sha256, ...st } : l.sha256);
    }
  }
  return { linked, unpacked: toStage.length };
}

/** The bundle's locked environment for this interpreter: reused when its tree is intact, else made (once, whatever the number of concurrent execs). Null when the project has no hashed Python lock. */
export async function lockedEnvironment(request: EnvironmentRequest, ctx: Context): Promise<LockedEnvironment | null> {
  const own = await hashedRequirements(request.projectDir, request.lockfile);
  const recorded = !own && request.recordedLock ? { lock: VENDOR_RECORDED_LOCK, file: request.recordedLock, text: await fs.readFile(request.recordedLock, 'utf8') } : null;
  const requirements = own ?? recorded;
  if (!requirements) return null;
  const envsRoot = path.join(request.cacheRoot, ENVS_DIR);
  // /dev/shm, say: the sandbox has its own /dev, so the run would find no interpreter there (exit 127).
  if (request.runSandboxed && hiddenInSandbox(envsRoot)) {
    throw new ReproError('E_CONFIG', `the locked environment would be made under ${envsRoot}, which the sandbox never shows a run (its /dev, /run, /proc and /etc are its own): nothing was run`, { hint: 'Point REPRO_CACHE at a folder elsewhere (a tmpfs mounted outside /dev works), or rerun with --environment host.', details: { cache: request.cacheRoot } });
  }
  if (recorded) ctx.log.info(`exec: the project's lock has no hashes; the environment is installed from the ones build --record-hashes recorded (${VENDOR_RECORDED_LOCK}, trust on first use)`);
  const realPython = await fs.realpath(request.interpreter.base).catch(() => request.interpreter.base);
  const build = !request.allowBuild ? null : request.buildRecord ? await fs.readFile(request.buildRecord.file, 'utf8').catch(() => '') : request.wheelsDir === null ? 'from the index' : null;
  const digest = envDigest(request.interpreter, realPython, request.platform, requirements.text, build);
  let made: Made | null = null;
  const { dir, reused, pending } = await cachedTree({
    root: envsRoot,
    deferStatCheck: Boolean(request.deferCheck && request.runSandboxed),
    digest,
    schema: ENV_SCHEMA,
    record: { lock: requirements.lock, python: { path: realPython, version: request.interpreter.version } },
    what: 'the locked environment',
    // The files linked from the store are not read again: their hashes are the store's (each
    // entry unpacked and hashed by this exec, or found with every file as it was published). The
    // rest (the venv's own files, scripts, RECORD) are hashed.
    make: async (d) => {
      made = await makeEnvironment(d, requirements, request, ctx);
      return { known: made.linked };
    },
    log: ctx.log,
    nowMs: () => ctx.now().getTime(),
  });
  const m = made as Made | null;
  if (m) ctx.log.info(`exec: the locked environment holds ${m.wheels} wheels (${m.unpacked} unpacked now, ${m.wheels - m.unpacked} from the store)`);
  return { dir, python: path.join(dir, 'bin', 'python'), digest, lock: requirements.lock, reused, packages: await installedDistributions(dir), ...(pending ? { pendingCheck: pending } : {}) };
}

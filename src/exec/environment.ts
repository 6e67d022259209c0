// The locked environment a local rerun runs in (issue 30): a virtual environment of the planned
// interpreter with exactly what the bundle's hashed Python lock pins, made by pip with
// --require-hashes --no-deps (the lock is the resolution; every file checked against it) INSIDE
// bubblewrap, never on the host unconfined: no wheel's code, no .pth, runs outside a sandbox.
//
// Cached by an environment digest (the interpreter's real path and version, the platform, the
// requirements text with its hashes) under <cache>/envs/<digest>. Made in place (a venv is not
// relocatable) under a lock directory, one maker at a time: concurrent execs wait for it; a maker
// that died (kill -9) leaves a lock whose pid is gone, and the next exec removes what it left and
// makes it again. Complete only when its record (<digest>.json, written last) exists, holding the
// tree's digest; each reuse checks the tree against it (stat-keyed hashes, so an unchanged tree
// costs a stat per file), and an altered environment is made again, said as a warning.
import { createHash } from 'node:crypto';
import { promises as fs, readdirSync, readlinkSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { writeFileAtomic } from '../core/atomic-write.js';
import { canonicalJson } from '../core/canonical-json.js';
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { sha256OfPath } from '../core/file-read.js';
import { HashCache } from '../core/hash-cache.js';
import { hashedRequirements } from '../dockerfile/install-lock.js';
import { normalizeName } from '../lockfile/requirements.js';
import type { PlannedInterpreter } from '../snapshot/find-python.js';
import { runLocal } from './run-local.js';
import { sandboxInvocation, type Sandbox } from './sandbox.js';

export const ENVS_DIR = 'envs';
const ENV_SCHEMA = 1;
/** How long an exec waits for another one making the same environment. */
const WAIT_MS = 30 * 60 * 1000;
const POLL_MS = 100;

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
}

interface EnvRecord {
  schemaVersion: number;
  digest: string;
  lock: string;
  python: { path: string; version: string | null };
  tree: string;
  files: number;
}

function envDigest(python: PlannedInterpreter, realPython: string, platform: string, requirements: string): string {
  return `sha256:${createHash('sha256').update(canonicalJson({ schema: ENV_SCHEMA, python: { path: realPython, version: python.version }, platform, requirements })).digest('hex')}`;
}

// --- the tree's digest ------------------------------------------------------------------------


/** sha256 of "<type> <mode> <size> <sha256|target> <path>\n" for every entry, in byte order, and the count. */
async function treeDigest(dir: string, hashRoot: string, nowMs: number): Promise<{ digest: string; files: number }> {
  const hashes = await new HashCache(hashRoot).load();
  const h = createHash('sha256');
  let files = 0;
  const walk = (rel: string) => {
    const names = readdirSync(path.join(dir, rel)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const abs = path.join(dir, r);
      const st = lstatSync(abs);
      const mode = (st.mode & 0o777).toString(8);
      files++;
      if (st.isSymbolicLink()) h.update(`l ${mode} 0 ${readlinkSync(abs)} ${r}\n`);
      else if (st.isDirectory()) {
        h.update(`d ${mode} 0 - ${r}\n`);
        walk(r);
      } else if (st.isFile()) {
        const key = { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
        let sha = hashes.get(r, key);
        if (sha === undefined) {
          sha = sha256OfPath(abs);
          hashes.set(r, key, sha);
        }
        h.update(`f ${mode} ${st.size} ${sha} ${r}\n`);
      } else h.update(`s ${mode} 0 - ${r}\n`);
    }
  };
  walk('');
  hashes.settle();
  await hashes.save(nowMs);
  return { digest: `sha256:${h.digest('hex')}`, files };
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

// --- one maker at a time --------------------------------------------------------------------------

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock directory, or returns false when a live maker holds it; a dead maker's lock is taken over. */
async function tryLock(lockDir: string): Promise<boolean> {
  try {
    await fs.mkdir(lockDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const pid = Number(await fs.readFile(path.join(lockDir, 'pid'), 'utf8').catch(() => 'NaN'));
    const age = await fs.stat(lockDir).then((s) => Date.now() - s.mtimeMs, () => 0);
    // A lock without a pid yet is a maker between mkdir and its write: young, it is alive.
    if ((Number.isInteger(pid) && pid > 0 && alive(pid)) || (!Number.isInteger(pid) && age < 10_000)) return false;
    await fs.rm(lockDir, { recursive: true, force: true });
    return tryLock(lockDir);
  }
  await fs.writeFile(path.join(lockDir, 'pid'), String(process.pid));
  return true;
}

async function readRecord(file: string): Promise<EnvRecord | null> {
  try {
    const r = JSON.parse(await fs.readFile(file, 'utf8')) as EnvRecord;
    return r.schemaVersion === ENV_SCHEMA && typeof r.tree === 'string' ? r : null;
  } catch {
    return null;
  }
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
}

/** Variables of this machine the install gets: pip's index settings (credentials stay in the sandbox's environment, never a record). */
const PIP_PASSED = ['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_TRUSTED_HOST', 'PIP_CERT', 'PIP_CLIENT_CERT', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY'];

/** A requirements text without the options that name where packages come from (index, find-links, trusted hosts). */
export function withoutIndexOptions(text: string): string {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  return `${lines.filter((l) => !/^\s*(--index-url|-i\b|--extra-index-url|--find-links|-f\b|--no-index|--trusted-host)/.test(l)).join('\n').trim()}\n`;
}

/** The install: a venv of the interpreter, then pip --require-hashes --no-deps from the lock, in bubblewrap with network. */
async function makeEnvironment(dir: string, requirements: { file: string | null; text: string }, request: EnvironmentRequest, ctx: Context): Promise<void> {
  const sandbox = request.sandbox;
  if (!('bwrap' in sandbox)) {
    throw new ReproError('E_ENV', `the locked environment is installed only inside a sandbox, and there is none here (${sandbox.reason})`, { hint: 'Install bubblewrap, or rerun in your own environment with --environment host.' });
  }
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  // The requirements beside the environment (read-only in the sandbox), or the project's own file
  // where it is (its -r includes resolve there). Installing from vendored wheels, the lock's own
  // index lines are cut: pip would ask them (and retry) from a sandbox that has no network.
  const offline = request.wheelsDir !== null;
  const own = offline ? null : requirements.file;
  const reqFile = own ?? `${dir}.requirements.txt`;
  if (own === null) await writeFileAtomic(reqFile, offline ? withoutIndexOptions(requirements.text) : requirements.text);
  // The environment is made from the interpreter's base (a venv's own python has no pip, and a venv of a venv is not one).
  const env: Record<string, string> = { PATH: '/usr/bin:/bin', HOME: '/tmp', LANG: 'C.UTF-8', PY: request.interpreter.base, ENV_DIR: dir, REQ: reqFile, PIP_NO_CACHE_DIR: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONDONTWRITEBYTECODE: '1' };
  for (const name of PIP_PASSED) if (request.hostEnv[name] !== undefined) env[name] = request.hostEnv[name]!;
  // Vendored wheels: pip asks no index and the sandbox has no network at all.
  if (offline) env.WHEELS = request.wheelsDir!;
  const command = [
    'set -e',
    '"$PY" -m venv --without-pip "$ENV_DIR"',
    `"$PY" -m pip --python "$ENV_DIR/bin/python" install --no-deps --require-hashes --no-warn-script-location --quiet${offline ? ' --no-index --find-links "$WHEELS"' : ''} -r "$REQ"`,
  ].join('\n');
  const inv = sandboxInvocation(sandbox.bwrap, { runDir: dir, workDir: dir, network: offline ? 'none' : 'host', env, shell: ['/bin/sh'], command, readPaths: [path.dirname(reqFile), ...(offline ? [request.wheelsDir!] : [])], interpreter: request.interpreter });
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  ctx.log.info(`exec: installing the locked environment from ${path.basename(requirements.file ?? 'the lock')} into ${dir} (pip --require-hashes --no-deps, in the sandbox, ${offline ? "from the bundle's vendored wheels, no network" : 'from the index'})`);
  const { exitCode } = await runLocal({ argv: inv.argv, command, cwd: dir, env: inv.env, fds: inv.fds, stdout: sink, stderr: sink, timeLimitMs: WAIT_MS });
  if (own === null) await fs.rm(reqFile, { force: true });
  if (exitCode !== 0) {
    const output = Buffer.concat(chunks).toString('utf8').trim().split('\n').slice(-15).join('\n');
    await fs.rm(dir, { recursive: true, force: true });
    const last = output.split('\n').filter((l) => l.trim() !== '').pop() ?? '';
    throw new ReproError('E_ENV', `the locked environment could not be installed (exit ${exitCode}): nothing was run. pip: ${last.trim().slice(0, 300)}`, {
      hint: /No module named pip/.test(output) ? `${request.interpreter.base} has no pip: install it (Debian: apt-get install python3-pip), or rerun with --environment host.` : /DO NOT MATCH THE HASHES/i.test(output) ? 'A file the index served does not match the lock\'s hash: the lock or the index changed. Nothing was kept.' : 'pip\'s last lines are in details.output (--json); or rerun in your own environment with --environment host.',
      details: { output },
    });
  }
}

/** The bundle's locked environment for this interpreter: reused when its tree is intact, else made (once, whatever the number of concurrent execs). Null when the project has no hashed Python lock. */
export async function lockedEnvironment(request: EnvironmentRequest, ctx: Context): Promise<LockedEnvironment | null> {
  const requirements = await hashedRequirements(request.projectDir, request.lockfile);
  if (!requirements) return null;
  const realPython = await fs.realpath(request.interpreter.base).catch(() => request.interpreter.base);
  const digest = envDigest(request.interpreter, realPython, request.platform, requirements.text);
  const root = path.join(request.cacheRoot, ENVS_DIR);
  await fs.mkdir(root, { recursive: true });
  const hex = digest.slice('sha256:'.length);
  const dir = path.join(root, hex);
  const recordFile = path.join(root, `${hex}.json`);
  const lockDir = path.join(root, `${hex}.lock`);
  const hashRoot = path.join(root, `${hex}.hashes`);
  const result = async (reused: boolean): Promise<LockedEnvironment> => ({ dir, python: path.join(dir, 'bin', 'python'), digest, lock: requirements.lock, reused, packages: await installedDistributions(dir) });
  const started = Date.now();
  for (;;) {
    const record = await readRecord(recordFile);
    if (record) {
      const now = await treeDigest(dir, hashRoot, ctx.now().getTime()).catch(() => null);
      if (now && now.digest === record.tree) return result(true);
      ctx.log.warn(`exec: the locked environment ${dir} changed since it was made (${now ? `${now.files} entries now, ${record.files} then` : 'unreadable'}): made again`);
    }
    if (await tryLock(lockDir)) {
      try {
        // Another exec may have finished it while this one waited for the lock.
        const again = await readRecord(recordFile);
        if (again && !record) {
          const now = await treeDigest(dir, hashRoot, ctx.now().getTime()).catch(() => null);
          if (now && now.digest === again.tree) return result(true);
        }
        await fs.rm(recordFile, { force: true });
        await fs.rm(hashRoot, { recursive: true, force: true });
        await makeEnvironment(dir, requirements, request, ctx);
        const tree = await treeDigest(dir, hashRoot, ctx.now().getTime());
        const made: EnvRecord = { schemaVersion: ENV_SCHEMA, digest, lock: requirements.lock, python: { path: realPython, version: request.interpreter.version }, tree: tree.digest, files: tree.files };
        await writeFileAtomic(recordFile, canonicalJson(made));
        return result(false);
      } finally {
        await fs.rm(lockDir, { recursive: true, force: true });
      }
    }
    if (Date.now() - started > WAIT_MS) throw new ReproError('E_ENV', `another exec has been making the locked environment ${dir} for ${WAIT_MS / 60000} minutes`, { hint: `If no exec is running, remove ${lockDir} and try again.` });
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

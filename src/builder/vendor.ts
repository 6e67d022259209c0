// `repro build --vendor`: the wheels the project's hashed lock installs, for the snapshot's
// interpreter and platform, carried in the bundle under vendor/python/, so a rerun installs its
// locked environment with no network at all (exec/environment.ts finds them there). The host's
// pip fetches them (`pip download --only-binary=:all: --no-deps --require-hashes`: wheels only,
// so no package code runs at build), with the interpreter the snapshot recorded (pip picks the
// wheel that interpreter installs); every file is checked again here against its package's
// hashes in the lock. A file that does not match is E_INTEGRITY (exit 4) naming the package, the
// hashes expected and the one got, and nothing is written. Wheels land in a content-addressed
// store (<cache>/wheels/<sha256>/<file>), so a second build, the --verify rebuild included, reads
// the same bytes; the bundle's digests cover them like any entry.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { sha256OfPath } from '../core/file-read.js';
import { compareUtf8 } from '../core/utf8-order.js';
import { hashedRequirements } from '../dockerfile/install-lock.js';
import { parseRequirements } from '../lockfile/requirements.js';
import { normalizeName } from '../lockfile/requirements.js';
import { distributionOf } from '../pyindex/simple.js';
import { stripCredentials } from '../secrets/rules.js';
import { planInterpreter } from '../snapshot/find-python.js';
import { parseSnapshot } from '../snapshot/io.js';
import { SNAPSHOT_FILE, VENDOR_PYTHON_DIR } from '../bundle/layout.js';

const run = promisify(execFile);
export const WHEELS_DIR = 'wheels';
const WHEEL_NAME = /^[A-Za-z0-9._+-]+\.whl$/;

export interface VendoredWheel {
  /** The wheel's file name (the entry is vendor/python/<file>). */
  file: string;
  /** Its path in the store. */
  source: string;
  sha256: string;
  size: number;
  package: string;
}

export interface Vendored {
  lock: string;
  python: { path: string; version: string | null };
  wheels: VendoredWheel[];
}

export interface VendorRequest {
  root: string;
  lockfile: string | null;
  /** --python: the interpreter to fetch for (else the snapshot's, found here). */
  python?: string;
  cacheRoot: string;
}

/** The packages pip refused for a hash, from its report: name, the hashes the lock expects, the one it got. */
export function hashMismatches(output: string): Array<{ package: string; expected: string[]; got: string }> {
  const out: Array<{ package: string; expected: string[]; got: string }> = [];
  for (const m of output.matchAll(/^\s*([A-Za-z0-9][A-Za-z0-9._-]*)[^\n]* from [^\n]*:\s*\n((?:\s*(?:Expected sha256|or)\s+[0-9a-f]{64}\s*\n)+)\s*Got\s+([0-9a-f]{64})/gm)) {
    out.push({ package: normalizeName(m[1]!), expected: [...m[2]!.matchAll(/[0-9a-f]{64}/g)].map((h) => h[0]), got: m[3]! });
  }
  return out;
}

function mismatchError(lock: string, mismatches: Array<{ package: string; expected: string[]; got: string }>): ReproError {
  const first = mismatches[0]!;
  return new ReproError('E_INTEGRITY', `${lock}: ${first.package}: the file the index served does not match the lock (expected sha256 ${first.expected.join(' or ')}, got ${first.got})${mismatches.length > 1 ? `, and ${mismatches.length - 1} more` : ''}: nothing was written`, {
    hint: 'The index serves other bytes than the ones locked: lock again from a trusted index, or find out who changed the file.',
    details: { lockfile: lock, mismatches },
  });
}

/** Fetches and checks the lock's wheels for the snapshot's interpreter, into the store. */
export async function vendorWheels(request: VendorRequest, ctx: Context): Promise<Vendored> {
  const requirements = await hashedRequirements(request.root, request.lockfile);
  if (!requirements) {
    throw new ReproError('E_CONFIG', '--vendor needs a hashed Python lock, and the project has none', { hint: 'Make one from the snapshot with `repro lock` (or pip-compile --generate-hashes, uv lock), then build again.' });
  }
  const snapshotText = await fs.readFile(path.join(request.root, SNAPSHOT_FILE), 'utf8').catch(() => null);
  const snapshot = snapshotText ? parseSnapshot(snapshotText, SNAPSHOT_FILE) : null;
  const recorded = snapshot?.identity.python && typeof snapshot.identity.python.version === 'string' ? { version: snapshot.identity.python.version, executable: snapshot.context.python?.executable } : null;
  const python = await planInterpreter({ python: request.python, recorded, cacheDir: request.cacheRoot, env: ctx.env });
  if (!python) throw new ReproError('E_USAGE', '--vendor fetches the wheels one interpreter installs, and there is no snapshot Python to fetch for', { hint: 'Take a snapshot with the project\'s interpreter (repro snapshot --python PATH), or pass --python PATH.' });
  if (python.chosenBy === 'path' || python.chosenBy === 'same-minor') ctx.log.warn(`build: --vendor fetches for ${python.path} (${python.version ?? 'version unknown'}): ${python.reason}`);
  const store = path.join(request.cacheRoot, WHEELS_DIR);
  await fs.mkdir(store, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(store, '.fetch-'));
  try {
    const reqFile = requirements.file ?? path.join(tmp, 'requirements.txt');
    if (requirements.file === null) await fs.writeFile(reqFile, requirements.text);
    const dest = path.join(tmp, 'wheels');
    ctx.log.info(`build: --vendor: fetching the wheels of ${requirements.lock} for ${python.path} (${python.version ?? '?'}) with pip download`);
    try {
      await run(python.base, ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-input', '--only-binary=:all:', '--no-deps', '--require-hashes', '-r', reqFile, '-d', dest], { env: ctx.env as NodeJS.ProcessEnv, maxBuffer: 64 << 20 });
    } catch (err) {
      const output = stripCredentials(`${(err as { stdout?: string }).stdout ?? ''}\n${(err as { stderr?: string }).stderr ?? ''}`);
      const mismatches = hashMismatches(output);
      if (mismatches.length > 0) throw mismatchError(requirements.lock, mismatches);
      throw new ReproError('E_ENV', `--vendor: pip download failed for ${requirements.lock}: nothing was written`, {
        hint: /No module named pip/.test(output) ? `${python.base} has no pip (Debian: apt-get install python3-pip), or pass --python PATH.` : /No matching distribution|from versions: none/.test(output) ? `A package has no wheel for Python ${python.version} on this platform; sdists are not vendored (they run code to build).` : 'See pip\'s output in details; check the network and the index.',
        details: { output: output.trim().split('\n').slice(-20).join('\n') },
      });
    }
    // Checked here too: each file must be a wheel of a locked package, matching one of its hashes.
    const locked = new Map<string, Set<string>>();
    const everywhere = new Set<string>();
    for (const p of parseRequirements(requirements.text).packages) {
      const hashes = locked.get(normalizeName(p.name)) ?? new Set<string>();
      for (const h of p.hashes) hashes.add(h.replace(/^sha256:/, ''));
      locked.set(normalizeName(p.name), hashes);
      if (!p.platform) everywhere.add(normalizeName(p.name));
    }
    const wheels: VendoredWheel[] = [];
    for (const file of (await fs.readdir(dest).catch(() => [] as string[])).sort(compareUtf8)) {
      const dist = distributionOf(file);
      const full = path.join(dest, file);
      const sha256 = sha256OfPath(full);
      const want = dist ? locked.get(dist.project) : undefined;
      if (!WHEEL_NAME.test(file) || !dist || !want) throw new ReproError('E_INTEGRITY', `--vendor: pip fetched ${JSON.stringify(file)}, which is no wheel of a package ${requirements.lock} locks: nothing was written`, { details: { file } });
      if (!want.has(sha256)) throw mismatchError(requirements.lock, [{ package: dist.project, expected: [...want], got: sha256 }]);
      const dir = path.join(store, sha256);
      const source = path.join(dir, file);
      if (!(await fs.stat(source).then((s) => s.isFile(), () => false)) || sha256OfPath(source) !== sha256) {
        await fs.mkdir(dir, { recursive: true });
        await fs.rename(full, source);
      }
      wheels.push({ file, source, sha256, size: (await fs.stat(source)).size, package: dist.project });
    }
    // A package under a marker pip found false for this interpreter is rightly not there.
    const missing = [...everywhere].filter((name) => !wheels.some((w) => w.package === name));
    if (missing.length > 0) throw new ReproError('E_ENV', `--vendor: pip fetched no wheel for ${missing.join(', ')}: nothing was written`, { details: { missing } });
    ctx.log.info(`build: --vendor: ${wheels.length} wheels (${(wheels.reduce((n, w) => n + w.size, 0) / 1024 / 1024).toFixed(1)} MiB) go into ${VENDOR_PYTHON_DIR}/`);
    return { lock: requirements.lock, python: { path: python.path, version: python.version }, wheels };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

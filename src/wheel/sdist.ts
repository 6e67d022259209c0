// Source distributions under --allow-build (issue 30). An sdist runs code to become a wheel (its
// build backend, its setup.py), so repro never asks pip for one on the host: pip download of an
// sdist runs its metadata hooks. Instead the sdist is fetched by hash from the index's simple
// page (pyindex/sdist-fetch.ts: the file whose sha256 the lock names, the bytes checked again as they arrive), its
// pyproject.toml read from the archive without unpacking it, and the wheels of its build
// requirements fetched with `pip download --only-binary=:all:` (wheels only: resolving them runs
// nothing). Those build wheels are not in the lock; their sha256 are recorded when they are fetched
// (trust on first use), and the bundle says so. Building happens later, at exec, in bubblewrap
// with no network (exec/sdist-build.ts).
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import * as tar from 'tar';
import { ReproError } from '../core/errors.js';
import { sha256OfPath } from '../core/file-read.js';
import { compareUtf8 } from '../core/utf8-order.js';
import { normalizeName } from '../lockfile/requirements.js';
import { stripCredentials } from '../secrets/rules.js';
import { parseWheelName } from './filename.js';

const run = promisify(execFile);

/** An sdist file name pip would take: name-version.tar.gz (zip and the older archive kinds are refused: see sdistBuildSystem). */
export const SDIST_FILE = /^[A-Za-z0-9._+-]+\.tar\.gz$/;
const MAX_PYPROJECT_BYTES = 1024 * 1024;
const MAX_REQUIRES = 64;
/** PEP 517's fallback when pyproject.toml names no backend (pip's, since 23.1: setuptools alone). */
export const LEGACY_BACKEND = 'setuptools.build_meta:__legacy__';
export const LEGACY_REQUIRES = ['setuptools>=40.8.0'];
/** vendor/python-build.json's schema. */
export const BUILD_RECORD_SCHEMA = 1;

/** What a pyproject.toml's [build-system] says: the backend to import and what it needs. */
export interface BuildSystem {
  backend: string;
  /** In-tree folders to put first on sys.path (PEP 517 backend-path), relative to the sdist's root. */
  backendPath: string[];
  requires: string[];
}

/** A build wheel: not in the lock; its sha256 recorded when it was fetched. */
export interface BuildWheel {
  file: string;
  sha256: string;
  /** Its path (the store, or the bundle's vendor/python-build/). */
  source: string;
}

/** An sdist of the lock (checked against the lock's hash), with what building it needs. */
export interface LockedSdist extends BuildSystem {
  package: string;
  version: string;
  file: string;
  sha256: string;
  source: string;
  size: number;
  /** The build requirements' wheels (resolved from `requires`), by file name. */
  buildWheels: string[];
}

function invalid(file: string, why: string): ReproError {
  return new ReproError('E_INPUT', `${file}: its pyproject.toml's [build-system] ${why}: nothing was built`, { hint: 'The sdist is malformed or hostile; lock a wheel of the package instead.', details: { file } });
}

/** The [build-system] table of a pyproject.toml text (null text: no pyproject.toml, PEP 517's fallback), checked. */
export function buildSystemOf(text: string | null, file: string): BuildSystem {
  if (text === null) return { backend: LEGACY_BACKEND, backendPath: [], requires: [...LEGACY_REQUIRES] };
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw invalid(file, `cannot be read (${(err as Error).message.split('\n')[0]})`);
  }
  const table = doc['build-system'];
  if (table === undefined) return { backend: LEGACY_BACKEND, backendPath: [], requires: [...LEGACY_REQUIRES] };
  if (typeof table !== 'object' || table === null || Array.isArray(table)) throw invalid(file, 'is not a table');
  return checkBuildSystem(table as Record<string, unknown>, file);
}

/** A [build-system] table (a pyproject.toml's, or the bundle's record of one), checked: requirements, a module path, in-tree backend folders. */
export function checkBuildSystem(t: Record<string, unknown>, file: string): BuildSystem {
  const requires = t.requires ?? (t['build-backend'] === undefined ? LEGACY_REQUIRES : undefined);
  if (!Array.isArray(requires) || requires.length > MAX_REQUIRES || !requires.every((r) => typeof r === 'string' && r.length > 0 && r.length <= 500 && !/[\n\r\0]/.test(r) && !r.trim().startsWith('-'))) throw invalid(file, `requires is not a list of up to ${MAX_REQUIRES} requirements`);
  const backend = t['build-backend'] ?? LEGACY_BACKEND;
  if (typeof backend !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)?$/.test(backend)) throw invalid(file, `build-backend ${JSON.stringify(backend)} is not a module path`);
  const backendPath = t['backend-path'] ?? [];
  if (!Array.isArray(backendPath) || backendPath.length > 16 || !backendPath.every((p) => typeof p === 'string' && p !== '' && !path.posix.isAbsolute(p) && !p.includes('\0') && !path.posix.normalize(p).split('/').includes('..'))) throw invalid(file, 'backend-path names a folder outside the sdist');
  return { backend, backendPath: backendPath as string[], requires: (requires as string[]).map((r) => r.trim()) };
}

/**
 * The [build-system] of an sdist, read from its top folder's pyproject.toml inside the archive
 * (nothing is unpacked, nothing runs). Only .tar.gz: what PEP 625 allows and what PyPI takes
 * since 2023; a .zip sdist is refused.
 */
export async function sdistBuildSystem(source: string, file: string): Promise<BuildSystem> {
  if (!SDIST_FILE.test(file)) throw new ReproError('E_UNSUPPORTED_FILE', `${file}: only .tar.gz sdists are built (PEP 625)`, { hint: 'Lock a wheel of the package instead.', details: { file } });
  const top = file.replace(/\.tar\.gz$/, '');
  let text: string | null = null;
  let tooBig = false;
  await tar.t({
    file: source,
    strict: true,
    filter: (p) => p.replace(/^\.\//, '').split('/').filter((s) => s !== '').length === 2 && /\/pyproject\.toml$/.test(p),
    onReadEntry: (entry) => {
      const parts = entry.path.replace(/^\.\//, '').split('/');
      if (entry.type !== 'File' || normalizeName(parts[0]!) !== normalizeName(top) || text !== null) {
        entry.resume();
        return;
      }
      if ((entry.size ?? 0) > MAX_PYPROJECT_BYTES) {
        tooBig = true;
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => {
        text = Buffer.concat(chunks).toString('utf8');
      });
    },
  }).catch((err: Error) => {
    throw new ReproError('E_INPUT', `${file} is not a readable .tar.gz (${err.message})`, { hint: 'The sdist is damaged or hostile; lock a wheel of the package instead.', details: { file } });
  });
  if (tooBig) throw invalid(file, `pyproject.toml is larger than ${MAX_PYPROJECT_BYTES} bytes`);
  return buildSystemOf(text, file);
}

/** Fetches the sdist of `name==version` whose sha256 the lock names, into the store (pyindex/sdist-fetch.ts, given to wheel/fetch.ts by its callers: the index client sits above this folder). */
export type SdistFetcher = (request: { name: string; version: string; hashes: ReadonlySet<string>; requirementsText: string; env: Readonly<Record<string, string | undefined>>; store: string; lock: string; who: string }) => Promise<{ file: string; source: string; sha256: string; size: number }>;

/** The wheels of every build requirement, resolved by the host's pip from wheels only (nothing runs), each stored by sha256. */
export async function fetchBuildWheels(request: { requires: readonly string[]; python: string; store: string; env: Readonly<Record<string, string | undefined>>; who: string; file: string }): Promise<BuildWheel[]> {
  const tmp = await fs.mkdtemp(path.join(request.store, '.build-'));
  try {
    const dest = path.join(tmp, 'wheels');
    try {
      await run(request.python, ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-input', '--only-binary=:all:', '-d', dest, '--', ...request.requires], { env: request.env as NodeJS.ProcessEnv, maxBuffer: 64 << 20 });
    } catch (err) {
      const output = stripCredentials(`${(err as { stdout?: string }).stdout ?? ''}\n${(err as { stderr?: string }).stderr ?? ''}`);
      throw new ReproError('E_ENV', `${request.who}: the build requirements of ${request.file} (${request.requires.join(', ')}) could not be fetched as wheels: nothing was written`, { hint: 'A build requirement has no wheel for this interpreter, or the index is unreachable: see details.output.', details: { output: output.trim().split('\n').slice(-20).join('\n') } });
    }
    const out: BuildWheel[] = [];
    for (const file of (await fs.readdir(dest)).sort(compareUtf8)) {
      if (!parseWheelName(file)) throw new ReproError('E_INTEGRITY', `${request.who}: pip fetched ${JSON.stringify(file)} for the build requirements of ${request.file}, which is no wheel: nothing was written`, { details: { file } });
      const sha256 = sha256OfPath(path.join(dest, file));
      const dir = path.join(request.store, sha256);
      await fs.mkdir(dir, { recursive: true });
      await fs.rename(path.join(dest, file), path.join(dir, file));
      out.push({ file, sha256, source: path.join(dir, file) });
    }
    return out;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** The requirements text without the named packages (their logical lines dropped, options kept): what pip fetches as wheels once the sdists are set apart. */
export function withoutPackages(text: string, names: ReadonlySet<string>, parse: (line: string) => { name: string } | null): string {
  const out: string[] = [];
  let acc = '';
  for (const raw of text.split(/\r?\n/)) {
    if (raw.endsWith('\\')) {
      acc += `${raw}\n`;
      continue;
    }
    const logical = acc + raw;
    acc = '';
    const stripped = logical.replace(/\\\n/g, ' ').replace(/(^|\s)#.*$/, '').trim();
    const req = stripped !== '' && !stripped.startsWith('-') ? parse(stripped) : null;
    if (req && names.has(normalizeName(req.name))) continue;
    out.push(logical);
  }
  return out.join('\n');
}

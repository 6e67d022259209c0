// Declared against installed: each pin of a Python lockfile (requirements ==, uv, poetry,
// Pipfile) that the recorded interpreter does not satisfy, by PEP 440 (`==1.13.1` is satisfied
// by 1.13.1+cpu, not by 1.13.0a0). A version that differs is a PIN_UNSATISFIED warning naming
// both; pinned packages that are not installed at all are one NOT_INSTALLED warning per
// lockfile (a lock for another machine would otherwise give hundreds). Packages limited to some
// platforms by a marker, and the project's own (local) packages, are not expected installed.
// pixi.lock's PyPI packages are judged by version only: a pixi lock holds several environments
// and the snapshot cannot tell which one is active, so one not installed says nothing.
// Node locks (npm, pnpm, yarn) are judged by semver against the node_modules beside them, when
// there is one: a package there at another version than every pin of its name is
// PIN_UNSATISFIED (absent ones are not counted: dev and optional packages are often left out).
import type { LockWarning, LockfileRecord } from '../lockfile/types.js';
import { normalizeName } from '../lockfile/requirements.js';
import { evaluateMarker, markerEnvironment } from '../lockfile/pep508.js';
import type { PythonIdentity } from './probe-python.js';
import { createRequire } from 'node:module';
import { versionSatisfies } from '../lockfile/pep440.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** The lock formats whose packages are PyPI's (pin checks, purls). */
export const PYTHON_LOCK_FORMATS = new Set(['requirements', 'uv.lock', 'poetry.lock', 'Pipfile.lock', 'pylock.toml']);
const NAMED = 8;
const PIXI_FORMAT = 'pixi.lock';

function isLocal(source: string | null, platform: string | undefined): boolean {
  return platform === 'local' || (source !== null && (/^(file:|\.{0,2}\/|git\+|[A-Za-z]:\\)/.test(source) || source === '.' || source === '..' || source === 'editable' || source === 'virtual'));
}

/**
 * The pins of `lock` that `python` does not satisfy, as lockfile warnings. With the OS known, a
 * package's PEP 508 marker is evaluated for this interpreter on this OS (lockfile/pep508.ts): one
 * that does not apply here is not expected; one that does is expected like any other; one that
 * cannot be evaluated is not expected installed (it may be for another platform).
 */
export function pinWarnings(lock: LockfileRecord, python: PythonIdentity | null, os?: { platform: string; arch: string; kernel?: string } | null): LockWarning[] {
  if (!python) return [];
  if (lock.format === PIXI_FORMAT) return checkPins(lock.packages.filter((p) => p.platform === 'pypi').map(({ platform: _, ...p }) => p), python, os, false);
  return PYTHON_LOCK_FORMATS.has(lock.format) ? checkPins(lock.packages, python, os, true) : [];
}

/** The pins of `packages` that `python` does not satisfy; with `expectAll`, one NOT_INSTALLED naming those it lacks. */
function checkPins(packages: LockfileRecord['packages'], python: PythonIdentity, os: { platform: string; arch: string; kernel?: string } | null | undefined, expectAll: boolean): LockWarning[] {
  const env = os ? markerEnvironment(python, os) : null;
  const installed = new Map(Object.entries(python.packages).map(([n, v]) => [normalizeName(n), v]));
  const out: LockWarning[] = [];
  const missing: string[] = [];
  // One name may be pinned more than once (uv's forks by marker): any pin satisfied will do.
  const byName = new Map<string, { name: string; versions: string[]; everywhere: boolean }>();
  for (const p of packages) {
    if (isLocal(p.source, p.platform)) continue;
    const applies = p.platform && env ? evaluateMarker(p.platform, env) : null;
    if (applies === false) continue; // for another platform or interpreter
    // A requirement without an exact pin (numpy>=1.20, a bare name) still has to be importable.
    if (p.version === null && p.source !== null && /^[a-z][a-z0-9+.-]*:\/\//i.test(p.source) && !/pypi|simple|index/i.test(p.source)) continue; // a direct URL: its name may not be what it installs
    const g = byName.get(normalizeName(p.name)) ?? { name: p.name, versions: [], everywhere: false };
    if (p.version !== null && !g.versions.includes(p.version)) g.versions.push(p.version);
    g.everywhere ||= !p.platform || applies === true;
    byName.set(normalizeName(p.name), g);
  }
  const pinned = byName.size;
  for (const [key, g] of byName) {
    const have = installed.get(key);
    if (have === undefined) {
      if (g.everywhere) missing.push(g.name);
      continue;
    }
    const ok = g.versions.length === 0 || g.versions.some((v) => versionSatisfies(have, `==${v}`) ?? have === v);
    if (!ok) out.push({ code: 'PIN_UNSATISFIED', message: `${g.name}: declared ${g.versions.map((v) => `==${v}`).join(' or ')} -> installed ${have} (PEP 440: not satisfied)`, package: g.name });
  }
  if (missing.length > 0 && expectAll) {
    const named = missing.slice(0, NAMED).join(', ') + (missing.length > NAMED ? `, … (+${missing.length - NAMED})` : '');
    out.push({ code: 'NOT_INSTALLED', message: `${missing.length} of ${pinned} required packages are not installed in Python ${python.version} (the recorded interpreter cannot import them): ${named}` });
  }
  return out;
}

export const NODE_LOCK_FORMATS = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock']);
let semver: typeof import('semver') | undefined;

/** The version of each named package installed at `modules` (node_modules), read from its package.json. */
export async function installedNodePackages(modules: string, names: Iterable<string>): Promise<Map<string, string> | null> {
  const exists = await fs.stat(modules).then((s) => s.isDirectory(), () => false);
  if (!exists) return null;
  const out = new Map<string, string>();
  for (const name of names) {
    if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name)) continue; // a name that cannot be a folder under node_modules
    const text = await fs.readFile(path.join(modules, name, 'package.json'), 'utf8').catch(() => null);
    if (text === null) continue;
    try {
      const v = (JSON.parse(text) as { version?: unknown }).version;
      if (typeof v === 'string') out.set(name, v);
    } catch {
      // a damaged package.json: nothing recorded for it
    }
  }
  return out;
}

/** The pins of a Node lock that the packages installed beside it (`installed`) do not satisfy. */
export function nodePinWarnings(lock: LockfileRecord, installed: Map<string, string> | null): LockWarning[] {
  if (!installed || !NODE_LOCK_FORMATS.has(lock.format)) return [];
  semver ??= require('semver') as typeof import('semver');
  const pins = new Map<string, string[]>();
  for (const p of lock.packages) if (p.version !== null && !isLocal(p.source, p.platform)) pins.set(p.name, [...new Set([...(pins.get(p.name) ?? []), p.version])]);
  const out: LockWarning[] = [];
  for (const [name, versions] of pins) {
    const have = installed.get(name);
    if (have === undefined) continue;
    const ok = versions.some((v) => (semver!.valid(have) && semver!.valid(v) ? semver!.eq(have, v) : have === v));
    if (!ok) out.push({ code: 'PIN_UNSATISFIED', message: `${name}: declared ${versions.join(' or ')} -> installed ${have} (semver: not equal)`, package: name });
  }
  return out;
}

// Declared against installed, on the real Python lockfiles of ../shared/real-locks: an
// environment that has exactly what a lock pins gives no warning; one package at another version
// gives exactly one PIN_UNSATISFIED naming both; pinned packages absent give one NOT_INSTALLED.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLockfiles } from '../../../src/lockfile/find.js';
import type { LockfileRecord } from '../../../src/lockfile/types.js';
import { installedNodePackages, nodePinWarnings, NODE_LOCK_FORMATS, pinWarnings, PYTHON_LOCK_FORMATS } from '../../../src/snapshot/pins.js';
import type { PythonIdentity } from '../../../src/snapshot/probe-python.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/project.js';

const REAL = path.resolve(REPO_ROOT, '..', 'shared', 'real-locks');
const py = (packages: Record<string, string>): PythonIdentity => ({ version: '3.11.2', implementation: 'CPython', packages });

/**
 * The real Python locks with packages that apply everywhere. A lock whose every package is under
 * an environment marker (uv pip compile's pylock for one platform) is left out: checking its pins
 * needs the markers evaluated against the interpreter (PEP 508), which is issue 29's to do.
 */
async function pythonLocks(): Promise<Array<[string, LockfileRecord]>> {
  const out: Array<[string, LockfileRecord]> = [];
  for (const project of readdirSync(REAL).filter((d) => d !== 'SOURCES.md').sort()) {
    for (const r of (await findLockfiles(path.join(REAL, project))).records) if (PYTHON_LOCK_FORMATS.has(r.format) && r.packages.some((p) => !p.platform)) out.push([project, r]);
  }
  return out;
}

it('the one real Python lock left out has every package under a marker', async () => {
  const all = (await findLockfiles(path.join(REAL, 'pylock-uvcompile-odh-runtimes-baseline'))).records[0]!;
  expect(all.packages.length).toBe(86);
  expect(all.packages.every((p) => p.platform?.includes("sys_platform == 'linux'"))).toBe(true);
});

/** The environment a lock describes: every pinned package at its (first) pinned version. */
function asInstalled(lock: LockfileRecord): Record<string, string> {
  const env: Record<string, string> = {};
  for (const p of lock.packages) if (p.version && !(p.name.toLowerCase() in env)) env[p.name.toLowerCase().replace(/[-_.]+/g, '-')] = p.version;
  return env;
}

describe('pinWarnings on the real Python lockfiles', () => {
  it('finds the Python locks (requirements, uv, poetry, Pipfile, pylock.toml)', async () => {
    const formats = new Set((await pythonLocks()).map(([, r]) => r.format));
    expect([...formats].sort()).toEqual(['Pipfile.lock', 'poetry.lock', 'pylock.toml', 'requirements', 'uv.lock']);
  });

  it('an environment that is what the lock pins: no warning', async () => {
    for (const [project, lock] of await pythonLocks()) expect(pinWarnings(lock, py(asInstalled(lock))), project).toEqual([]);
  });

  it('one package at another version: exactly one PIN_UNSATISFIED, naming declared and installed', async () => {
    for (const [project, lock] of await pythonLocks()) {
      const env = asInstalled(lock);
      const victim = lock.packages.find((p) => p.version && !p.platform && /^\d/.test(p.version) && lock.packages.filter((q) => q.name === p.name).length === 1)!;
      const key = victim.name.toLowerCase().replace(/[-_.]+/g, '-');
      env[key] = `${victim.version}a0`;
      const ws = pinWarnings(lock, py(env));
      expect(ws, project).toEqual([{ code: 'PIN_UNSATISFIED', message: `${victim.name}: declared ==${victim.version} -> installed ${victim.version}a0 (PEP 440: not satisfied)`, package: victim.name }]);
    }
  });

  it('pinned packages not installed: one NOT_INSTALLED per lock with the count and names', async () => {
    for (const [project, lock] of await pythonLocks()) {
      const ws = pinWarnings(lock, py({}));
      expect(ws.length, project).toBe(1);
      expect(ws[0]!.code).toBe('NOT_INSTALLED');
      expect(ws[0]!.message).toMatch(/^\d+ of \d+ required packages are not installed in Python 3\.11\.2 \(the recorded interpreter cannot import them\): /);
    }
  });
});

describe('pinWarnings rules', () => {
  const lock = (packages: LockfileRecord['packages'], format = 'requirements'): LockfileRecord => ({ path: 'requirements.txt', format, sha256: 'sha256:x', packageCount: packages.length, packages });
  const pkg = (name: string, version: string | null, extra: object = {}) => ({ name, version, source: null, hashes: [], ...extra });

  it('the issue\'s case: torch==1.13.1 declared, 1.13.0a0 installed', () => {
    expect(pinWarnings(lock([pkg('torch', '1.13.1')]), py({ torch: '1.13.0a0' }))).toEqual([{ code: 'PIN_UNSATISFIED', message: 'torch: declared ==1.13.1 -> installed 1.13.0a0 (PEP 440: not satisfied)', package: 'torch' }]);
  });

  it('PEP 440: a local version satisfies the plain pin, trailing zeros do not matter, names normalize', () => {
    expect(pinWarnings(lock([pkg('torch', '2.3.1'), pkg('Scikit_Learn', '1.4'), pkg('numpy', '1.26.4')]), py({ torch: '2.3.1+cu121', 'scikit-learn': '1.4.0', numpy: '1.26.4' }))).toEqual([]);
  });

  it('forks: a name pinned at two versions under markers is satisfied by either; a marker-only package need not be installed', () => {
    const forked = lock([pkg('numpy', '1.26.4', { platform: 'python_version < "3.12"' }), pkg('numpy', '2.1.0', { platform: 'python_version >= "3.12"' }), pkg('pywin32', '306', { platform: 'sys_platform == "win32"' })], 'uv.lock');
    expect(pinWarnings(forked, py({ numpy: '2.1.0' }))).toEqual([]);
    expect(pinWarnings(forked, py({ numpy: '1.0' }))[0]!.message).toBe('numpy: declared ==1.26.4 or ==2.1.0 -> installed 1.0 (PEP 440: not satisfied)');
  });

  it('issue 28, finding 8: a requirement without an exact pin (numpy>=1.20, a bare name) the interpreter cannot import is NOT_INSTALLED; installed at any version, it is fine', () => {
    expect(pinWarnings(lock([pkg('numpy', null), pkg('attrs', null)]), py({ attrs: '23.1.0' }))).toEqual([{ code: 'NOT_INSTALLED', message: '1 of 2 required packages are not installed in Python 3.11.2 (the recorded interpreter cannot import them): numpy' }]);
    expect(pinWarnings(lock([pkg('numpy', null)]), py({ numpy: '2.1.0' }))).toEqual([]);
  });

  it('local and non-Python locks are not judged; no interpreter recorded, no warning', () => {
    expect(pinWarnings(lock([pkg('mine', '0.1.0', { source: 'file:../mine' }), pkg('me', null, { source: '.' })]), py({}))).toEqual([]);
    expect(pinWarnings(lock([pkg('left-pad', '1.3.0')], 'package-lock.json'), py({}))).toEqual([]);
    expect(pinWarnings(lock([pkg('torch', '1.13.1')]), null)).toEqual([]);
  });
});

describe('node pins against node_modules (semver)', () => {
  async function nodeLocks(): Promise<Array<[string, LockfileRecord]>> {
    const out: Array<[string, LockfileRecord]> = [];
    for (const project of readdirSync(REAL).filter((d) => d !== 'SOURCES.md').sort()) {
      for (const r of (await findLockfiles(path.join(REAL, project))).records) if (NODE_LOCK_FORMATS.has(r.format)) out.push([project, r]);
    }
    return out;
  }

  /** node_modules with these packages at these versions (each a package.json, as npm writes one). */
  function modules(packages: Array<[string, string]>): string {
    const dir = path.join(tempDir('repro-nm-'), 'node_modules');
    for (const [name, version] of packages) {
      mkdirSync(path.join(dir, name), { recursive: true });
      writeFileSync(path.join(dir, name, 'package.json'), JSON.stringify({ name, version }));
    }
    return dir;
  }

  it('on every real npm, pnpm and yarn lock: installed as pinned gives nothing; one package at another version gives one PIN_UNSATISFIED', async () => {
    const locks = await nodeLocks();
    expect(new Set(locks.map(([, r]) => r.format))).toEqual(new Set(['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock']));
    for (const [project, lock] of locks) {
      const pinned = lock.packages.filter((p) => p.version && /^\d+\.\d+\.\d+$/.test(p.version) && !p.source?.startsWith('file:')).slice(0, 25);
      const first = new Map<string, string>();
      for (const p of pinned) if (!first.has(p.name)) first.set(p.name, p.version!);
      const dir = modules([...first]);
      const installed = await installedNodePackages(dir, new Set(lock.packages.map((p) => p.name)));
      expect(installed!.size, project).toBe(first.size);
      expect(nodePinWarnings(lock, installed), project).toEqual([]);
      // one package installed at a version no entry of its name pins
      const [name, version] = [...first][0]!;
      const other = `${version.split('.')[0]}.999.0`;
      const changed = await installedNodePackages(modules([...first].map(([n, v]) => [n, n === name ? other : v])), new Set(lock.packages.map((p) => p.name)));
      const versions = [...new Set(lock.packages.filter((p) => p.name === name && p.version).map((p) => p.version))];
      expect(nodePinWarnings(lock, changed), project).toEqual([{ code: 'PIN_UNSATISFIED', message: `${name}: declared ${versions.join(' or ')} -> installed ${other} (semver: not equal)`, package: name }]);
    }
  });

  it('no node_modules: nothing to judge; absent packages are not counted; a name that cannot be a folder is never read', async () => {
    expect(await installedNodePackages(path.join(tempDir(), 'no-such-dir', 'node_modules'), ['a'])).toBeNull();
    const dir = modules([['left-pad', '1.3.0']]);
    const got = await installedNodePackages(dir, ['left-pad', 'absent', '../../etc', '@scope/../x']);
    expect([...got!]).toEqual([['left-pad', '1.3.0']]);
    const lock: LockfileRecord = { path: 'package-lock.json', format: 'package-lock.json', sha256: 'sha256:x', packageCount: 2, packages: [{ name: 'left-pad', version: '1.3.0', source: null, hashes: [] }, { name: 'absent', version: '1.0.0', source: null, hashes: [] }] };
    expect(nodePinWarnings(lock, got)).toEqual([]);
    expect(nodePinWarnings(lock, null)).toEqual([]);
  });
});

describe('issue 29: PEP 508 markers evaluated for the recorded interpreter and OS', () => {
  const linux = { platform: 'linux', arch: 'x64' };
  const lock = (packages: LockfileRecord['packages']): LockfileRecord => ({ path: 'requirements.txt', format: 'requirements', sha256: 'sha256:x', packageCount: packages.length, packages });

  it('a package whose marker applies here is expected installed; one for another platform is not judged', () => {
    const l = lock([
      { name: 'uvloop', version: '0.21.0', source: null, hashes: [], platform: "sys_platform == 'linux'" },
      { name: 'pywin32', version: '308', source: null, hashes: [], platform: "sys_platform == 'win32'" },
    ]);
    expect(pinWarnings(l, py({}), linux)).toEqual([{ code: 'NOT_INSTALLED', message: '1 of 1 required packages are not installed in Python 3.11.2 (the recorded interpreter cannot import them): uvloop' }]);
    expect(pinWarnings(l, py({ uvloop: '0.20.0' }), linux).map((w) => w.code)).toEqual(['PIN_UNSATISFIED']);
    expect(pinWarnings(l, py({}), null)).toEqual([]); // no OS recorded: markers are not decided
  });

  it("the real uv pip compile pylock (every package under python_full_version == '3.12.*' and sys_platform == 'linux') is judged for CPython 3.12 on Linux, and for nothing else", async () => {
    const all = (await findLockfiles(path.join(REAL, 'pylock-uvcompile-odh-runtimes-baseline'))).records[0]!;
    const py312 = (packages: Record<string, string>) => ({ version: '3.12.4', implementation: 'CPython', packages });
    const ws = pinWarnings(all, py312({}), linux);
    expect(ws).toHaveLength(1);
    expect(ws[0]!.message).toMatch(/^86 of 86 required packages are not installed in Python 3\.12\.4/);
    expect(pinWarnings(all, py312(asInstalled(all)), linux)).toEqual([]);
    expect(pinWarnings(all, py({}), linux)).toEqual([]); // 3.11: none of it applies
    expect(pinWarnings(all, py312({}), { platform: 'darwin', arch: 'arm64' })).toEqual([]); // nor on macOS
  });
});

describe("pixi.lock's PyPI packages (the real v7 lock of access-nri-intake-catalog)", () => {
  it('one installed at a version no environment pins is PIN_UNSATISFIED; those not installed say nothing (which of its environments is active is not known); conda packages are not PyPI pins', async () => {
    const lock = (await findLockfiles(path.join(REAL, 'pixi-v7-access-nri'))).records[0]!;
    const pypi = lock.packages.filter((p) => p.platform === 'pypi' && p.version);
    expect(pypi.length).toBeGreaterThan(10);
    const pick = pypi[0]!;
    const env = { [pick.name]: pick.version! };
    expect(pinWarnings(lock, py(env))).toEqual([]);
    const wrong = pinWarnings(lock, py({ [pick.name]: '0.0.1' }));
    expect(wrong).toEqual([expect.objectContaining({ code: 'PIN_UNSATISFIED', package: pick.name, message: expect.stringContaining('-> installed 0.0.1') })]);
    // python is a conda package of the lock: an interpreter that lists a "python" distribution at another version is not judged by it.
    expect(pinWarnings(lock, py({ python: '2.7.0' }))).toEqual([]);
  });
});

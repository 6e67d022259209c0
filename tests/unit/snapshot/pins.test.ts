// Declared against installed, on the real Python lockfiles of ../shared/real-locks: an
// environment that has exactly what a lock pins gives no warning; one package at another version
// gives exactly one PIN_UNSATISFIED naming both; pinned packages absent give one NOT_INSTALLED.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLockfiles } from '../../../src/lockfile/find.js';
import type { LockfileRecord } from '../../../src/lockfile/types.js';
import { pinWarnings, PYTHON_LOCK_FORMATS } from '../../../src/snapshot/pins.js';
import type { PythonIdentity } from '../../../src/snapshot/probe-python.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const REAL = path.resolve(REPO_ROOT, '..', 'shared', 'real-locks');
const py = (packages: Record<string, string>): PythonIdentity => ({ version: '3.11.2', implementation: 'CPython', packages });

async function pythonLocks(): Promise<Array<[string, LockfileRecord]>> {
  const out: Array<[string, LockfileRecord]> = [];
  for (const project of readdirSync(REAL).filter((d) => d !== 'SOURCES.md').sort()) {
    for (const r of (await findLockfiles(path.join(REAL, project))).records) if (PYTHON_LOCK_FORMATS.has(r.format)) out.push([project, r]);
  }
  return out;
}

/** The environment a lock describes: every pinned package at its (first) pinned version. */
function asInstalled(lock: LockfileRecord): Record<string, string> {
  const env: Record<string, string> = {};
  for (const p of lock.packages) if (p.version && !(p.name.toLowerCase() in env)) env[p.name.toLowerCase().replace(/[-_.]+/g, '-')] = p.version;
  return env;
}

describe('pinWarnings on the real Python lockfiles', () => {
  it('finds the Python locks (requirements, uv, poetry, Pipfile)', async () => {
    const formats = new Set((await pythonLocks()).map(([, r]) => r.format));
    expect([...formats].sort()).toEqual(['Pipfile.lock', 'poetry.lock', 'requirements', 'uv.lock']);
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
      expect(ws[0]!.message).toMatch(/^\d+ of \d+ pinned packages are not installed in Python 3\.11\.2: /);
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

  it('unpinned, local and non-Python locks are not judged; no interpreter recorded, no warning', () => {
    expect(pinWarnings(lock([pkg('a', null), pkg('mine', '0.1.0', { source: 'file:../mine' })]), py({}))).toEqual([]);
    expect(pinWarnings(lock([pkg('left-pad', '1.3.0')], 'package-lock.json'), py({}))).toEqual([]);
    expect(pinWarnings(lock([pkg('torch', '1.13.1')]), null)).toEqual([]);
  });
});

// Declared against installed: each pin of a Python lockfile (requirements ==, uv, poetry,
// Pipfile) that the recorded interpreter does not satisfy, by PEP 440 (`==1.13.1` is satisfied
// by 1.13.1+cpu, not by 1.13.0a0). A version that differs is a PIN_UNSATISFIED warning naming
// both; pinned packages that are not installed at all are one NOT_INSTALLED warning per
// lockfile (a lock for another machine would otherwise give hundreds). Packages limited to some
// platforms by a marker, and the project's own (local) packages, are not expected installed.
import type { LockWarning, LockfileRecord } from '../lockfile/types.js';
import { normalizeName } from '../lockfile/requirements.js';
import type { PythonIdentity } from './probe-python.js';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let pep440: typeof import('@renovatebot/pep440') | undefined;
const satisfies = (version: string, spec: string): boolean | null => {
  pep440 ??= require('@renovatebot/pep440') as typeof import('@renovatebot/pep440');
  if (!pep440.valid(version)) return null;
  return pep440.satisfies(version, spec);
};

export const PYTHON_LOCK_FORMATS = new Set(['requirements', 'uv.lock', 'poetry.lock', 'Pipfile.lock']);
const NAMED = 8;

function isLocal(source: string | null, platform: string | undefined): boolean {
  return platform === 'local' || (source !== null && (/^(file:|\.{0,2}\/|git\+|[A-Za-z]:\\)/.test(source) || source === 'editable' || source === 'virtual'));
}

/** The pins of `lock` that `python` does not satisfy, as lockfile warnings. */
export function pinWarnings(lock: LockfileRecord, python: PythonIdentity | null): LockWarning[] {
  if (!python || !PYTHON_LOCK_FORMATS.has(lock.format)) return [];
  const installed = new Map(Object.entries(python.packages).map(([n, v]) => [normalizeName(n), v]));
  const out: LockWarning[] = [];
  const missing: string[] = [];
  // One name may be pinned more than once (uv's forks by marker): any pin satisfied will do.
  const byName = new Map<string, { name: string; versions: string[]; everywhere: boolean }>();
  for (const p of lock.packages) {
    if (p.version === null || isLocal(p.source, p.platform)) continue;
    const g = byName.get(normalizeName(p.name)) ?? { name: p.name, versions: [], everywhere: false };
    if (!g.versions.includes(p.version)) g.versions.push(p.version);
    g.everywhere ||= !p.platform;
    byName.set(normalizeName(p.name), g);
  }
  const pinned = byName.size;
  for (const [key, g] of byName) {
    const have = installed.get(key);
    if (have === undefined) {
      if (g.everywhere) missing.push(g.name);
      continue;
    }
    const ok = g.versions.some((v) => satisfies(have, `==${v}`) ?? have === v);
    if (!ok) out.push({ code: 'PIN_UNSATISFIED', message: `${g.name}: declared ${g.versions.map((v) => `==${v}`).join(' or ')} -> installed ${have} (PEP 440: not satisfied)`, package: g.name });
  }
  if (missing.length > 0) {
    const named = missing.slice(0, NAMED).join(', ') + (missing.length > NAMED ? `, … (+${missing.length - NAMED})` : '');
    out.push({ code: 'NOT_INSTALLED', message: `${missing.length} of ${pinned} pinned packages are not installed in Python ${python.version}: ${named}` });
  }
  return out;
}

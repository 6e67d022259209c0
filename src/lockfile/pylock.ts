// PEP 751's pylock.toml (and pylock.<name>.toml), as uv export, uv pip compile, PDM and pip lock
// write it: every package with its version, where it comes from (an index, a VCS commit, an
// archive, a directory of the project), every hash of its sdist, wheels or archive, and the
// marker it is installed under. Writers differ (inline tables or arrays of tables, environments
// or none, tool tables); the format is what is read. A lock-version this reader does not know
// (2.x) is an error, recorded against the file, never read as if it were 1.x.
import { parse as parseToml } from 'smol-toml';
import { stripCredentials } from '../secrets/rules.js';
import { normalizeName } from './requirements.js';
import type { LockPackage, LockReader, LockWarning, ParsedLock } from './types.js';

type Table = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const table = (v: unknown): Table | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Table) : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** `pylock.toml` or `pylock.<name>.toml` (PEP 751's file names). */
export const PYLOCK_NAME = /^pylock(\.[^./\\]+)?\.toml$/;

/** `algo:hex` for each entry of a PEP 751 hashes table. */
function hashesOf(t: unknown): string[] {
  const h = table(t);
  return h ? Object.entries(h).filter(([, v]) => typeof v === 'string').map(([k, v]) => `${k.toLowerCase()}:${String(v).toLowerCase()}`) : [];
}

export function parsePylock(text: string, file = 'pylock.toml'): ParsedLock {
  const doc = parseToml(text) as Table;
  const version = str(doc['lock-version']);
  if (version === null || !/^1(\.\d+)*$/.test(version)) {
    throw new Error(`${file}: lock-version ${JSON.stringify(doc['lock-version'] ?? null)} is not one this reader knows (PEP 751 1.x)`);
  }
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  // A marker that only says "in a default dependency group" (PDM writes `"default" in
  // dependency_groups` on every package) is no condition for an ordinary install.
  const defaults = new Set((Array.isArray(doc['default-groups']) ? doc['default-groups'] : ['default']).map(String));
  const unconditional = (marker: string) => {
    const m = /^\s*["']([^"']+)["']\s+in\s+dependency_groups\s*$/.exec(marker);
    return m !== null && defaults.has(m[1]!);
  };
  // uv omits `packages` when there are none (astral-sh/uv#20144): an empty lock, not an error.
  for (const raw of arr(doc.packages)) {
    const p = table(raw);
    if (!p || typeof p.name !== 'string') throw new Error(`${file}: a [[packages]] entry without a name`);
    const name = normalizeName(p.name);
    const vcs = table(p.vcs);
    const directory = table(p.directory);
    const archive = table(p.archive);
    const hashes = [...hashesOf(table(p.sdist)?.hashes), ...arr(p.wheels).flatMap((w) => hashesOf(table(w)?.hashes)), ...hashesOf(archive?.hashes)];
    const source = vcs
      ? `${str(vcs.type) ?? 'vcs'}+${str(vcs.url) ?? str(vcs.path) ?? ''}@${str(vcs['commit-id']) ?? ''}`
      : directory
        ? str(directory.path)
        : archive
          ? (str(archive.url) ?? str(archive.path))
          : (str(p.index) ?? null);
    const pkg: LockPackage = { name, version: str(p.version), source: source ? stripCredentials(source) : null, hashes: [...new Set(hashes)].sort() };
    const marker = str(p.marker);
    if (marker && !unconditional(marker)) pkg.platform = marker;
    packages.push(pkg);
    if (marker && /sys_platform|platform_machine|platform_system|os_name/.test(marker)) warnings.push({ code: 'PLATFORM_SPECIFIC', message: `${name} applies only where ${marker}`, package: name });
    if (directory) {
      warnings.push({ code: 'LOCAL_PATH', message: `${name} is the project's directory ${JSON.stringify(str(directory.path) ?? '')}`, package: name });
      continue;
    }
    if (vcs) {
      if (!str(vcs['commit-id'])) warnings.push({ code: 'UNPINNED', message: `${name} comes from ${str(vcs.type) ?? 'a VCS'} without a commit-id`, package: name });
      continue;
    }
    if (archive && str(archive.path) !== null && str(archive.url) === null) warnings.push({ code: 'LOCAL_PATH', message: `${name} is a local archive ${JSON.stringify(str(archive.path))}`, package: name });
    if (pkg.hashes.length === 0) warnings.push({ code: 'MISSING_HASH', message: `${name} has no artifact hash`, package: name });
    if (pkg.version === null && !archive) warnings.push({ code: 'UNPINNED', message: `${name} has no version`, package: name });
  }
  return { format: 'pylock.toml', packages, warnings, manifest: 'pyproject.toml' };
}

export const pylockReader: LockReader = { format: 'pylock.toml', matches: (n) => PYLOCK_NAME.test(n), read: (f, t) => parsePylock(t, f.split('/').pop()) };

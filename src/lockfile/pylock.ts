// PEP 751's pylock.toml (and pylock.<name>.toml), as uv export, uv pip compile, PDM and pip lock
// write it: every package with its version, where it comes from (an index, a VCS commit, an
// archive, a directory of the project), every hash of its sdist, wheels or archive, and the
// marker it is installed under. Writers differ (inline tables or arrays of tables, environments
// or none, tool tables); the format is what is read. A lock-version this reader does not know
// (2.x) is an error, recorded against the file, never read as if it were 1.x. The same pass says
// what installing it means (install(): index packages by version with every artifact hash pip
// can check, archives by URL, VCS packages by commit, the project's own directories), so the
// image and the environment install from a pylock.toml as from a uv.lock.
import { parse as parseToml } from 'smol-toml';
import { stripCredentials } from '../secrets/rules.js';
import type { PythonLock } from './python-locks.js';
import { normalizeName } from './requirements.js';
import type { LockInstall, LockPackage, LockReader, LockWarning } from './types.js';

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

/** The hash algorithms pip's --hash checks (hashlib's strong ones); a lock may also carry others (blake2b). */
const PIP_HASHES = new Set(['sha256', 'sha384', 'sha512']);
/** PyPI's file host: an artifact there with no index named comes from PyPI's simple index. */
const PYPI_FILES = /^https:\/\/files\.pythonhosted\.org\//;

/** Where an index package without `index` comes from (pip lock and uv pip compile name none): PyPI when its artifacts are PyPI's, else its first artifact's URL. */
function artifactSource(p: Table): string | null {
  const urls = [table(p.sdist), ...arr(p.wheels).map(table)].map((a) => str(a?.url)).filter((u): u is string => u !== null);
  if (urls.length === 0) return null;
  return urls.every((u) => PYPI_FILES.test(u)) ? 'https://pypi.org/simple' : urls[0]!;
}

export function parsePylock(text: string, file = 'pylock.toml'): PythonLock {
  const doc = parseToml(text) as Table;
  const version = str(doc['lock-version']);
  if (version === null || !/^1(\.\d+)*$/.test(version)) {
    throw new Error(`${file}: lock-version ${JSON.stringify(doc['lock-version'] ?? null)} is not one this reader knows (PEP 751 1.x)`);
  }
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  const install: LockInstall = { packages: [], git: [], local: [], indexes: [] };
  if (str(doc['requires-python']) !== null) install.requiresPython = str(doc['requires-python'])!;
  if (Array.isArray(doc.environments)) install.environments = doc.environments.map(String);
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
          : (str(p.index) ?? artifactSource(p));
    const pkg: LockPackage = { name, version: str(p.version), source: source ? stripCredentials(source) : null, hashes: [...new Set(hashes)].sort() };
    const marker = str(p.marker);
    if (marker && !unconditional(marker)) pkg.platform = marker;
    packages.push(pkg);
    if (marker && /sys_platform|platform_machine|platform_system|os_name/.test(marker)) warnings.push({ code: 'PLATFORM_SPECIFIC', message: `${name} applies only where ${marker}`, package: name });
    const installMarker = pkg.platform ?? null;
    if (directory) {
      warnings.push({ code: 'LOCAL_PATH', message: `${name} is the project's directory ${JSON.stringify(str(directory.path) ?? '')}`, package: name });
      install.local.push({ name, kind: 'directory', path: str(directory.path) ?? '.' });
      continue;
    }
    if (vcs) {
      if (!str(vcs['commit-id'])) warnings.push({ code: 'UNPINNED', message: `${name} comes from ${str(vcs.type) ?? 'a VCS'} without a commit-id`, package: name });
      // Only git is installed by commit; another VCS (or a local checkout) has no URL pip can pin, which the export refuses.
      install.git.push({ name, url: str(vcs.type) === 'git' ? str(vcs.url) : null, commit: str(vcs['commit-id']), subdirectory: str(vcs.subdirectory), marker: installMarker });
      continue;
    }
    const pipHashes = pkg.hashes.filter((h) => PIP_HASHES.has(h.split(':')[0]!));
    if (archive && str(archive.path) !== null && str(archive.url) === null) {
      warnings.push({ code: 'LOCAL_PATH', message: `${name} is a local archive ${JSON.stringify(str(archive.path))}`, package: name });
      install.local.push({ name, kind: 'archive', path: str(archive.path)! });
    } else if (archive) {
      install.packages.push({ name, specifier: '', url: str(archive.url), hashes: pipHashes, marker: installMarker });
    } else {
      // By version from its index: the index it names, else PyPI when its artifacts are PyPI's;
      // a lone wheel elsewhere (pip lock names no index) by its URL.
      const urls = [table(p.sdist), ...arr(p.wheels).map(table)].map((a) => str(a?.url)).filter((u): u is string => u !== null);
      const index = str(p.index);
      if (index !== null) install.indexes.push(stripCredentials(index));
      const byUrl = index === null && urls.length === 1 && !PYPI_FILES.test(urls[0]!) ? urls[0]! : null;
      install.packages.push({ name, specifier: byUrl !== null || pkg.version === null ? '' : `==${pkg.version}`, url: byUrl, hashes: pipHashes, marker: installMarker });
    }
    if (pkg.hashes.length === 0) warnings.push({ code: 'MISSING_HASH', message: `${name} has no artifact hash`, package: name });
    if (pkg.version === null && !archive) warnings.push({ code: 'UNPINNED', message: `${name} has no version`, package: name });
  }
  return { format: 'pylock.toml', packages, warnings, manifest: 'pyproject.toml', install: () => install };
}

export const pylockReader: LockReader = { format: 'pylock.toml', matches: (n) => PYLOCK_NAME.test(n), read: (f, t) => parsePylock(t, f.split('/').pop()) };

// uv.lock and poetry.lock (TOML, via smol-toml) and Pipfile.lock (JSON): three lockers whose
// files carry every artifact's hash (pylock.toml, the standard one, is read in pylock.ts). Each is read here once, in one pass that gives both
// what the snapshot records (packages, sources, hashes, warnings) and what installing the lock
// means (install(): indexes, URLs, git commits, markers, the project's own folders), which
// dockerfile/export-requirements.ts only renders. One local-package rule, one hash extraction.
import { parse as parseToml } from 'smol-toml';
import { stripCredentials } from '../secrets/rules.js';
import { parsePylock, PYLOCK_NAME } from './pylock.js';
import { normalizeName } from './requirements.js';
import type { LockInstall, LockPackage, LockReader, LockWarning, ParsedLock } from './types.js';
import { uvMarkers, markerText, type UvEdge, type UvNode } from './uv-markers.js';

type Table = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const PYPI = 'https://pypi.org/simple';

/** A Python lock read once: the record, and what installing it means. */
export type PythonLock = ParsedLock & { install: () => LockInstall };

function hashWarnings(packages: LockPackage[], skip: (p: LockPackage) => boolean = () => false): LockWarning[] {
  return packages.filter((p) => p.hashes.length === 0 && !skip(p)).map((p) => ({ code: 'MISSING_HASH' as const, message: `${p.name} has no artifact hash`, package: p.name }));
}

const sortedUnique = (hashes: string[]) => [...new Set(hashes)].sort();

// --- uv.lock -------------------------------------------------------------------------------

/** uv marks the project's own packages by these source keys (the first present names the folder). */
const UV_LOCAL_KEYS = ['editable', 'virtual', 'directory', 'path'] as const;

function uvEdges(list: unknown): UvEdge[] {
  return (arr(list) as Table[]).map((d) => ({ name: normalizeName(String(d.name)), version: str(d.version), marker: str(d.marker), extras: (arr(d.extra) as string[]).map(String) }));
}

export function parseUvLock(text: string): PythonLock {
  const doc = parseToml(text) as Table;
  const packages: LockPackage[] = [];
  const nodes: Array<UvNode & { source: Table; hashes: string[] }> = [];
  for (const raw of arr(doc.package) as Table[]) {
    const source = (raw.source ?? {}) as Table;
    const local = UV_LOCAL_KEYS.some((k) => k in source);
    const where = str(source.registry) ?? str(source.git) ?? str(source.url) ?? str(source.editable) ?? str(source.virtual) ?? str(source.directory) ?? str(source.path);
    const hashes = [raw.sdist as Table | undefined, ...(arr(raw.wheels) as Table[])].map((a) => str(a?.hash)).filter((h): h is string => h !== null);
    const name = normalizeName(String(raw.name));
    const pkg: LockPackage = { name, version: str(raw.version), source: where ? stripCredentials(where) : null, hashes: sortedUnique(hashes) };
    if (local) pkg.platform = 'local';
    packages.push(pkg);
    const optional = (raw['optional-dependencies'] ?? {}) as Table;
    nodes.push({
      name,
      version: pkg.version,
      local,
      dependencies: uvEdges(raw.dependencies),
      devDependencies: Object.values((raw['dev-dependencies'] ?? {}) as Table).flatMap(uvEdges),
      optionalDependencies: Object.fromEntries(Object.keys(optional).map((extra) => [extra, uvEdges(optional[extra])])),
      source,
      hashes,
    });
  }
  const install = (): LockInstall => {
    const markers = uvMarkers(nodes);
    const out: LockInstall = { packages: [], git: [], local: [], indexes: [] };
    for (const n of nodes) {
      const terms = markers.get(n);
      if (!terms) continue; // not reachable from the project (another platform's fork, an extra)
      if (n.local) {
        const key = UV_LOCAL_KEYS.find((k) => k in n.source)!;
        out.local.push({ name: n.name, kind: 'folder', path: String(n.source[key]) });
        continue;
      }
      const marker = markerText(terms);
      const registry = str(n.source.registry);
      if (registry !== null) out.indexes.push(stripCredentials(registry));
      const gitSource = str(n.source.git);
      if (gitSource !== null) {
        // uv writes git = "URL?rev=...&subdirectory=...#COMMIT".
        const [base, commit = null] = gitSource.split('#') as [string, string?];
        const query = new URLSearchParams(base.includes('?') ? base.slice(base.indexOf('?') + 1) : '');
        out.git.push({ name: n.name, url: base.replace(/\?.*$/, ''), commit, subdirectory: query.get('subdirectory'), marker });
        continue;
      }
      const url = str(n.source.url);
      out.packages.push({ name: n.name, specifier: `==${n.version}`, url: url === null ? null : stripCredentials(url), hashes: n.hashes, marker });
    }
    return out;
  };
  return { format: 'uv.lock', packages, warnings: hashWarnings(packages, (p) => p.platform === 'local' || (p.source ?? '').startsWith('git')), manifest: 'pyproject.toml', install };
}

// --- poetry.lock ---------------------------------------------------------------------------

/** poetry's per-package markers: a string, or one per dependency group (any of them applies). */
function poetryMarker(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const all = Object.values(v as Table).map(String);
    if (all.length === 0) return null;
    return all.length === 1 ? all[0]! : [...new Set(all)].map((m) => `(${m})`).join(' or ');
  }
  return null;
}

export function parsePoetryLock(text: string): PythonLock {
  const doc = parseToml(text) as Table;
  const metadata = (doc.metadata ?? {}) as Table;
  // lock-version 1.x keeps each package's file hashes in [metadata.files], by name; 2.x in the
  // package's own files array.
  const filesByName = new Map(Object.entries((metadata.files ?? {}) as Table).map(([name, files]) => [normalizeName(name), arr(files) as Table[]]));
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  const out: LockInstall = { packages: [], git: [], local: [], indexes: [] };
  let anyMarkers = false;
  for (const raw of arr(doc.package) as Table[]) {
    const source = (raw.source ?? null) as Table | null;
    const name = normalizeName(String(raw.name));
    const files = raw.files !== undefined ? (arr(raw.files) as Table[]) : (filesByName.get(name) ?? []);
    const hashes = files.map((f) => str(f.hash)).filter((h): h is string => h !== null);
    const sourceType = source ? str(source.type) : null;
    const pkg: LockPackage = { name, version: str(raw.version), source: source ? stripCredentials(String(source.url ?? source.type ?? '')) || null : null, hashes: sortedUnique(hashes) };
    const marker = poetryMarker(raw.markers);
    if (raw.markers !== undefined) anyMarkers = true;
    if (marker) pkg.platform = marker;
    packages.push(pkg);
    if (marker && /sys_platform|platform_machine|platform_system/.test(marker)) warnings.push({ code: 'PLATFORM_SPECIFIC', message: `${pkg.name} applies only where ${marker}`, package: pkg.name });
    if (pkg.hashes.length === 0) {
      if (sourceType === 'directory' || sourceType === 'file') warnings.push({ code: 'LOCAL_PATH', message: `${pkg.name} is the project's ${sourceType} ${String(source!.url ?? '')}`, package: pkg.name });
      else if (pkg.source === null || /^https?:/.test(pkg.source)) warnings.push({ code: 'MISSING_HASH', message: `${pkg.name} has no artifact hash`, package: pkg.name });
    }
    // What installing it means.
    if (sourceType === 'directory' || sourceType === 'file') {
      out.local.push({ name, kind: sourceType, path: String(source!.url ?? '') });
    } else if (sourceType === 'git') {
      out.git.push({ name, url: str(source!.url), commit: str(source!.resolved_reference), subdirectory: str(source!.subdirectory), marker });
    } else {
      if (hashes.length > 0) out.indexes.push(sourceType === 'legacy' && str(source!.url) ? stripCredentials(String(source!.url)) : PYPI);
      out.packages.push({ name, specifier: `==${String(raw.version)}`, url: sourceType === 'url' ? stripCredentials(String(source!.url)) : null, hashes, marker });
    }
  }
  if (!anyMarkers && String(metadata['lock-version'] ?? '').startsWith('1.')) out.unmarked = String(metadata['lock-version']);
  return { format: 'poetry.lock', packages, warnings, manifest: 'pyproject.toml', install: () => out };
}

// --- Pipfile.lock --------------------------------------------------------------------------

export function parsePipfileLock(text: string): PythonLock {
  const doc = JSON.parse(text) as Table;
  const sources = arr(((doc._meta ?? {}) as Table).sources) as Table[];
  const indexUrl = new Map(sources.map((s) => [String(s.name), stripCredentials(String(s.url ?? ''))]));
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  const out: LockInstall = { packages: [], git: [], local: [], indexes: [] };
  for (const section of ['default', 'develop']) {
    for (const [rawName, raw] of Object.entries((doc[section] ?? {}) as Record<string, Table>)) {
      const name = normalizeName(rawName);
      const version = str(raw.version)?.replace(/^==/, '') ?? null;
      const hashes = (arr(raw.hashes) as string[]).map(String);
      const source = str(raw.git) ? stripCredentials(String(raw.git)) : (indexUrl.get(String(raw.index ?? 'pypi')) ?? null);
      const pkg: LockPackage = { name, version, source, hashes: hashes.slice().sort() };
      const markers = str(raw.markers);
      if (markers) pkg.platform = markers;
      if (section === 'develop') pkg.platform = pkg.platform ? `develop; ${pkg.platform}` : 'develop';
      packages.push(pkg);
      if (version === null && !raw.git && !raw.path) warnings.push({ code: 'UNPINNED', message: `${rawName} has no pinned version`, package: name });
      if (markers && /sys_platform|platform_machine|platform_system/.test(markers)) warnings.push({ code: 'PLATFORM_SPECIFIC', message: `${rawName} applies only where ${markers}`, package: name });
      // `pipenv install --deploy` installs the default section; develop is for `--dev`.
      if (section !== 'default') continue;
      if (str(raw.path) !== null || raw.editable === true) out.local.push({ name, kind: 'folder', path: String(raw.path ?? '') });
      else if (str(raw.git) !== null) out.git.push({ name, url: str(raw.git), commit: str(raw.ref), subdirectory: str(raw.subdirectory), marker: markers });
      else {
        // A package with no version cannot be pinned: it is reported with those without hashes.
        if (hashes.length > 0 && str(raw.version) !== null) out.indexes.push(indexUrl.get(String(raw.index ?? 'pypi')) || PYPI);
        out.packages.push({ name, specifier: str(raw.version) ?? '', url: null, hashes: str(raw.version) === null ? [] : hashes, marker: markers });
      }
    }
  }
  warnings.push(...hashWarnings(packages, (p) => (p.source ?? '').startsWith('git')));
  return { format: 'Pipfile.lock', packages, warnings, manifest: 'Pipfile', install: () => out };
}

export const uvReader: LockReader = { format: 'uv.lock', matches: (n) => n === 'uv.lock', read: (_f, t) => parseUvLock(t) };
export const poetryReader: LockReader = { format: 'poetry.lock', matches: (n) => n === 'poetry.lock', read: (_f, t) => parsePoetryLock(t) };
export const pipfileReader: LockReader = { format: 'Pipfile.lock', matches: (n) => n === 'Pipfile.lock', read: (_f, t) => parsePipfileLock(t) };

/** The reader of a Python lock that can be installed with hashes, by file name, or null. */
export function hashedLockReader(fileName: string): ((text: string) => PythonLock) | null {
  if (fileName === 'uv.lock') return parseUvLock;
  if (fileName === 'poetry.lock') return parsePoetryLock;
  if (fileName === 'Pipfile.lock') return parsePipfileLock;
  return PYLOCK_NAME.test(fileName) ? (text) => parsePylock(text, fileName) : null;
}

// uv.lock and poetry.lock (TOML, via smol-toml) and Pipfile.lock (JSON): the three lockers
// whose files carry every artifact's hash.
import { parse as parseToml } from 'smol-toml';
import { stripCredentials } from '../secrets/rules.js';
import { normalizeName } from './requirements.js';
import type { LockPackage, LockReader, LockWarning, ParsedLock } from './types.js';

type Table = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function hashWarnings(packages: LockPackage[], skip: (p: LockPackage) => boolean = () => false): LockWarning[] {
  return packages.filter((p) => p.hashes.length === 0 && !skip(p)).map((p) => ({ code: 'MISSING_HASH' as const, message: `${p.name} has no artifact hash`, package: p.name }));
}

export function parseUvLock(text: string): ParsedLock {
  const doc = parseToml(text) as Table;
  const packages: LockPackage[] = [];
  for (const raw of arr(doc.package) as Table[]) {
    const source = (raw.source ?? {}) as Table;
    const local = 'editable' in source || 'virtual' in source || 'directory' in source || 'path' in source;
    const where = str(source.registry) ?? str(source.git) ?? str(source.url) ?? str(source.editable) ?? str(source.virtual) ?? str(source.directory) ?? str(source.path);
    const hashes = [raw.sdist as Table | undefined, ...(arr(raw.wheels) as Table[])].map((a) => str(a?.hash)).filter((h): h is string => h !== null);
    const pkg: LockPackage = { name: normalizeName(String(raw.name)), version: str(raw.version), source: where ? stripCredentials(where) : null, hashes: [...new Set(hashes)].sort() };
    if (local) pkg.platform = 'local';
    packages.push(pkg);
  }
  return { format: 'uv.lock', packages, warnings: hashWarnings(packages, (p) => p.platform === 'local' || (p.source ?? '').startsWith('git')), manifest: 'pyproject.toml' };
}

export function parsePoetryLock(text: string): ParsedLock {
  const doc = parseToml(text) as Table;
  // lock-version 1.x keeps each package's file hashes in [metadata.files], by name; 2.x in the
  // package's own files array.
  const metadataFiles = (((doc.metadata ?? {}) as Table).files ?? {}) as Record<string, unknown>;
  const filesByName = new Map(Object.entries(metadataFiles).map(([name, files]) => [normalizeName(name), arr(files) as Table[]]));
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  for (const raw of arr(doc.package) as Table[]) {
    const source = (raw.source ?? null) as Table | null;
    const name = normalizeName(String(raw.name));
    const files = raw.files !== undefined ? (arr(raw.files) as Table[]) : (filesByName.get(name) ?? []);
    const hashes = files.map((f) => str(f.hash)).filter((h): h is string => h !== null);
    const sourceType = source ? str(source.type) : null;
    const pkg: LockPackage = { name, version: str(raw.version), source: source ? stripCredentials(String(source.url ?? source.type ?? '')) || null : null, hashes: [...new Set(hashes)].sort() };
    const markers = str(raw.markers);
    if (markers) pkg.platform = markers;
    packages.push(pkg);
    if (markers && /sys_platform|platform_machine|platform_system/.test(markers)) warnings.push({ code: 'PLATFORM_SPECIFIC', message: `${pkg.name} applies only where ${markers}`, package: pkg.name });
    if (pkg.hashes.length > 0) continue;
    if (sourceType === 'directory' || sourceType === 'file') warnings.push({ code: 'LOCAL_PATH', message: `${pkg.name} is the project's ${sourceType} ${String(source!.url ?? '')}`, package: pkg.name });
    else if (pkg.source === null || /^https?:/.test(pkg.source)) warnings.push({ code: 'MISSING_HASH', message: `${pkg.name} has no artifact hash`, package: pkg.name });
  }
  return { format: 'poetry.lock', packages, warnings, manifest: 'pyproject.toml' };
}

export function parsePipfileLock(text: string): ParsedLock {
  const doc = JSON.parse(text) as Table;
  const sources = arr(((doc._meta ?? {}) as Table).sources) as Table[];
  const indexUrl = new Map(sources.map((s) => [String(s.name), stripCredentials(String(s.url ?? ''))]));
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  for (const section of ['default', 'develop']) {
    for (const [name, raw] of Object.entries((doc[section] ?? {}) as Record<string, Table>)) {
      const version = str(raw.version)?.replace(/^==/, '') ?? null;
      const source = str(raw.git) ? stripCredentials(String(raw.git)) : indexUrl.get(String(raw.index ?? 'pypi')) ?? null;
      const pkg: LockPackage = { name: normalizeName(name), version, source, hashes: (arr(raw.hashes) as string[]).slice().sort() };
      const markers = str(raw.markers);
      if (markers) pkg.platform = markers;
      if (section === 'develop') pkg.platform = pkg.platform ? `develop; ${pkg.platform}` : 'develop';
      packages.push(pkg);
      if (version === null && !raw.git && !raw.path) warnings.push({ code: 'UNPINNED', message: `${name} has no pinned version`, package: pkg.name });
      if (markers && /sys_platform|platform_machine|platform_system/.test(markers)) warnings.push({ code: 'PLATFORM_SPECIFIC', message: `${name} applies only where ${markers}`, package: pkg.name });
    }
  }
  warnings.push(...hashWarnings(packages, (p) => (p.source ?? '').startsWith('git')));
  return { format: 'Pipfile.lock', packages, warnings, manifest: 'Pipfile' };
}

export const uvReader: LockReader = { format: 'uv.lock', matches: (n) => n === 'uv.lock', read: (_f, t) => parseUvLock(t) };
export const poetryReader: LockReader = { format: 'poetry.lock', matches: (n) => n === 'poetry.lock', read: (_f, t) => parsePoetryLock(t) };
export const pipfileReader: LockReader = { format: 'Pipfile.lock', matches: (n) => n === 'Pipfile.lock', read: (_f, t) => parsePipfileLock(t) };

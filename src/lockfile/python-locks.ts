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
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  for (const raw of arr(doc.package) as Table[]) {
    const source = (raw.source ?? null) as Table | null;
    const hashes = (arr(raw.files) as Table[]).map((f) => str(f.hash)).filter((h): h is string => h !== null);
    const pkg: LockPackage = { name: normalizeName(String(raw.name)), version: str(raw.version), source: source ? stripCredentials(String(source.url ?? source.type ?? '')) || null : null, hashes: hashes.sort() };
    const markers = str(raw.markers);
    if (markers) pkg.platform = markers;
    packages.push(pkg);
    if (markers && /sys_platform|platform_machine|platform_system/.test(markers)) warnings.push({ code: 'PLATFORM_SPECIFIC', message: `${pkg.name} applies only where ${markers}`, package: pkg.name });
  }
  warnings.push(...hashWarnings(packages, (p) => p.source !== null && !/^https?:/.test(p.source)));
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

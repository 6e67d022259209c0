// pixi.lock (prefix-dev/pixi): conda packages and PyPI packages of every environment and
// platform in one YAML file. Versions 6 and 7 list each package once under `packages:`, a conda
// one by its URL (name, version and subdir come from the file name: v6 and v7 write no name),
// a PyPI one by URL or local path with its name, version and sha256. Version 7 adds a top-level
// `platforms:` list with the virtual packages each platform needs (`__cuda`, `__glibc`); a
// version this reader does not know (8 and later, or before 5) is an error recorded against the
// file, as pixi's own older readers refuse v7 ("found newer lockfile format version").
import { stripCredentials } from '../secrets/rules.js';
import { condaPackageUrl } from './conda-explicit.js';
import { normalizeName } from './requirements.js';
import type { LockPackage, LockReader, LockWarning, ParsedLock } from './types.js';
import { loadLockYaml, yamlString, type YamlTable } from './yaml-load.js';

const KNOWN_VERSIONS = new Set(['5', '6', '7']);

export function parsePixiLock(text: string, file = 'pixi.lock'): ParsedLock {
  const doc = loadLockYaml(text, file);
  const version = yamlString(doc.version);
  if (version === null || !KNOWN_VERSIONS.has(version)) {
    throw new Error(`${file}: pixi.lock version ${JSON.stringify(version)} is not one this reader knows (5, 6, 7)`);
  }
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  for (const raw of Array.isArray(doc.packages) ? (doc.packages as YamlTable[]) : []) {
    if (!raw || typeof raw !== 'object') continue;
    const hashes = ['sha256', 'md5'].filter((k) => yamlString(raw[k]) !== null).map((k) => `${k}:${String(raw[k]).toLowerCase()}`);
    const condaUrl = yamlString(raw.conda) ?? (yamlString(raw.kind) === 'conda' ? yamlString(raw.url) : null);
    if (condaUrl !== null) {
      const parsed = condaPackageUrl(condaUrl);
      const name = yamlString(raw.name) ?? parsed?.name ?? null;
      if (name === null) {
        warnings.push({ code: 'UNPARSED_LINE', message: `a conda package whose URL names no package file: ${condaUrl.slice(0, 200)}` });
        continue;
      }
      const pkg: LockPackage = { name, version: yamlString(raw.version) ?? parsed?.version ?? null, source: stripCredentials(parsed?.base ?? condaUrl), hashes, platform: parsed?.subdir ?? 'unknown' };
      packages.push(pkg);
      if (condaUrl.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(condaUrl)) warnings.push({ code: 'LOCAL_PATH', message: `${name} comes from a local file ${condaUrl.slice(0, 200)}`, package: name });
      else if (hashes.length === 0) warnings.push({ code: 'MISSING_HASH', message: `${name} (${pkg.platform}) has no hash`, package: name });
      continue;
    }
    const pypi = yamlString(raw.pypi) ?? (yamlString(raw.kind) === 'pypi' ? yamlString(raw.url) : null);
    if (pypi === null) continue;
    const name = normalizeName(yamlString(raw.name) ?? pypi);
    const pkg: LockPackage = { name, version: yamlString(raw.version), source: stripCredentials(pypi), hashes, platform: 'pypi' };
    packages.push(pkg);
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(pypi)) warnings.push({ code: 'LOCAL_PATH', message: `${name} is the project's ${raw.editable === 'true' ? 'editable ' : ''}folder ${JSON.stringify(pypi)}`, package: name });
    else if (hashes.length === 0) warnings.push({ code: 'MISSING_HASH', message: `${name} has no hash`, package: name });
  }
  const platforms = new Set(packages.filter((p) => p.platform !== 'pypi' && p.platform !== 'noarch').map((p) => p.platform));
  if (platforms.size > 1) warnings.push({ code: 'PLATFORM_SPECIFIC', message: `conda packages for ${platforms.size} platforms: ${[...platforms].sort().join(', ')}` });
  return { format: 'pixi.lock', packages, warnings, manifest: 'pixi.toml' };
}

export const pixiReader: LockReader = { format: 'pixi.lock', matches: (n) => n === 'pixi.lock', read: (f, t) => parsePixiLock(t, f.split('/').pop()) };

// pixi.lock (prefix-dev/pixi): conda packages and PyPI packages of every environment and
// platform in one YAML file. Versions 6 and 7 list each package once under `packages:`, a conda
// one by its URL (name, version and subdir come from the file name: v6 and v7 write no name),
// a PyPI one by URL or local path with its name, version and sha256. Version 7 adds a top-level
// `platforms:` list with the virtual packages each platform was solved for (`__cuda`, `__glibc`),
// recorded with the environments that have packages for it (a custom platform name may say
// which conda `subdir` it installs); a version this reader does not know (8 and later, or before
// 5) is an error recorded against the file, as pixi's own older readers refuse v7 ("found newer
// lockfile format version").
import { stripCredentials } from '../secrets/rules.js';
import { condaPackageUrl } from './conda-explicit.js';
import { normalizeName } from './requirements.js';
import type { LockPackage, LockPlatform, LockReader, LockWarning, ParsedLock } from './types.js';
import { loadLockYaml, yamlString, type YamlTable } from './yaml-load.js';

const KNOWN_VERSIONS = new Set(['5', '6', '7']);
/** A virtual package as pixi writes it: `__name=version[=build]`. */
const VIRTUAL_PACKAGE = /^__[a-z0-9_-]+(=[^=\s]+(=[^=\s]+)?)?$/i;
const MAX_PLATFORMS = 256;
const MAX_VIRTUAL_PACKAGES = 64;

/** The environments that list packages for each platform name, sorted. */
function environmentsByPlatform(doc: YamlTable): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const envs = doc.environments;
  if (!envs || typeof envs !== 'object' || Array.isArray(envs)) return out;
  for (const [env, body] of Object.entries(envs as YamlTable)) {
    const pkgs = body && typeof body === 'object' ? (body as YamlTable).packages : null;
    if (!pkgs || typeof pkgs !== 'object' || Array.isArray(pkgs)) continue;
    for (const platform of Object.keys(pkgs as YamlTable)) out.set(platform, [...(out.get(platform) ?? []), env]);
  }
  for (const list of out.values()) list.sort();
  return out;
}

/** Version 7's `platforms:`: each with its virtual packages; a wrong shape is the file's error, never a silent skip. */
function readPlatforms(doc: YamlTable, file: string): LockPlatform[] | undefined {
  if (doc.platforms === undefined) return undefined;
  if (!Array.isArray(doc.platforms)) throw new Error(`${file}: \`platforms\` is not a list`);
  if (doc.platforms.length > MAX_PLATFORMS) throw new Error(`${file}: ${doc.platforms.length} platforms (more than ${MAX_PLATFORMS})`);
  const envs = environmentsByPlatform(doc);
  return (doc.platforms as unknown[]).map((raw, i) => {
    const entry = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as YamlTable) : null;
    const name = entry ? yamlString(entry.name) : null;
    if (name === null) throw new Error(`${file}: platforms[${i}] has no name`);
    const list = entry!['virtual-packages'] ?? [];
    if (!Array.isArray(list) || list.length > MAX_VIRTUAL_PACKAGES) throw new Error(`${file}: platform ${name}: \`virtual-packages\` is not a list of at most ${MAX_VIRTUAL_PACKAGES}`);
    const virtualPackages = list.map((v) => {
      const spec = yamlString(v);
      if (spec === null || !VIRTUAL_PACKAGE.test(spec)) throw new Error(`${file}: platform ${name}: ${JSON.stringify(String(v).slice(0, 80))} is not a virtual package (__name=version[=build])`);
      return spec;
    });
    return { name, subdir: yamlString(entry!.subdir) ?? name, virtualPackages, environments: envs.get(name) ?? [] };
  });
}

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
  const locked = readPlatforms(doc, file);
  return { format: 'pixi.lock', packages, warnings, manifest: 'pixi.toml', ...(locked ? { platforms: locked } : {}) };
}

export const pixiReader: LockReader = { format: 'pixi.lock', matches: (n) => n === 'pixi.lock', read: (f, t) => parsePixiLock(t, f.split('/').pop()) };

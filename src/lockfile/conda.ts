// conda: environment.yml (what was asked for: `name=version=build` specs and a pip section)
// and conda-lock files (what was resolved: every package with url and md5/sha256, per platform).
import { parse as parseYaml } from 'yaml';
import { stripCredentials } from '../secrets/rules.js';
import { normalizeName, parseRequirementLine } from './requirements.js';
import type { LockPackage, LockReader, LockWarning, ParsedLock } from './types.js';

type Table = Record<string, unknown>;

export function parseCondaEnvironment(text: string): ParsedLock {
  const doc = (parseYaml(text) ?? {}) as Table;
  const channels = (Array.isArray(doc.channels) ? doc.channels : []).map(String);
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  for (const dep of Array.isArray(doc.dependencies) ? doc.dependencies : []) {
    if (typeof dep === 'string') {
      const m = /^(?:([^:\s]+)::)?([A-Za-z0-9_.-]+)\s*(?:(==?|>=|<=|>|<|~=)?\s*([^=\s]+))?(?:=([^\s]+))?$/.exec(dep.trim());
      if (!m) {
        warnings.push({ code: 'UNPARSED_LINE', message: `cannot read conda spec: ${dep}` });
        continue;
      }
      const [, channel, name, op, version, build] = m;
      // conda's `=1.2` is a prefix match (1.2.*); only `==1.2` or `=1.2=build` names one package.
      const exact = version !== undefined && !version.includes('*') && (op === '==' || (build !== undefined && (op === undefined || op === '=')));
      packages.push({ name: name!, version: exact ? version! : null, source: channel ?? channels[0] ?? null, hashes: [], ...(build ? { platform: `build ${build}` } : {}) });
      if (!exact) warnings.push({ code: 'UNPINNED', message: `${name} is not pinned to one version (${dep})`, package: name! });
    } else if (dep && typeof dep === 'object' && Array.isArray((dep as Table).pip)) {
      for (const line of (dep as { pip: unknown[] }).pip) {
        const req = parseRequirementLine(String(line));
        if (!req) continue;
        packages.push({ name: req.name, version: req.version, source: 'pypi', hashes: req.hashes });
        if (req.version === null && !req.url) warnings.push({ code: 'UNPINNED', message: `${req.name} (pip) is not pinned with ==`, package: req.name });
      }
    }
  }
  warnings.push({ code: 'MISSING_HASH', message: 'environment.yml pins no hashes; use conda-lock for a reproducible environment' });
  return { format: 'conda-environment', packages, warnings };
}

export function parseCondaLock(text: string): ParsedLock {
  const doc = (parseYaml(text) ?? {}) as Table;
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  for (const raw of (Array.isArray(doc.package) ? doc.package : []) as Table[]) {
    const hash = (raw.hash ?? {}) as Table;
    const hashes = ['sha256', 'md5'].filter((k) => typeof hash[k] === 'string').map((k) => `${k}:${String(hash[k])}`);
    const manager = String(raw.manager ?? 'conda');
    const name = manager === 'pip' ? normalizeName(String(raw.name)) : String(raw.name);
    packages.push({ name, version: raw.version === undefined ? null : String(raw.version), source: raw.url ? stripCredentials(String(raw.url)) : manager, hashes, platform: String(raw.platform ?? 'unknown') });
    if (hashes.length === 0) warnings.push({ code: 'MISSING_HASH', message: `${name} (${String(raw.platform)}) has no hash`, package: name });
  }
  const platforms = new Set(packages.map((p) => p.platform));
  if (platforms.size > 1) warnings.push({ code: 'PLATFORM_SPECIFIC', message: `entries for ${platforms.size} platforms: ${[...platforms].sort().join(', ')}` });
  return { format: 'conda-lock', packages, warnings, manifest: 'environment.yml' };
}

export const condaEnvironmentReader: LockReader = {
  format: 'conda-environment',
  matches: (n) => /^environment\.ya?ml$/.test(n),
  read: (_f, t) => parseCondaEnvironment(t),
};
export const condaLockReader: LockReader = {
  format: 'conda-lock',
  matches: (n) => /^(conda-lock|.*\.conda-lock)\.ya?ml$/.test(n),
  read: (_f, t) => parseCondaLock(t),
};

// conda: environment.yml (what was asked for: `name=version=build` specs and a pip section)
// and conda-lock files (what was resolved: every package with url and md5/sha256, per platform).
import path from 'node:path';
import { stripCredentials } from '../secrets/rules.js';
import { normalizeName, parseEditable, parseRequirementLine, requirementWarnings } from './requirements.js';
import { loadLockYaml, yamlString } from './yaml-load.js';
import type { LockPackage, LockReader, LockWarning, ParsedLock } from './types.js';

type Table = Record<string, unknown>;

export function parseCondaEnvironment(text: string, file = 'environment.yml'): ParsedLock {
  const doc = loadLockYaml(text, file);
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
      // The pip section is a requirements file: options, editables and VCS URLs included.
      for (const item of (dep as { pip: unknown[] }).pip) {
        const line = String(item).trim();
        const editable = /^(?:-e|--editable)[=\s]+(.+)$/.exec(line);
        if (!editable && line.startsWith('-')) continue; // --extra-index-url and other options
        const req = editable ? parseEditable(editable[1]!.trim()) : parseRequirementLine(line);
        if (!req) {
          warnings.push({ code: 'UNPARSED_LINE', message: `cannot read pip requirement: ${stripCredentials(line).slice(0, 120)}` });
          continue;
        }
        packages.push({ name: req.name, version: req.version, source: req.url ? stripCredentials(req.url) : 'pypi', hashes: req.hashes });
        warnings.push(...requirementWarnings(req, false).map((w) => ({ ...w, message: `${w.message} (pip)` })));
      }
    }
  }
  const name = path.basename(file);
  warnings.push({ code: 'MISSING_HASH', message: `${name} pins no hashes; use conda-lock for a reproducible environment` });
  return { format: 'conda-environment', packages, warnings };
}

export function parseCondaLock(text: string, file = 'conda-lock.yml'): ParsedLock {
  const doc = loadLockYaml(text, file);
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  for (const raw of (Array.isArray(doc.package) ? doc.package : []) as Table[]) {
    const hash = (raw.hash ?? {}) as Table;
    const hashes = ['sha256', 'md5'].filter((k) => yamlString(hash[k]) !== null).map((k) => `${k}:${String(hash[k])}`);
    const manager = yamlString(raw.manager) ?? 'conda';
    const name = manager === 'pip' ? normalizeName(String(raw.name)) : String(raw.name);
    const url = yamlString(raw.url);
    packages.push({ name, version: yamlString(raw.version), source: url ? stripCredentials(url) : manager, hashes, platform: yamlString(raw.platform) ?? 'unknown' });
    if (hashes.length === 0) warnings.push({ code: 'MISSING_HASH', message: `${name} (${String(raw.platform)}) has no hash`, package: name });
  }
  const platforms = new Set(packages.map((p) => p.platform));
  if (platforms.size > 1) warnings.push({ code: 'PLATFORM_SPECIFIC', message: `entries for ${platforms.size} platforms: ${[...platforms].sort().join(', ')}` });
  return { format: 'conda-lock', packages, warnings, manifest: 'environment.yml' };
}

export const condaEnvironmentReader: LockReader = {
  format: 'conda-environment',
  matches: (n) => /^environment\.ya?ml$/.test(n),
  read: (f, t) => parseCondaEnvironment(t, f),
};
export const condaLockReader: LockReader = {
  format: 'conda-lock',
  matches: (n) => /^(conda-lock|.*\.conda-lock)\.ya?ml$/.test(n),
  read: (f, t) => parseCondaLock(t, f),
};

// requirements*.txt as pip reads it: one requirement a line, backslash continuations, `#`
// comments, options (-r/-c includes are noted, not followed), `--hash=sha256:...` per
// requirement, environment markers after `;`. Index URLs are reported without credentials.
import { stripCredentials } from '../secrets/rules.js';
import type { LockPackage, LockReader, LockWarning, ParsedLock } from './types.js';

const PLATFORM_MARKER = /\b(sys_platform|platform_system|platform_machine|os_name|platform_release)\b/;

export function parseRequirements(text: string): ParsedLock {
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  let index: string | null = null;
  for (const stripped of requirementLines(text)) {
    const editable = /^(?:-e|--editable)(?:[=\s]+)(.+)$/.exec(stripped);
    if (editable) {
      const req = parseEditable(editable[1]!.trim());
      packages.push(toPackage(req, index));
      warnings.push(...requirementWarnings(req));
      continue;
    }
    if (stripped.startsWith('-')) {
      const m = /^(?:-i|--index-url|--extra-index-url)[=\s]+(\S+)/.exec(stripped);
      if (m) {
        const clean = stripCredentials(m[1]!);
        if (clean !== m[1]) warnings.push({ code: 'CREDENTIALS_REMOVED', message: 'an index URL carries credentials; they were not recorded' });
        index ??= clean;
      }
      continue;
    }
    const req = parseRequirementLine(stripped);
    if (!req) {
      warnings.push({ code: 'UNPARSED_LINE', message: `cannot read requirement: ${stripCredentials(stripped).slice(0, 120)}` });
      continue;
    }
    packages.push(toPackage(req, index));
    warnings.push(...requirementWarnings(req));
  }
  return { format: 'requirements', packages, warnings };
}

function toPackage(req: Requirement, index: string | null): LockPackage {
  const pkg: LockPackage = { name: req.name, version: req.version, source: req.url ? stripCredentials(req.url) : index, hashes: req.hashes };
  if (req.marker) pkg.platform = req.marker;
  return pkg;
}

/** What weakens one requirement's pin: no ==, no --hash, a moving VCS ref, a platform marker. */
export function requirementWarnings(req: Requirement, hashes = true): LockWarning[] {
  const out: LockWarning[] = [];
  const url = req.url ? stripCredentials(req.url) : null;
  if (req.local) {
    out.push({ code: 'LOCAL_PATH', message: `${req.name} is installed from the project's folder ${url}${req.editable ? ' (editable)' : ''}`, package: req.name });
    return out;
  }
  if (req.vcs) {
    // pip checks out the ref; only a full commit id names one tree.
    if (!req.vcsCommit) out.push({ code: 'UNPINNED', message: `${req.name} comes from ${url}, a branch or tag, not a commit`, package: req.name });
    return out;
  }
  if (req.version === null && !req.url) out.push({ code: 'UNPINNED', message: `${req.name} is not pinned with ==${req.spec ? ` (${req.spec})` : ''}`, package: req.name });
  if (hashes && req.hashes.length === 0) out.push({ code: 'MISSING_HASH', message: `${req.name} has no --hash`, package: req.name });
  if (req.marker && PLATFORM_MARKER.test(req.marker)) out.push({ code: 'PLATFORM_SPECIFIC', message: `${req.name} applies only where ${req.marker}`, package: req.name });
  return out;
}

/**
 * An editable (`-e`) target as pip reads it: a VCS URL (`git+https://...@ref#egg=name`) or a
 * local folder (`.`, `./pkg`, `file:...`).
 */
export function parseEditable(target: string): Requirement {
  const egg = /#(?:.*&)?egg=([A-Za-z0-9._-]+)/.exec(target);
  const vcs = /^(git|hg|svn|bzr)\+/.test(target);
  if (vcs) {
    const ref = /@([^@#/]+)(?:#|$)/.exec(target.replace(/^[a-z+]+:\/\/[^/]*@/, (m) => m.replace(/@$/, '')))?.[1] ?? null;
    return { name: normalizeName(egg?.[1] ?? target), version: null, spec: null, url: target, marker: null, hashes: [], editable: true, vcs: true, vcsCommit: ref !== null && /^[0-9a-f]{40}$/.test(ref) };
  }
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(target) || target.startsWith('file:');
  return { name: egg ? normalizeName(egg[1]!) : target, version: null, spec: null, url: target, marker: null, hashes: [], editable: true, local };
}

/** The logical lines of a requirements text (backslash continuations joined), comments cut, blank ones left out. */
export function* requirementLines(text: string): Generator<string> {
  for (const line of logicalLines(text)) {
    const stripped = line.replace(/(^|\s)#.*$/, '').trim();
    if (stripped !== '') yield stripped;
  }
}

function* logicalLines(text: string): Generator<string> {
  let acc = '';
  for (const raw of text.split(/\r?\n/)) {
    if (raw.endsWith('\\')) {
      acc += raw.slice(0, -1) + ' ';
      continue;
    }
    yield acc + raw;
    acc = '';
  }
  if (acc !== '') yield acc;
}

export interface Requirement {
  name: string;
  version: string | null;
  spec: string | null;
  url: string | null;
  marker: string | null;
  hashes: string[];
  editable?: boolean;
  /** A folder of the project (`-e .`, a path, file:). */
  local?: boolean;
  /** git+/hg+/svn+/bzr+ URL, and whether its ref is a full commit id. */
  vcs?: boolean;
  vcsCommit?: boolean;
}

export function parseRequirementLine(line: string): Requirement | null {
  const hashes: string[] = [];
  let rest = line.replace(/--hash[=\s]+([a-z0-9]+):([0-9a-fA-F]+)/g, (_m, algo: string, hex: string) => {
    hashes.push(`${algo}:${hex.toLowerCase()}`);
    return '';
  });
  rest = rest.replace(/\s--\S+(\s+\S+)?/g, '').trim();
  const semi = rest.indexOf(';');
  const marker = semi >= 0 ? rest.slice(semi + 1).trim() : null;
  const body = (semi >= 0 ? rest.slice(0, semi) : rest).trim();
  const direct = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*@\s*(\S+)$/.exec(body);
  if (direct) return { name: normalizeName(direct[1]!), version: null, spec: null, url: direct[3]!, marker, hashes };
  if (/^(https?|git\+|hg\+|svn\+|bzr\+|file):/.test(body)) {
    const egg = /#egg=([A-Za-z0-9._-]+)/.exec(body);
    if (!egg) return null;
    if (/^(git|hg|svn|bzr)\+/.test(body)) return { ...parseEditable(body), editable: false, marker, hashes };
    return { name: normalizeName(egg[1]!), version: null, spec: null, url: body, marker, hashes };
  }
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/.exec(body);
  if (!m) return null;
  const spec = m[3]!.replace(/\s+/g, '');
  const pin = /^===?([^,;]+)$/.exec(spec);
  return { name: normalizeName(m[1]!), version: pin && !pin[1]!.includes('*') ? pin[1]! : null, spec: spec || null, url: null, marker, hashes };
}

/** PEP 503 name normalization. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export const requirementsReader: LockReader = {
  format: 'requirements',
  matches: (name) => /^requirements.*\.txt$/i.test(name) || /^constraints.*\.txt$/i.test(name),
  read: (_file, text) => parseRequirements(text),
};

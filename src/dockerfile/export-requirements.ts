// uv.lock, poetry.lock and Pipfile.lock exported to one hashed requirements file, so the image
// installs exactly the lock with `pip install --require-hashes --no-deps`: every package the
// lock would install, `name==version` (or `name @ url`), each of its artifact hashes, and the
// environment marker under which it is needed, so pip on the image's platform and Python
// installs the same set the locker would. Deterministic: sorted, no dates, no paths.
import { parse as parseToml } from 'smol-toml';
import { ReproError } from '../core/errors.js';
import { compareUtf8 } from '../core/utf8-order.js';
import { normalizeName } from '../lockfile/requirements.js';
import { stripCredentials } from '../secrets/rules.js';

export interface ExportedRequirements {
  /** The requirements file, pip's format, every line hashed. */
  text: string;
  /** How many requirements it holds. */
  count: number;
  /**
   * Packages from git, pinned by commit (a commit id names one tree; pip cannot hash a
   * checkout, so they cannot be in the hashed file): a second requirements file, or null.
   */
  vcs: { text: string; count: number } | null;
  /** What the export leaves out, and why (the project's own folders). */
  notes: string[];
}

interface Requirement {
  name: string;
  /** `name==version` or `name @ url`. */
  spec: string;
  hashes: string[];
  marker: string | null;
}

type Table = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

interface VcsRequirement {
  name: string;
  /** git+URL@commit[#subdirectory=...] */
  url: string;
  marker: string | null;
}

function renderVcs(source: string, reqs: VcsRequirement[]): ExportedRequirements['vcs'] {
  if (reqs.length === 0) return null;
  const sorted = [...reqs].sort((a, b) => compareUtf8(`${a.name} ${a.url}`, `${b.name} ${b.url}`));
  const lines = [`# Exported by repro from ${source}: packages from git, each pinned by commit (pip cannot hash a checkout).`];
  for (const r of sorted) lines.push(`${r.name} @ ${r.url}${r.marker ? ` ; ${r.marker}` : ''}`);
  return { text: `${lines.join('\n')}\n`, count: sorted.length };
}

function gitUrl(lock: string, name: string, url: string | null, commit: string | null, subdirectory: string | null): string {
  if (!url || !commit || !/^[0-9a-f]{40}$/.test(commit)) {
    throw new ReproError('E_CONFIG', `${lock}: ${name} comes from git without a resolved commit, so nothing pins it`, {
      hint: 'Lock it again (uv lock, poetry lock) so the lock records the commit.',
      details: { lockfile: lock, package: name },
    });
  }
  return `git+${stripCredentials(url).replace(/^git\+/, '')}@${commit}${subdirectory ? `#subdirectory=${subdirectory}` : ''}`;
}

const isPypi = (url: string) => /^https:\/\/pypi\.org\/simple\/?$/.test(url);

// What a lock may put into a requirements line: pip reads one requirement (or option) a line, so
// a newline, a continuation backslash or a comment mark in a field would let a lock add lines of
// its own (an --index-url, another package) to what the image installs.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const VERSION = /^(===?)?[A-Za-z0-9.+!_*-]+$/;
const HASH = /^(sha256|sha384|sha512):[0-9a-f]+$/;
const SAFE_TEXT = /^[^\r\n\\#\x00-\x1f]*$/;
/** A URL: no whitespace at all, so a `#fragment` can never start a comment. */
const SAFE_URL = /^[^\s\\\x00-\x1f]+$/;

function unsafe(source: string, what: string, value: string): ReproError {
  return new ReproError('E_CONFIG', `${source}: ${what} ${JSON.stringify(value.slice(0, 200))} cannot be written into a requirements file`, {
    hint: 'A lock field with a line break, backslash or # would add lines of its own to what the image installs; lock again with the locker.',
    details: { lockfile: source, field: what, value: value.slice(0, 200) },
  });
}

function checkRequirement(source: string, r: Requirement): void {
  if (!NAME.test(r.name)) throw unsafe(source, 'the package name', r.name);
  const [, version = null] = /^[^=@ ]+==(.*)$/.exec(r.spec) ?? [];
  if (version !== null && !VERSION.test(version)) throw unsafe(source, `the version of ${r.name}`, version);
  if (!SAFE_URL.test(r.spec.replace(' @ ', '@'))) throw unsafe(source, `the requirement for ${r.name}`, r.spec);
  if (r.marker !== null && !SAFE_TEXT.test(r.marker)) throw unsafe(source, `the marker of ${r.name}`, r.marker);
  for (const h of r.hashes) if (!HASH.test(h)) throw unsafe(source, `a hash of ${r.name}`, h);
}

function render(source: string, reqs: Requirement[], indexes: string[], notes: string[], vcs: VcsRequirement[] = []): ExportedRequirements {
  for (const r of reqs) checkRequirement(source, r);
  for (const v of vcs) {
    if (!NAME.test(v.name)) throw unsafe(source, 'the package name', v.name);
    if (!SAFE_URL.test(v.url)) throw unsafe(source, `the git URL of ${v.name}`, v.url);
    if (v.marker !== null && !SAFE_TEXT.test(v.marker)) throw unsafe(source, `the marker of ${v.name}`, v.marker);
  }
  for (const i of indexes) if (!SAFE_URL.test(i)) throw unsafe(source, 'an index URL', i);
  const sorted = [...reqs].sort((a, b) => compareUtf8(`${a.name} ${a.spec}`, `${b.name} ${b.spec}`));
  const lines = [`# Exported by repro from ${source}: every package it installs, with its hashes. Do not edit;`, `# it is made again from ${source} by each build.`];
  // One index for everything: pip asks only it; several: PyPI plus the others.
  const distinct = [...new Set(indexes)].sort(compareUtf8);
  const pypi = distinct.filter(isPypi);
  const others = distinct.filter((i) => !isPypi(i));
  if (pypi.length === 0 && others.length === 1) lines.push(`--index-url ${others[0]}`);
  else for (const index of others) lines.push(`--extra-index-url ${index}`);
  for (const r of sorted) {
    const hashes = [...new Set(r.hashes)].sort(compareUtf8);
    lines.push(`${r.spec}${r.marker ? ` ; ${r.marker}` : ''}${hashes.map((h) => ` \\\n    --hash=${h}`).join('')}`);
  }
  return { text: `${lines.join('\n')}\n`, count: sorted.length, notes, vcs: renderVcs(source, vcs) };
}

function unverifiable(lock: string, names: string[]): ReproError {
  return new ReproError('E_CONFIG', `${lock}: ${names.join(', ')} ${names.length === 1 ? 'has' : 'have'} no artifact hash in the lock, which pip --require-hashes cannot install`, {
    hint: 'Lock again with a locker that records hashes (uv lock, poetry lock), or vendor the package into the project.',
    details: { lockfile: lock, packages: names },
  });
}

// --- uv.lock -------------------------------------------------------------------------------

interface UvPackage {
  name: string;
  version: string | null;
  source: Table;
  raw: Table;
}

interface UvEdge {
  name: string;
  version: string | null;
  marker: string | null;
  extras: string[];
}

function uvEdges(list: unknown): UvEdge[] {
  return (arr(list) as Table[]).map((d) => ({ name: normalizeName(String(d.name)), version: str(d.version), marker: str(d.marker), extras: (arr(d.extra) as string[]).map(String) }));
}

/** A marker as a set of conjoined atoms; the empty set is "always". */
type Conj = string[];
const MAX_TERMS = 64;

/** Whether conjunction `a` implies nothing more than `b` does (a ⊆ b: b is absorbed by a). */
const subset = (a: Conj, b: Conj) => a.every((x) => b.includes(x));

/**
 * Each package's marker: the OR, over every path from the project's own packages, of the AND
 * of the edge markers along it (as uv export computes them), absorbed to its simplest terms.
 */
export function uvMarkers(packages: UvPackage[], roots: UvPackage[]): Map<UvPackage, Conj[]> {
  const byName = new Map<string, UvPackage[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const terms = new Map<UvPackage, Conj[]>();
  const queue: Array<[UvPackage, Conj, string[]]> = [];
  const add = (p: UvPackage, c: Conj, extras: string[]) => {
    const have = terms.get(p) ?? [];
    const absorbed = have.some((h) => subset(h, c)); // a term at least as general is there
    if (!absorbed) {
      const kept = have.filter((h) => !subset(c, h));
      kept.push(c);
      // Past this many terms the marker is not worth writing: the package is installed everywhere.
      terms.set(p, kept.length > MAX_TERMS ? [[]] : kept);
    }
    if (!absorbed || extras.length > 0) queue.push([p, c, extras]);
  };
  for (const r of roots) add(r, [], []);
  const seenExtras = new Set<string>();
  while (queue.length > 0) {
    const [p, c, extras] = queue.shift()!;
    const edges = [...uvEdges(p.raw.dependencies)];
    if (roots.includes(p)) for (const group of Object.values((p.raw['dev-dependencies'] ?? {}) as Table)) edges.push(...uvEdges(group));
    for (const extra of extras) {
      const key = `${p.name}@${p.version}[${extra}] ${c.join(' and ')}`;
      if (seenExtras.has(key)) continue;
      seenExtras.add(key);
      edges.push(...uvEdges(((p.raw['optional-dependencies'] ?? {}) as Table)[extra]));
    }
    for (const e of edges) {
      const candidates = (byName.get(e.name) ?? []).filter((q) => e.version === null || q.version === e.version);
      const conj = e.marker ? [...new Set([...c, e.marker])].sort(compareUtf8) : c;
      for (const q of candidates) add(q, conj, e.extras);
    }
  }
  return terms;
}

function markerText(terms: Conj[]): string | null {
  if (terms.some((t) => t.length === 0)) return null;
  const parts = terms.map((t) => (t.length === 1 ? t[0]! : t.map((a) => `(${a})`).join(' and ')));
  return parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(' or ');
}

const isLocal = (source: Table) => 'editable' in source || 'virtual' in source || 'directory' in source || 'path' in source;

export function exportUvLock(text: string, lock = 'uv.lock'): ExportedRequirements {
  const doc = parseToml(text) as Table;
  const packages: UvPackage[] = (arr(doc.package) as Table[]).map((raw) => ({ name: normalizeName(String(raw.name)), version: str(raw.version), source: (raw.source ?? {}) as Table, raw }));
  const roots = packages.filter((p) => isLocal(p.source));
  const markers = uvMarkers(packages, roots);
  const reqs: Requirement[] = [];
  const vcs: VcsRequirement[] = [];
  const unhashed: string[] = [];
  const notes: string[] = [];
  for (const p of packages) {
    const terms = markers.get(p);
    if (!terms) continue; // not reachable from the project (another platform's fork, an extra)
    if (isLocal(p.source)) {
      notes.push(`${p.name} is the project's own folder (${String(p.source.editable ?? p.source.virtual ?? p.source.directory ?? p.source.path)}): not installed; it runs from /project`);
      continue;
    }
    const hashes = [p.raw.sdist as Table | undefined, ...(arr(p.raw.wheels) as Table[])].map((a) => str(a?.hash)).filter((h): h is string => h !== null);
    const gitSource = str(p.source.git);
    if (gitSource !== null) {
      // uv writes git = "URL?rev=...&subdirectory=...#COMMIT".
      const [base, commit = null] = gitSource.split('#') as [string, string?];
      const query = new URLSearchParams(base.includes('?') ? base.slice(base.indexOf('?') + 1) : '');
      vcs.push({ name: p.name, url: gitUrl(lock, p.name, base.replace(/\?.*$/, ''), commit, query.get('subdirectory')), marker: markerText(terms) });
      continue;
    }
    if (hashes.length === 0) {
      unhashed.push(p.name);
      continue;
    }
    const url = str(p.source.url);
    reqs.push({ name: p.name, spec: url ? `${p.name} @ ${stripCredentials(url)}` : `${p.name}==${p.version}`, hashes, marker: markerText(terms) });
  }
  if (unhashed.length > 0) throw unverifiable(lock, unhashed.sort(compareUtf8));
  const indexes = packages.filter((p) => markers.has(p) && !isLocal(p.source)).map((p) => str(p.source.registry)).filter((r): r is string => r !== null).map(stripCredentials);
  return render(lock, reqs, indexes, notes, vcs);
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

export function exportPoetryLock(text: string, lock = 'poetry.lock'): ExportedRequirements {
  const doc = parseToml(text) as Table;
  const metadata = (doc.metadata ?? {}) as Table;
  const filesByName = new Map(Object.entries((metadata.files ?? {}) as Table).map(([n, f]) => [normalizeName(n), arr(f) as Table[]]));
  const reqs: Requirement[] = [];
  const vcs: VcsRequirement[] = [];
  const unhashed: string[] = [];
  const notes: string[] = [];
  const indexes: string[] = [];
  let anyMarkers = false;
  for (const raw of arr(doc.package) as Table[]) {
    const name = normalizeName(String(raw.name));
    const source = (raw.source ?? null) as Table | null;
    const type = source ? str(source.type) : null;
    if (type === 'directory' || type === 'file') {
      notes.push(`${name} is the project's own ${type} (${String(source!.url ?? '')}): not installed; it runs from /project`);
      continue;
    }
    const files = raw.files !== undefined ? (arr(raw.files) as Table[]) : (filesByName.get(name) ?? []);
    const hashes = files.map((f) => str(f.hash)).filter((h): h is string => h !== null);
    if (type === 'git') {
      vcs.push({ name, url: gitUrl(lock, name, str(source!.url), str(source!.resolved_reference), str(source!.subdirectory)), marker: poetryMarker(raw.markers) });
      continue;
    }
    if (hashes.length === 0) {
      unhashed.push(name);
      continue;
    }
    indexes.push(type === 'legacy' && str(source!.url) ? stripCredentials(String(source!.url)) : 'https://pypi.org/simple');
    const marker = poetryMarker(raw.markers);
    if (raw.markers !== undefined) anyMarkers = true;
    reqs.push({ name, spec: type === 'url' ? `${name} @ ${stripCredentials(String(source!.url))}` : `${name}==${String(raw.version)}`, hashes, marker });
  }
  if (unhashed.length > 0) throw unverifiable(lock, unhashed.sort(compareUtf8));
  if (!anyMarkers && String(metadata['lock-version'] ?? '').startsWith('1.')) {
    notes.push(`${lock} is lock-version ${String(metadata['lock-version'])}, which records no per-package markers: every package is installed on every platform (poetry lock with Poetry 2 adds them)`);
  }
  return render(lock, reqs, indexes, notes, vcs);
}

// --- Pipfile.lock --------------------------------------------------------------------------

export function exportPipfileLock(text: string, lock = 'Pipfile.lock'): ExportedRequirements {
  const doc = JSON.parse(text) as Table;
  const sources = arr(((doc._meta ?? {}) as Table).sources) as Table[];
  const indexUrl = new Map(sources.map((s) => [String(s.name), stripCredentials(String(s.url ?? ''))]));
  const reqs: Requirement[] = [];
  const vcs: VcsRequirement[] = [];
  const unhashed: string[] = [];
  const notes: string[] = [];
  const indexes: string[] = [];
  // `pipenv install --deploy` installs the default section; develop is for `--dev`.
  for (const [rawName, raw] of Object.entries((doc.default ?? {}) as Record<string, Table>)) {
    const name = normalizeName(rawName);
    const hashes = (arr(raw.hashes) as string[]).map(String);
    if (str(raw.path) !== null || raw.editable === true) {
      notes.push(`${name} is the project's own folder (${String(raw.path ?? '')}): not installed; it runs from /project`);
      continue;
    }
    if (str(raw.git) !== null) {
      vcs.push({ name, url: gitUrl(lock, name, str(raw.git), str(raw.ref), str(raw.subdirectory)), marker: str(raw.markers) });
      continue;
    }
    if (hashes.length === 0 || str(raw.version) === null) {
      unhashed.push(name);
      continue;
    }
    indexes.push(indexUrl.get(String(raw.index ?? 'pypi')) || 'https://pypi.org/simple');
    reqs.push({ name, spec: `${name}${String(raw.version)}`, hashes, marker: str(raw.markers) });
  }
  if (unhashed.length > 0) throw unverifiable(lock, unhashed.sort(compareUtf8));
  return render(lock, reqs, indexes, notes, vcs);
}

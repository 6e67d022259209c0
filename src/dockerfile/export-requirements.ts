// A uv.lock, pylock.toml, poetry.lock or Pipfile.lock, as its one reader (lockfile/python-locks.ts) says
// installing it means, rendered as one hashed requirements file, so the image installs exactly
// the lock with `pip install --require-hashes --no-deps`: every package the lock would install,
// `name==version` (or `name @ url`), each of its artifact hashes, and the environment marker
// under which it is needed, so pip on the image's platform and Python installs the same set the
// locker would. This module reads no lock itself: it checks and renders. Deterministic: sorted,
// no dates, no paths.
import { ReproError } from '../core/errors.js';
import { compareUtf8 } from '../core/utf8-order.js';
import type { LockInstall } from '../lockfile/types.js';
import { isPypiIndex } from '../pyindex/simple.js';
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
  const pypi = distinct.filter(isPypiIndex);
  const others = distinct.filter((i) => !isPypiIndex(i));
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

/** The hashed requirements (and the git ones) of a lock, from what its reader returned. */
export function exportRequirements(lock: string, install: LockInstall): ExportedRequirements {
  const vcs: VcsRequirement[] = install.git.map((g) => ({ name: g.name, url: gitUrl(lock, g.name, g.url, g.commit, g.subdirectory), marker: g.marker }));
  const unhashed = install.packages.filter((p) => p.hashes.length === 0).map((p) => p.name);
  if (unhashed.length > 0) throw unverifiable(lock, unhashed.sort(compareUtf8));
  const unpinned = install.packages.filter((p) => p.url === null && !p.specifier.startsWith('==')).map((p) => p.name);
  if (unpinned.length > 0) {
    throw new ReproError('E_CONFIG', `${lock}: ${unpinned.sort(compareUtf8).join(', ')} ${unpinned.length === 1 ? 'has' : 'have'} neither a version nor an artifact URL, so pip would resolve ${unpinned.length === 1 ? 'it' : 'them'} anew`, {
      hint: 'Lock again with a locker that records versions (uv export, pdm export, pip lock).',
      details: { lockfile: lock, packages: unpinned },
    });
  }
  const reqs: Requirement[] = install.packages.map((p) => ({ name: p.name, spec: p.url !== null ? `${p.name} @ ${p.url}` : `${p.name}${p.specifier}`, hashes: p.hashes, marker: p.marker }));
  const notes = install.local.map((l) => `${l.name} is the project's own ${l.kind} (${l.path}): not installed; it runs from /project`);
  if (install.requiresPython !== undefined) notes.push(`${lock} was made for Python ${install.requiresPython}: the base image's python3 must be one`);
  if (install.environments?.length) notes.push(`${lock} was made for the environments ${install.environments.join(' or ')}: the image must be one (pip does not check this)`);
  if (install.unmarked !== undefined) notes.push(`${lock} is lock-version ${install.unmarked}, which records no per-package markers: every package is installed on every platform (poetry lock with Poetry 2 adds them)`);
  return render(lock, reqs, install.indexes, notes, vcs);
}

// What never enters a bundle, whatever the ignore files say: VCS metadata, caches, editor
// droppings and repro's own products (its lock, the kept reference run, caches, temp files and
// earlier bundles).
import ignore from 'ignore';
import { CODECS, EXTENSION } from '../bundle/codecs.js';
import { LOCK_FILE } from '../bundle/lock.js';
import { KEPT_REFERENCE_RUN } from '../bundle/layout.js';
import { REPRO_DIR } from '../core/repro-dir.js';

export const JUNK_PATTERNS: readonly string[] = [
  '.git/',
  '.hg/',
  '.svn/',
  `${REPRO_DIR}/`,
  '__pycache__/',
  '*.pyc',
  '*.pyo',
  '.DS_Store',
  'Thumbs.db',
  '*.swp',
  '*.swo',
  '*~',
  '.#*',
  '.ipynb_checkpoints/',
  '.pytest_cache/',
  '.mypy_cache/',
  '.ruff_cache/',
  LOCK_FILE,
  `/${KEPT_REFERENCE_RUN}`,
  ...CODECS.map((codec) => `*${EXTENSION[codec]}`),
  '.repro-tmp-*',
];

export interface JunkMatcher {
  /** Whether `rel` ('/'-separated; a trailing '/' names a directory) is junk, or inside junk. */
  ignores(rel: string): boolean;
}

/**
 * The junk list as a matcher. Each pattern here is one of five plain kinds (a directory name
 * `X/`, a name at the root `/X`, a name `X`, a suffix `*S`, a prefix `P*`), so the list is
 * compiled into sets and string tests, checked with the same rules as the ignore package's
 * (gitignore's: a name matches at any depth, a match on a directory covers what is inside, ASCII
 * letters in any case) without its regular expressions, which took ~3 µs a path: 60 ms of a
 * 20,000-file build. A pattern of another kind makes it the ignore package's.
 * tests/unit/intake/junk.test.ts checks both agree.
 */
export function junkMatcher(patterns: readonly string[] = JUNK_PATTERNS): JunkMatcher {
  return compileJunk(patterns) ?? ignore().add(patterns as string[]);
}

const GLOB = /[*?[\]\\!]/;

function compileJunk(patterns: readonly string[]): JunkMatcher | null {
  const dirNames = new Set<string>();
  const rootNames = new Set<string>();
  const names = new Set<string>();
  const suffixes: string[] = [];
  const prefixes: string[] = [];
  for (const raw of patterns) {
    const p = asciiLower(raw);
    if (p.endsWith('/') && !GLOB.test(p.slice(0, -1)) && !p.slice(0, -1).includes('/') && p.length > 1) dirNames.add(p.slice(0, -1));
    else if (p.startsWith('/') && !GLOB.test(p.slice(1)) && !p.slice(1).includes('/') && p.length > 1) rootNames.add(p.slice(1));
    else if (p.startsWith('*') && p.length > 1 && !GLOB.test(p.slice(1)) && !p.includes('/')) suffixes.push(p.slice(1));
    else if (p.endsWith('*') && p.length > 1 && !GLOB.test(p.slice(0, -1)) && !p.includes('/')) prefixes.push(p.slice(0, -1));
    else if (p !== '' && !GLOB.test(p) && !p.includes('/') && !p.startsWith('#')) names.add(p);
    else return null;
  }
  const any = (segment: string): boolean => names.has(segment) || suffixes.some((x) => segment.endsWith(x)) || prefixes.some((x) => segment.startsWith(x));
  return {
    ignores(rel: string): boolean {
      const isDir = rel.endsWith('/');
      const parts = asciiLower(isDir ? rel.slice(0, -1) : rel).split('/');
      for (let i = 0; i < parts.length; i++) {
        const segment = parts[i]!;
        const dir = isDir || i < parts.length - 1;
        if (any(segment) || (dir && dirNames.has(segment)) || (i === 0 && rootNames.has(segment))) return true;
      }
      return false;
    },
  };
}

/** Lower-cases A-Z only: what a case-insensitive, non-Unicode regular expression folds. */
function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** What marks the root of a Python virtual environment (venv, virtualenv, uv venv). */
export const VENV_MARKER = 'pyvenv.cfg';

/**
 * The virtual environments among listed paths (folders whose pyvenv.cfg is listed): never
 * project content. A venv is this machine's interpreter and packages, with absolute links into
 * it; the bundle carries the lock, not the environment.
 */
export function virtualenvDirs(paths: readonly string[]): string[] {
  return paths.filter((p) => p === VENV_MARKER || p.endsWith(`/${VENV_MARKER}`)).map((p) => (p === VENV_MARKER ? '' : p.slice(0, -VENV_MARKER.length - 1)));
}

/** True when `p` is inside one of `dirs` ('' is the root itself). */
export function insideAny(p: string, dirs: readonly string[]): boolean {
  return dirs.some((d) => d === '' || p === d || p.startsWith(`${d}/`));
}

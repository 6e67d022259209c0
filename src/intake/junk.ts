// What never enters a bundle, whatever the ignore files say: VCS metadata, caches, editor
// droppings and repro's own products (its lock, the kept reference run, caches, temp files and
// earlier bundles).
import ignore, { type Ignore } from 'ignore';
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

export function junkMatcher(): Ignore {
  return ignore().add(JUNK_PATTERNS as string[]);
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

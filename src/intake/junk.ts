// What never enters a bundle, whatever the ignore files say: VCS metadata, caches, editor
// droppings and repro's own products (its lock, the kept reference run, caches, temp files and
// earlier bundles).
import ignore, { type Ignore } from 'ignore';
import { CODECS, EXTENSION } from '../bundle/codecs.js';
import { LOCK_FILE } from '../bundle/lock.js';
import { KEPT_REFERENCE_RUN } from '../bundle/layout.js';

export const JUNK_PATTERNS: readonly string[] = [
  '.git/',
  '.hg/',
  '.svn/',
  '.repro/',
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

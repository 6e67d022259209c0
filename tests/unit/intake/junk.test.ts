import ignore from 'ignore';
import { describe, expect, it } from 'vitest';
import { JUNK_PATTERNS, junkMatcher } from '../../../src/intake/junk.js';

// The compiled junk matcher must say what the ignore package says of the same patterns, for
// files and directories at every depth, in any case, with non-ASCII look-alikes.
describe('junkMatcher', () => {
  const reference = ignore().add(JUNK_PATTERNS as string[]);
  const segments = [
    'src', 'a.py', 'data', '.git', '.GIT', '.gitignore', '.github', '__pycache__', '__PyCache__', 'x.pyc', 'X.PYC', 'x.pyc.txt', '.pyc', 'x.pyo',
    '.DS_Store', '.ds_store', 'Thumbs.db', 'thumbs.DB', 'notes.swp', 'a~', '~a', '.#lock', '#x#', '.ipynb_checkpoints', '.ipynb_chec\u212Apoints',
    '.pytest_cache', '.mypy_cache', '.ruff_cache', '.repro', '.reproignore', 'repro.lock', 'REPRO.LOCK', 'repro.lock.bak', 'repro.run.json',
    'b.repro.tar', 'b.repro.tar.gz', 'b.repro.tar.zst', 'B.REPRO.TAR.ZST', '.repro-tmp-123-ab-x', '.repro-tmp-', '.hg', '.svn', 'ſrc', 'é', 'ß.pyc',
  ];
  const paths: string[] = [];
  for (const a of segments) {
    paths.push(a, `${a}/`);
    for (const b of segments) {
      paths.push(`${a}/${b}`, `${a}/${b}/`, `src/${a}/${b}`);
    }
  }

  it('agrees with the ignore package on every path of the junk list, file or folder, at every depth', () => {
    const matcher = junkMatcher();
    expect('add' in matcher).toBe(false); // the compiled matcher, not the ignore package's
    const disagree = paths.filter((p) => matcher.ignores(p) !== reference.ignores(p));
    expect(disagree).toEqual([]);
    expect(paths.filter((p) => matcher.ignores(p)).length).toBeGreaterThan(paths.length / 3); // it does match
  });

  it('a list with a pattern of another kind is the ignore package\'s, and still right', () => {
    const patterns = [...JUNK_PATTERNS, 'build/**/*.o', '!keep.pyc'];
    const other = ignore().add(patterns);
    const matcher = junkMatcher(patterns);
    expect('add' in matcher).toBe(true);
    for (const p of [...paths, 'build/x/y.o', 'keep.pyc', 'src/keep.pyc']) expect(matcher.ignores(p), p).toBe(other.ignores(p));
  });
});

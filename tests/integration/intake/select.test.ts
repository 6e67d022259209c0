import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectFiles } from '../../../src/intake/select.js';
import { git, makeProject, writeTree } from '../../helpers/project.js';

const sorted = (xs: string[]) => [...xs].sort();

describe('selectFiles in a git work tree', () => {
  it('takes tracked and untracked-not-ignored files, never ignored files or junk', async () => {
    const root = await makeProject(
      {
        '.gitignore': 'outputs/\n*.log\n',
        'train.py': 'print(1)\n',
        'src/model.py': 'x = 1\n',
        '__pycache__/model.cpython-311.pyc': 'junk',
        'src/x.pyc': 'junk',
        '.DS_Store': 'junk',
        'notes.txt.swp': 'junk',
      },
      { git: true },
    );
    await writeTree(root, { 'new.py': 'untracked\n', 'outputs/model.bin': 'ignored', 'run.log': 'ignored', '.repro/cache/x': 'own', 'repro.lock': '{}' });
    const sel = await selectFiles(root);
    expect(sel.method).toBe('git');
    expect(sorted(sel.paths)).toEqual(['.gitignore', 'new.py', 'src/model.py', 'train.py']);
  });

  it('keeps a force-added file that .gitignore would ignore, and skips a tracked file deleted from disk', async () => {
    const root = await makeProject({ '.gitignore': '*.csv\n', 'a.py': '1' }, { git: true });
    await writeTree(root, { 'data.csv': 'x,y\n' });
    git(root, 'add', '-f', 'data.csv');
    await fs.rm(path.join(root, 'a.py'));
    expect(sorted((await selectFiles(root)).paths)).toEqual(['.gitignore', 'data.csv']);
  });

  it('applies .reproignore files in any directory, relative to where they live', async () => {
    const root = await makeProject(
      {
        '.reproignore': 'data/raw/\n*.tmp\n',
        'data/raw/big.bin': 'x',
        'data/clean.csv': 'x',
        'sub/.reproignore': 'local-only.txt\n',
        'sub/local-only.txt': 'x',
        'sub/keep.txt': 'x',
        'local-only.txt': 'kept: the rule is scoped to sub/',
        'scratch.tmp': 'x',
      },
      { git: true },
    );
    expect(sorted((await selectFiles(root)).paths)).toEqual(['.reproignore', 'data/clean.csv', 'local-only.txt', 'sub/.reproignore', 'sub/keep.txt']);
  });

  it('lists paths relative to a project that is a subdirectory of the repository', async () => {
    const repo = await makeProject({ 'other/x.py': '1', 'proj/train.py': '1', 'proj/lib/a.py': '1' }, { git: true });
    expect(sorted((await selectFiles(path.join(repo, 'proj'))).paths)).toEqual(['lib/a.py', 'train.py']);
  });
});

describe('selectFiles outside git', () => {
  it('walks every file, honouring nested .gitignore, .reproignore, junk and the output directory', async () => {
    const root = await makeProject({
      '.gitignore': '*.ckpt\n',
      'model.ckpt': 'x',
      'a.py': '1',
      'lib/.gitignore': 'generated/\n',
      'lib/generated/x.py': '1',
      'lib/b.py': '1',
      '.git-not-really/keep': '1',
      '.git/config': 'x',
      'bundles/old.repro.tar.zst': 'x',
      'out/x': 'x',
    });
    const sel = await selectFiles(root, { exclude: [path.join(root, 'out')] });
    expect(sel.method).toBe('walk');
    expect(sorted(sel.paths)).toEqual(['.git-not-really/keep', '.gitignore', 'a.py', 'lib/.gitignore', 'lib/b.py']);
  });

  it('fails with E_NOT_FOUND for a missing directory and E_INPUT for a file', async () => {
    const root = await makeProject({ 'f.txt': 'x' });
    await expect(selectFiles(path.join(root, 'nope'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(selectFiles(path.join(root, 'f.txt'))).rejects.toMatchObject({ code: 'E_INPUT' });
  });
});

describe('selectFiles for a project the enclosing repository ignores', () => {
  it('walks it instead of asking git (which would list nothing)', async () => {
    const repo = await makeProject({ '.gitignore': 'scratch/\n', 'a.py': '1' }, { git: true });
    await writeTree(repo, { 'scratch/proj/train.py': '1', 'scratch/proj/data/x.csv': '1' });
    const sel = await selectFiles(path.join(repo, 'scratch', 'proj'));
    expect(sel.method).toBe('walk');
    expect(sorted(sel.paths)).toEqual(['data/x.csv', 'train.py']);
  });
});

// The other probes on real things: git repositories, Debian's python3 with scikit-learn,
// data directories (with links, loops and the cache), and tools that hang or print garbage.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HashCache } from '../../../src/core/hash-cache.js';
import { hashData, treeDigest } from '../../../src/snapshot/probe-data.js';
import { captureEnv } from '../../../src/snapshot/probe-env.js';
import { probeGit } from '../../../src/snapshot/probe-git.js';
import { probePython } from '../../../src/snapshot/probe-python.js';
import { garbageBin, hangingBin } from '../../helpers/fake-tools.js';
import { git, makeProject, tempDir, writeTree } from '../../helpers/project.js';

const env = { PATH: process.env.PATH };
const DEBIAN_PYTHON = '/usr/bin/python3';

describe('probeGit', () => {
  it('records commit, branch, stripped remotes, dirty state and a diff hash', async () => {
    const root = await makeProject({ 'a.py': '1\n', 'b.py': '2\n' }, { git: true });
    git(root, 'remote', 'add', 'origin', 'https://bot:tok123456@github.com/o/r.git');
    const clean = await probeGit(root, { timeoutMs: 5000, env });
    expect(clean.identity).toMatchObject({ commit: expect.stringMatching(/^[0-9a-f]{40}$/), dirty: false, changed: [], untracked: [], diffSha256: null, remotes: { origin: 'https://github.com/o/r.git' } });
    await fs.writeFile(path.join(root, 'a.py'), 'changed\n');
    await fs.writeFile(path.join(root, 'new.py'), 'x\n');
    const dirty = await probeGit(root, { timeoutMs: 5000, env });
    expect(dirty.identity).toMatchObject({ dirty: true, changed: ['a.py'], untracked: ['new.py'], diffSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(dirty.patch).toContain('+changed');
  });

  it('leaves out the paths repro writes itself', async () => {
    const root = await makeProject({ 'a.py': '1\n' }, { git: true });
    await writeTree(root, { 'repro.snapshot.json': '{}', '.repro/cache/x': 'y' });
    const r = await probeGit(root, { timeoutMs: 5000, env, exclude: ['repro.snapshot.json', '.repro'] });
    expect(r.identity?.dirty).toBe(false);
  });

  it('outside a work tree: null with the reason', async () => {
    const r = await probeGit(tempDir(), { timeoutMs: 5000, env });
    expect(r.identity).toBeNull();
    expect(r.notes).toEqual(['not a git work tree']);
  });

  it('git that hangs: gives up within the limit', async () => {
    const bin = await hangingBin('git');
    const started = Date.now();
    const r = await probeGit(tempDir(), { timeoutMs: 400, env: { PATH: `${bin}:/usr/bin:/bin` } });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.identity).toBeNull();
    expect(r.notes[0]).toMatch(/within 400 ms/);
  });
});

describe('probePython (Debian python3 with python3-sklearn)', () => {
  it('lists installed distributions without importing them', async () => {
    const r = await probePython({ projectDir: tempDir(), python: DEBIAN_PYTHON, imports: true, timeoutMs: 20_000, importTimeoutMs: 60_000, env });
    expect(r.identity?.implementation).toBe('CPython');
    expect(r.identity?.version).toMatch(/^3\.\d+\.\d+$/);
    expect(r.identity?.packages['scikit-learn']).toMatch(/^\d+\.\d+/);
    expect(r.identity?.packages.numpy).toMatch(/^\d+\.\d+/);
    // no torch/tensorflow/jax installed: only numpy is imported, for the BLAS it runs on
    expect(Object.keys(r.identity?.frameworks ?? {})).toEqual(['numpy']);
    expect(r.identity?.frameworks?.numpy?.version).toBe(r.identity?.packages.numpy);
    expect(r.context).toMatchObject({ executable: DEBIAN_PYTHON, chosenBy: 'option' });
  });

  it('prefers the project .venv over python3 on PATH', async () => {
    const root = await makeProject({});
    await fs.mkdir(path.join(root, '.venv', 'bin'), { recursive: true });
    await fs.symlink(DEBIAN_PYTHON, path.join(root, '.venv', 'bin', 'python'));
    const r = await probePython({ projectDir: root, imports: false, timeoutMs: 20_000, importTimeoutMs: 1000, env });
    expect(r.context?.chosenBy).toBe('venv');
  });

  it('python that hangs, or prints garbage, or is missing: null with the reason', async () => {
    const hang = await probePython({ projectDir: tempDir(), python: path.join(await hangingBin('python3'), 'python3'), imports: false, timeoutMs: 300, importTimeoutMs: 300, env });
    expect(hang.identity).toBeNull();
    expect(hang.notes[0]).toMatch(/within 300 ms/);
    const garbage = await probePython({ projectDir: tempDir(), python: path.join(await garbageBin('python3'), 'python3'), imports: false, timeoutMs: 5000, importTimeoutMs: 300, env });
    expect(garbage.notes[0]).toMatch(/unexpected/);
    const missing = await probePython({ projectDir: tempDir(), python: '/nonexistent/python', imports: false, timeoutMs: 5000, importTimeoutMs: 300, env });
    expect(missing.notes[0]).toMatch(/not found/);
  });
});

describe('captureEnv', () => {
  it('takes the allowlist and --env names, redacts secret-like names and credential values', () => {
    const out = captureEnv(
      { PYTHONHASHSEED: '0', OMP_NUM_THREADS: '4', HOME: '/root', MY_TOKEN: 'abc', INDEX: 'https://u:p@x/simple', PLAIN: 'v' },
      ['MY_TOKEN', 'INDEX', 'PLAIN', 'UNSET'],
    );
    expect(out).toEqual({ PYTHONHASHSEED: '0', OMP_NUM_THREADS: '4', MY_TOKEN: { redacted: true }, INDEX: { redacted: true }, PLAIN: 'v' });
  });
});

describe('hashData', () => {
  it('hashes files and directories (sorted list + tree digest), following links', async () => {
    const root = await makeProject({ 'data/b.csv': 'b\n', 'data/a/x.bin': 'x', 'model.pt': 'weights', 'data/z': { symlink: '../model.pt' } });
    const cache = await new HashCache(root).load();
    const items = await hashData(['data', 'model.pt'], root, { projectDir: root, cache });
    const dir = items[0]!;
    expect(dir.type).toBe('directory');
    if (dir.type !== 'directory') return;
    expect(dir.entries.map((e) => e.path)).toEqual(['a/x.bin', 'b.csv', 'z']);
    expect(dir.treeDigest).toBe(treeDigest(dir.entries));
    expect(dir.entries[2]!.sha256).toBe(items[1]!.type === 'file' ? items[1]!.sha256 : '');
    expect(items[1]).toMatchObject({ path: 'model.pt', type: 'file', size: 7 });
  });

  it('a second run of unchanged data comes from the cache', async () => {
    const root = await makeProject({ 'data/a': 'a', 'data/b': 'b' });
    const old = new Date(Date.now() - 60_000);
    for (const f of ['a', 'b']) await fs.utimes(path.join(root, 'data', f), old, old);
    const c1 = await new HashCache(root).load();
    const first = await hashData(['data'], root, { projectDir: root, cache: c1 });
    await c1.save(Date.now());
    const c2 = await new HashCache(root).load();
    const second = await hashData(['data'], root, { projectDir: root, cache: c2 });
    expect(second).toEqual(first);
    expect([c2.hits, c2.misses]).toEqual([2, 0]);
  });

  it('a symlink loop is a clear error', async () => {
    const root = await makeProject({ 'data/a': 'a', 'data/loop': { symlink: '.' } });
    await expect(hashData(['data'], root, { projectDir: root, cache: await new HashCache(root).load() })).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringContaining('loop') });
  });

  it('a missing path is a clear error', async () => {
    const root = await makeProject({});
    await expect(hashData(['nope'], root, { projectDir: root, cache: await new HashCache(root).load() })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});

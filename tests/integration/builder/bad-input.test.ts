// Bad input gets a coded error and loses nothing: no bundle, no temp file, no lock.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../helpers/build.js';
import { listFiles, makeProject, tempDir } from '../../helpers/project.js';
import { assertOthersCanRun, runCli } from '../../helpers/cli.js';

async function expectNothingWritten(root: string, out: string) {
  expect(await listFiles(out)).toEqual([]);
  expect(await listFiles(root)).not.toContain('repro.lock');
}

describe('bad input: clear error, nothing written', () => {
  it.each(['abc', '-1', '1.5'])('SOURCE_DATE_EPOCH=%s', async (value) => {
    const root = await makeProject({ 'a.py': '1' });
    const out = path.join(tempDir(), 'out');
    await expect(build(root, { outDir: out, noLock: false }, { SOURCE_DATE_EPOCH: value })).rejects.toMatchObject({ code: 'E_SOURCE_DATE_EPOCH' });
    await expectNothingWritten(root, out);
  });

  it('a missing directory', async () => {
    const out = path.join(tempDir(), 'out');
    await expect(build(path.join(tempDir(), 'missing'), { outDir: out })).rejects.toMatchObject({ code: 'E_NOT_FOUND', hint: expect.any(String) });
    expect(await listFiles(out)).toEqual([]);
  });

  it('a symlink leaving the tree', async () => {
    const root = await makeProject({ 'a.py': '1', 'secrets': { symlink: '../../etc/passwd' } });
    const out = path.join(tempDir(), 'out');
    await expect(build(root, { outDir: out, noLock: false })).rejects.toMatchObject({ code: 'E_SYMLINK_ESCAPE', details: { path: 'secrets', target: '../../etc/passwd' } });
    await expectNothingWritten(root, out);
  });

  it('an absolute symlink, even one pointing inside', async () => {
    const root = await makeProject({ 'a.py': '1' });
    await fs.symlink(path.join(root, 'a.py'), path.join(root, 'abs'));
    await expect(build(root)).rejects.toMatchObject({ code: 'E_SYMLINK_ESCAPE' });
  });

  it('a FIFO', async () => {
    const root = await makeProject({ 'a.py': '1' });
    execFileSync('mkfifo', [path.join(root, 'pipe')]);
    const out = path.join(tempDir(), 'out');
    await expect(build(root, { outDir: out, noLock: false })).rejects.toMatchObject({ code: 'E_UNSUPPORTED_FILE', details: { path: 'pipe', kind: 'FIFO' } });
    await expectNothingWritten(root, out);
  });

  it('names that collide after case folding', async () => {
    const root = await makeProject({ 'Model.py': '1', 'model.py': '2' });
    await expect(build(root)).rejects.toMatchObject({ code: 'E_PATH_COLLISION' });
  });

  it('names that collide after Unicode normalization', async () => {
    const root = await makeProject({ 'caf\u00e9.txt': '1', 'cafe\u0301.txt': '2' });
    await expect(build(root)).rejects.toMatchObject({ code: 'E_PATH_COLLISION', details: { rule: 'unicode-normalization' } });
  });

  it('an unreadable file (exit 3, file named, nothing written)', async () => {
    const root = await makeProject({ 'a.py': '1', 'secret.key': 'x' });
    await fs.chmod(path.join(root, 'secret.key'), 0o000);
    const out = path.join(tempDir(), 'out');
    // root reads anything, so as root the build runs as nobody, over a tree nobody may read.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      await fs.chmod(path.dirname(root), 0o755);
      await fs.chmod(path.dirname(out), 0o777);
    }
    if (asRoot) assertOthersCanRun();
    const run = await runCli(['build', root, '-o', out, '--json'], asRoot ? { uid: 65534, gid: 65534, cwd: '/' } : {});
    expect(run.code).toBe(3);
    const doc = run.json();
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe('E_UNREADABLE');
    expect(doc.error.details.path).toBe(path.join(root, 'secret.key'));
    await expectNothingWritten(root, out);
  });
});

describe('an empty selection', () => {
  it('is an error, not an empty bundle', async () => {
    const root = await makeProject({ '.reproignore': '*\n' });
    await expect(build(root)).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringContaining('no files to bundle') });
  });
});

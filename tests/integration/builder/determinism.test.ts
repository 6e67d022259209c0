// Same files, different everything else: the bundle must not change. Each variation is one
// that has broken real reproducible-build tools (mtimes, umask, creation order, location).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../helpers/build.js';
import { makeProject, tempDir, writeTree, type FileSpec } from '../../helpers/project.js';
import { compareManifests } from '../../../src/bundle/compare.js';
import { verifyBundle } from '../../../src/bundle/verify.js';
import { wholeManifest } from '../../../src/bundle/manifest.js';

const FILES: Record<string, FileSpec> = {
  'train.py': 'import random\nrandom.seed(0)\n',
  'run.sh': { content: '#!/bin/sh\npython3 train.py\n', mode: 0o755 },
  'data/iris.csv': 'a,b\n1,2\n',
  'data/nested/deep/x.txt': 'deep\n',
  'link-to-train.py': { symlink: 'train.py' },
  'data/up-link': { symlink: '../train.py' },
  'empty.txt': '',
  [`long/${'segment-'.repeat(20)}/name.txt`]: 'long path\n',
  'ünïcödé/naïve.txt': 'utf8\n',
};

async function digests(root: string, codec: 'zstd' | 'gzip' | 'none' = 'zstd') {
  const r = await build(root, { compression: codec });
  return { content: r.contentDigest, file: r.fileDigest, bundle: r.bundle };
}

describe('the same files give the same bundle', () => {
  it.each(['zstd', 'gzip', 'none'] as const)('despite other mtimes, modes under umask 077, creation order and path (%s)', async (codec) => {
    const a = await makeProject(FILES, { name: 'proj' });
    const reversed = Object.fromEntries(Object.entries(FILES).reverse());
    const b = path.join(tempDir(), 'elsewhere with space', 'proj');
    await fs.mkdir(b, { recursive: true });
    await writeTree(b, reversed);
    for (const [rel, spec] of Object.entries(FILES)) {
      if (typeof spec === 'object' && 'symlink' in spec) continue;
      const exec = typeof spec === 'object' && 'mode' in spec && spec.mode === 0o755;
      await fs.chmod(path.join(b, rel), exec ? 0o700 : 0o600);
      await fs.utimes(path.join(b, rel), new Date(1_234_567_890_000), new Date(987_654_321_000));
    }
    await fs.chmod(path.join(b, 'data'), 0o700);
    const [x, y] = [await digests(a, codec), await digests(b, codec)];
    expect(y.content).toBe(x.content);
    expect(y.file).toBe(x.file);
    const bytesA = await fs.readFile(x.bundle);
    expect((await fs.readFile(y.bundle)).equals(bytesA)).toBe(true);
  });

  it('building twice in a row gives the same digest, and the bundle verifies', async () => {
    const root = await makeProject(FILES, { git: true });
    const one = await build(root, { noLock: false, outDir: path.join(root, '.repro', 'bundles') });
    const two = await build(root, { noLock: false, outDir: path.join(root, '.repro', 'bundles') });
    expect(two.contentDigest).toBe(one.contentDigest);
    expect(two.lock.status).toBe('unchanged');
    const report = await verifyBundle(two.bundle);
    expect(report.contentDigest).toBe(two.contentDigest);
    expect(report.fileDigest).toBe(two.fileDigest);
  });

  it('a hard link is bundled as a regular file', async () => {
    const root = await makeProject({ 'a.txt': 'same\n' });
    await fs.link(path.join(root, 'a.txt'), path.join(root, 'b.txt'));
    const r = await build(root);
    const report = await verifyBundle(r.bundle);
    const b = wholeManifest(report.manifest).entries.find((e) => e.path === 'project/b.txt');
    expect(b).toMatchObject({ type: 'file', size: 5 });
  });

  it('uses SOURCE_DATE_EPOCH for every entry', async () => {
    const root = await makeProject({ 'a.txt': 'x' });
    const a = await build(root, {}, { SOURCE_DATE_EPOCH: '1700000000' });
    const b = await build(root);
    expect(a.sourceDateEpoch).toBe(1700000000);
    expect(b.sourceDateEpoch).toBe(946684800);
    expect(a.contentDigest).not.toBe(b.contentDigest);
  });

  it('NFD and NFC spellings of the same names give one bundle', async () => {
    const nfc = await makeProject({ 'caf\u00e9/r\u00e9sum\u00e9.txt': 'x' });
    const nfd = await makeProject({ 'cafe\u0301/re\u0301sume\u0301.txt': 'x' });
    expect((await digests(nfd)).content).toBe((await digests(nfc)).content);
  });
});

describe('a change is seen, and named exactly', () => {
  const base: Record<string, FileSpec> = { 'a.py': 'print(1)\n', 'b.py': 'print(2)\n', 'data/c.csv': '1,2\n' };

  async function diffAfter(change: (root: string) => Promise<void>) {
    const root = await makeProject(base);
    const before = await build(root);
    await change(root);
    const after = await build(root);
    expect(after.contentDigest).not.toBe(before.contentDigest);
    const [m1, m2] = [wholeManifest((await verifyBundle(before.bundle)).manifest), wholeManifest((await verifyBundle(after.bundle)).manifest)];
    return compareManifests(m1, m2);
  }

  it('one byte changed in one file', async () => {
    const d = await diffAfter((root) => fs.writeFile(path.join(root, 'b.py'), 'print(3)\n'));
    expect(d).toEqual([{ entry: 'project/b.py', field: 'sha256', a: expect.any(String), b: expect.any(String) }]);
  });

  it('a mode change from 0644 to 0755', async () => {
    const d = await diffAfter((root) => fs.chmod(path.join(root, 'a.py'), 0o755));
    expect(d).toEqual([{ entry: 'project/a.py', field: 'mode', a: '0644', b: '0755' }]);
  });

  it('a renamed file', async () => {
    const d = await diffAfter((root) => fs.rename(path.join(root, 'a.py'), path.join(root, 'z.py')));
    expect(d).toEqual([
      { entry: 'project/a.py', field: 'missing', a: 'file', b: null },
      { entry: 'project/z.py', field: 'extra', a: null, b: 'file' },
    ]);
  });

  it('a new empty file', async () => {
    const d = await diffAfter((root) => fs.writeFile(path.join(root, 'data', 'empty'), ''));
    expect(d).toEqual([{ entry: 'project/data/empty', field: 'extra', a: null, b: 'file' }]);
  });
});

describe('the hash cache', () => {
  it('is used by a second build and still sees a change that kept size and mtime', async () => {
    const root = await makeProject({ 'a.txt': 'aaaa', 'b.txt': 'bbbb' });
    const old = new Date(Date.now() - 60_000);
    for (const f of ['a.txt', 'b.txt']) await fs.utimes(path.join(root, f), old, old);
    const first = await build(root);
    expect(await fs.stat(path.join(root, '.repro', 'cache', 'hashes.v1.json'))).toBeTruthy();
    const second = await build(root);
    expect(second.contentDigest).toBe(first.contentDigest);
    expect(first.hashCache).toEqual({ hits: 0, misses: 2 });
    expect(second.hashCache).toEqual({ hits: 2, misses: 0 });
    // Same size, mtime put back: only ctime tells the file changed.
    await fs.writeFile(path.join(root, 'a.txt'), 'AAAA');
    await fs.utimes(path.join(root, 'a.txt'), old, old);
    const third = await build(root);
    expect(third.contentDigest).not.toBe(first.contentDigest);
    expect(third.hashCache).toEqual({ hits: 1, misses: 1 });
    const m = wholeManifest((await verifyBundle(third.bundle)).manifest);
    const { createHash } = await import('node:crypto');
    expect(m.entries.find((e) => e.path === 'project/a.txt')?.sha256).toBe(createHash('sha256').update('AAAA').digest('hex'));
  });
});

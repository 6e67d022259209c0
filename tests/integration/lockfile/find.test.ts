// Lockfile discovery on real directories: the project's own package-lock.json through
// arborist, every fixture format side by side, unreadable files and stale locks.
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLockfiles } from '../../../src/lockfile/find.js';
import { readNpmLock } from '../../../src/lockfile/node-locks.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { makeProject } from '../../helpers/project.js';

const LOCKS = path.join(REPO_ROOT, 'tests', 'fixtures', 'lockfiles');

describe('package-lock.json through arborist', () => {
  it("reads repro's own lock: every package with version and integrity", async () => {
    const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; integrity?: string; link?: boolean }> };
    const entries = Object.entries(lock.packages).filter(([k, v]) => k !== '' && !v.link);
    const r = await readNpmLock(path.join(REPO_ROOT, 'package-lock.json'));
    expect(r.packages.length).toBe(entries.length);
    const commander = r.packages.find((p) => p.name === 'commander');
    expect(commander?.version).toBe(lock.packages['node_modules/commander']!.version);
    expect(commander?.hashes).toEqual([lock.packages['node_modules/commander']!.integrity]);
    expect(r.packages.every((p) => p.hashes[0]?.startsWith('sha512-') || p.hashes[0]?.startsWith('sha1-'))).toBe(true);
  });
});

describe('findLockfiles', () => {
  it('finds every format, records sha256 and package counts, and its warnings', async () => {
    const files: Record<string, string> = {};
    for (const name of ['requirements.txt', 'uv.lock', 'poetry.lock', 'Pipfile.lock', 'environment.yml', 'conda-lock.yml', 'pnpm-lock.yaml', 'yarn.lock']) files[name] = readFileSync(path.join(LOCKS, name), 'utf8');
    files['requirements/dev.txt'] = 'pytest==8.2.2 --hash=sha256:4f365fec2dff9c1162f834d9f18af1ba13062db0c708bf7b946f8a5c76180c1c\n';
    files['README.md'] = 'not a lockfile';
    const root = await makeProject(files);
    const found = await findLockfiles(root);
    expect(found.records.map((r) => [r.path, r.format, r.packageCount])).toEqual([
      ['Pipfile.lock', 'Pipfile.lock', 3],
      ['conda-lock.yml', 'conda-lock', 3],
      ['environment.yml', 'conda-environment', 7],
      ['pnpm-lock.yaml', 'pnpm-lock.yaml', 3],
      ['poetry.lock', 'poetry.lock', 3],
      ['requirements.txt', 'requirements', 6],
      ['requirements/dev.txt', 'requirements', 1],
      ['uv.lock', 'uv.lock', 4],
      ['yarn.lock', 'yarn.lock', 2],
    ]);
    const req = found.records.find((r) => r.path === 'requirements.txt')!;
    // The identity is the file with its credentials cut (the copy a bundle carries).
    expect(files['requirements.txt']).toMatch(/:\/\/[^/\s]+@/);
    expect(req.sha256).toBe(createHash('sha256').update(files['requirements.txt']!.replace(/(:\/\/)[^/@\s]+@/g, '$1')).digest('hex'));
    expect(found.warnings['requirements.txt']?.map((w) => w.code)).toContain('UNPINNED');
    expect(found.warnings['requirements/dev.txt']).toBeUndefined();
  });

  it('records a lockfile it cannot parse with the reason, and carries on', async () => {
    const root = await makeProject({ 'uv.lock': 'this is [not toml', 'requirements.txt': 'numpy==1.26.4\n' });
    const found = await findLockfiles(root);
    expect(found.records[0]).toMatchObject({ path: 'requirements.txt', packageCount: 1 });
    expect(found.records[1]).toMatchObject({ path: 'uv.lock', packageCount: 0, error: expect.any(String) });
  });

  it('warns when a lock is older than its manifest', async () => {
    const root = await makeProject({ 'uv.lock': readFileSync(path.join(LOCKS, 'uv.lock'), 'utf8'), 'pyproject.toml': '[project]\nname = "x"\n' });
    const old = new Date(Date.now() - 3_600_000);
    await fs.utimes(path.join(root, 'uv.lock'), old, old);
    const found = await findLockfiles(root);
    expect(found.warnings['uv.lock']?.map((w) => w.code)).toEqual(['LOCK_OLDER_THAN_MANIFEST']);
  });
});

describe('a lockfileVersion 1 package-lock (nested dependencies)', () => {
  it('is read through arborist\'s virtual tree', async () => {
    const root = await makeProject({
      'package.json': JSON.stringify({ name: 'old', version: '1.0.0', dependencies: { leftpad: '1.0.0' } }),
      'package-lock.json': JSON.stringify({ name: 'old', version: '1.0.0', lockfileVersion: 1, requires: true, dependencies: { leftpad: { version: '1.0.0', resolved: 'https://registry.npmjs.org/leftpad/-/leftpad-1.0.0.tgz', integrity: 'sha512-AAAA', dependencies: { inner: { version: '2.0.0', resolved: 'https://registry.npmjs.org/inner/-/inner-2.0.0.tgz', integrity: 'sha512-BBBB' } } } } }),
    });
    const r = await readNpmLock(path.join(root, 'package-lock.json'));
    expect(r.packages.map((p) => [p.name, p.version, p.hashes])).toEqual([
      ['inner', '2.0.0', ['sha512-BBBB']],
      ['leftpad', '1.0.0', ['sha512-AAAA']],
    ]);
  });
});

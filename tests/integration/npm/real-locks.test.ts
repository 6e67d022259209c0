// npm locks of real projects (../shared/real-locks, SOURCES.md): every registry package of the
// v2 and v3 locks is vendorable (an https tarball with integrity), counted against the lock's own
// entries; the version-1 lock is refused with the command that upgrades it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { npmLockPackages } from '../../../src/npm/lock.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const REAL = path.resolve(REPO_ROOT, '..', 'shared', 'real-locks');
const read = (dir: string, file: string) => readFileSync(path.join(REAL, dir, file), 'utf8');

describe('npmLockPackages on real locks', () => {
  it.each([
    ['npm-v3-warehouse', 'package-lock.json'],
    ['npm-v3-npm-cli', 'package-lock.json'],
    ['npm-v2-npm-cli', 'package-lock.json'],
    ['shrinkwrap-v2-netlify-cli', 'npm-shrinkwrap.json'],
    ['shrinkwrap-v2-firebase-tools', 'npm-shrinkwrap.json'],
  ])('%s: each registry entry once, with its https tarball and integrity', (dir, file) => {
    const text = read(dir, file);
    const all = Object.entries((JSON.parse(text) as { packages: Record<string, { link?: boolean; inBundle?: boolean; resolved?: string }> }).packages);
    const expected = all.filter(([loc, e]) => loc.includes('node_modules/') && !e.link && !e.inBundle && !(e.resolved ?? '').startsWith('file:'));
    const got = npmLockPackages(text, file);
    expect(got.length).toBe(expected.length);
    expect(got.length).toBeGreaterThan(500);
    for (const p of got) {
      expect(p.resolved).toMatch(/^https:\/\//);
      expect(p.integrity).toMatch(/^sha(512|1)-/);
    }
  });

  it('npm-v1-npm-cli: a version-1 lock is refused, saying how to upgrade it', () => {
    expect(() => npmLockPackages(read('npm-v1-npm-cli', 'package-lock.json'), 'package-lock.json')).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringContaining('lockfileVersion 1'), hint: expect.stringContaining('npm install --package-lock-only') }));
  });
});

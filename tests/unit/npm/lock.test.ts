// Which packages of an npm lock are vendored (registry tarballs with integrity), what is refused
// by name (git, no integrity, a version-1 lock), and the lock rewritten for an offline install.
import { describe, expect, it } from 'vitest';
import { npmLockPackages, offlineLock, tarballName } from '../../../src/npm/lock.js';

const lock = (packages: Record<string, unknown>, lockfileVersion = 3) => JSON.stringify({ name: 'p', lockfileVersion, packages: { '': { name: 'p' }, ...packages } });
const I = 'sha512-AAAA';

describe('npmLockPackages', () => {
  it('takes registry packages (nested and scoped), and leaves out links, workspaces, file: folders and bundled ones', () => {
    const text = lock({
      'node_modules/a': { version: '1.0.0', resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz', integrity: I },
      'node_modules/a/node_modules/@s/b': { version: '2.0.0', resolved: 'https://registry.npmjs.org/@s/b/-/b-2.0.0.tgz', integrity: I },
      'node_modules/ws-link': { resolved: 'packages/ws', link: true },
      'packages/ws': { name: 'ws', version: '0.1.0' },
      'node_modules/local': { version: '1.0.0', resolved: 'file:../local' },
      'node_modules/a/node_modules/bundled': { version: '1.0.0', inBundle: true },
    });
    expect(npmLockPackages(text, 'package-lock.json')).toEqual([
      { location: 'node_modules/a', name: 'a', version: '1.0.0', resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz', integrity: I },
      { location: 'node_modules/a/node_modules/@s/b', name: '@s/b', version: '2.0.0', resolved: 'https://registry.npmjs.org/@s/b/-/b-2.0.0.tgz', integrity: I },
    ]);
  });

  it.each([
    [{ 'node_modules/g': { version: '1.0.0', resolved: 'git+ssh://git@github.com/x/g.git#0123456789abcdef0123456789abcdef01234567' } }, /g@1\.0\.0 \(git\+ssh:\/\/github\.com\/x\/g\.git#0123.*, no integrity\)/],
    [{ 'node_modules/n': { version: '1.0.0', resolved: 'https://r/n.tgz' } }, /n@1\.0\.0 \(https:\/\/r\/n\.tgz, no integrity\)/],
    [{ 'node_modules/c': { version: '1.0.0', resolved: 'https://user:s3cret@r/c.tgz' } }, /c@1\.0\.0 \(https:\/\/r\/c\.tgz, no integrity\)/],
  ])('refuses what integrity cannot check, naming it (credentials cut): %j', (packages, why) => {
    expect(() => npmLockPackages(lock(packages), 'package-lock.json')).toThrow(why);
  });

  it('refuses a version-1 lock and one that is not JSON, with the npm command that fixes it', () => {
    expect(() => npmLockPackages(JSON.stringify({ lockfileVersion: 1, dependencies: {} }), 'package-lock.json')).toThrow(/lockfileVersion 1 lock/);
    expect(() => npmLockPackages('{', 'package-lock.json')).toThrow(/not JSON/);
  });

  it('offlineLock points each vendored package at its tarball and keeps its integrity; tarballName escapes the scope', () => {
    const text = lock({ 'node_modules/@s/b': { version: '2.0.0', resolved: 'https://r/b.tgz', integrity: I }, 'node_modules/local': { version: '1.0.0', resolved: 'file:../local' } });
    const out = JSON.parse(offlineLock(text, npmLockPackages(text, 'package-lock.json'), (p) => `/v/${tarballName(p)}`)) as { packages: Record<string, { resolved: string; integrity?: string }> };
    expect(out.packages['node_modules/@s/b']).toMatchObject({ resolved: 'file:/v/@s+b-2.0.0.tgz', integrity: I });
    expect(out.packages['node_modules/local']!.resolved).toBe('file:../local');
    expect(tarballName({ name: '@s/b', version: '2.0.0' })).toBe('@s+b-2.0.0.tgz');
    expect(tarballName({ name: 'x', version: '1.0.0/../../evil' })).toBe('x-1.0.0_.._.._evil.tgz');
  });
});

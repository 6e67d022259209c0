// Package identities for provenance and the ML-BOM: purls as the purl spec spells them (checked
// on every package of the 29 real lockfiles in ../shared/real-locks) and lock hashes as digests.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PackageURL } from 'packageurl-js';
import { describe, expect, it } from 'vitest';
import { digestsOf, ecosystemOf, purlOf } from '../../../src/attestation/package-ids.js';
import { findLockfiles } from '../../../src/lockfile/find.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const REAL = path.resolve(REPO_ROOT, '..', 'shared', 'real-locks');

describe('purlOf', () => {
  it.each([
    ['npm', '@babel/core', '7.24.0', 'pkg:npm/%40babel/core@7.24.0'],
    ['npm', 'left-pad', '1.3.0', 'pkg:npm/left-pad@1.3.0'],
    ['pypi', 'Scikit_Learn', '1.4.2', 'pkg:pypi/scikit-learn@1.4.2'],
    ['pypi', 'zope.interface', '6.0', 'pkg:pypi/zope-interface@6.0'],
    ['pypi', 'torch', '2.3.1+cu121', 'pkg:pypi/torch@2.3.1+cu121'],
    ['conda', 'libgcc-ng', '13.2.0', 'pkg:conda/libgcc-ng@13.2.0'],
    ['npm', 'local', null, 'pkg:npm/local'],
  ] as const)('%s %s %s -> %s', (eco, name, version, purl) => {
    expect(purlOf(eco, name, version)).toBe(purl);
  });

  it('refuses a name that cannot be a package (control characters, empty)', () => {
    expect(purlOf('npm', 'a\nb', '1')).toBeNull();
    expect(purlOf('pypi', '', '1')).toBeNull();
  });

  it('gives every package of every real lockfile a purl that parses back to its name and version', async () => {
    let count = 0;
    for (const project of readdirSync(REAL).filter((d) => d !== 'SOURCES.md')) {
      const { records } = await findLockfiles(path.join(REAL, project));
      for (const lock of records) {
        const eco = ecosystemOf(lock.format);
        expect(eco, lock.format).not.toBe('generic');
        for (const p of lock.packages) {
          const purl = purlOf(ecosystemOf(lock.format, p), p.name, p.version);
          expect(purl, `${project} ${p.name}`).not.toBeNull();
          const back = PackageURL.fromString(purl!);
          expect(back.version ?? null).toBe(p.version);
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(15_000);
  });
});

describe('digestsOf', () => {
  it('reads ssri integrity (npm), sha256:<hex> (Python, conda) and md5, each by its length', () => {
    const sri = `sha512-${Buffer.alloc(64, 1).toString('base64')} sha1-${Buffer.alloc(20, 2).toString('base64')}`;
    expect(digestsOf([sri, `sha256:${'A'.repeat(64)}`, `md5:${'b'.repeat(32)}`])).toEqual([
      { alg: 'sha512', hex: '01'.repeat(64) },
      { alg: 'sha1', hex: '02'.repeat(20) },
      { alg: 'sha256', hex: 'a'.repeat(64) },
      { alg: 'md5', hex: 'b'.repeat(32) },
    ]);
  });

  it('leaves out what is not a digest of its algorithm\'s length, and duplicates', () => {
    expect(digestsOf([`sha256:${'a'.repeat(63)}`, 'sha512-short', 'nonsense', `sha256:${'a'.repeat(64)}`, `sha256=${'a'.repeat(64)}`, `10/${'a'.repeat(128)}`])).toEqual([{ alg: 'sha256', hex: 'a'.repeat(64) }]);
  });

  it('turns every hash of the real lockfiles into a digest', async () => {
    let hashes = 0;
    for (const project of readdirSync(REAL).filter((d) => d !== 'SOURCES.md')) {
      const { records } = await findLockfiles(path.join(REAL, project));
      for (const p of records.flatMap((r) => r.packages)) {
        hashes += p.hashes.length;
        const yarnZip = p.hashes.every((h) => /^\d+\/[0-9a-f]{128}$/.test(h)); // yarn berry: its cache zip's hash
        expect(digestsOf(p.hashes).length, `${project} ${p.name} ${p.hashes.join(' ')}`).toBeGreaterThanOrEqual(p.hashes.length > 0 && !yarnZip ? 1 : 0);
      }
    }
    expect(hashes).toBeGreaterThan(10_000);
  });
});

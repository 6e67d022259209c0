// The one name rule for bundles and the documents about them (bundle/layout.ts): every caller
// (build, push's OCI title, pull's cache file, exec's records, attest) gets the same name.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleBaseName, bundleFileName, slugName } from '../../../src/bundle/layout.js';

describe('bundleFileName', () => {
  it.each([
    ['iris-demo', '0.1.0', 'zstd', 'iris-demo-0.1.0.repro.tar.zst'],
    ['@acme/Iris', '1.0.0', 'zstd', 'acme-iris-1.0.0.repro.tar.zst'],
    ['@acme/Iris', '1.0.0+build.5', 'gzip', 'acme-iris-1.0.0-build.5.repro.tar.gz'],
    ['Café Model', '2', 'none', 'cafe-model-2.repro.tar'],
    ['../../etc/passwd', '..', 'zstd', 'etc-passwd-project.repro.tar.zst'],
    ['', '', 'none', 'project-project.repro.tar'],
  ] as const)('%s %s %s -> %s', (name, version, codec, expected) => {
    expect(bundleFileName({ name, version, codec })).toBe(expected);
    expect(expected.startsWith(bundleBaseName({ name, version }))).toBe(true);
  });

  it('attack: a hostile registry annotation never leaves one path component', () => {
    for (const name of ['a/../../b', 'x\u0000y', '\u001b[2Jclear', '.hidden', 'a\\b']) {
      const file = bundleFileName({ name, version: '1', codec: 'zstd' });
      expect(file).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
      expect(path.posix.basename(file)).toBe(file);
      expect(path.win32.basename(file)).toBe(file);
    }
  });

  it('slugName is the rule image tags use too', () => {
    expect(slugName('@scope/My Pkg')).toBe('scope-my-pkg');
  });
});

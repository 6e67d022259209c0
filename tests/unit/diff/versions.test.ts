import { describe, expect, it } from 'vitest';
import { versionDistance } from '../../../src/diff/versions.js';

describe('versionDistance', () => {
  it.each([
    ['22.15.0', '22.15.0', 'semver', 'equal'],
    ['22.15.0', '22.15.1', 'semver', 'patch'],
    ['22.15.0', '22.16.0', 'semver', 'minor'],
    ['22.15.0', '24.0.0', 'semver', 'major'],
    ['1.0.0-rc.1', '1.0.0', 'semver', 'patch'],
    ['1.24.2', '2.0.0', 'pep440', 'major'],
    ['1.24.2', '1.26.4', 'pep440', 'minor'],
    ['1.24.2', '1.24.3', 'pep440', 'patch'],
    ['2.11.0+cu130', '2.11.0+cpu', 'pep440', 'build'],
    ['2.11.0', '2.11.0.post1', 'pep440', 'patch'],
    ['1!1.0', '2.0', 'pep440', 'major'],
    ['12.2', '13.0', 'dotted', 'major'],
    ['580.159.04', '580.159.03', 'dotted', 'patch'],
    ['weird', 'other', 'dotted', 'other'],
  ] as const)('%s -> %s (%s) is %s', (a, b, scheme, want) => {
    expect(versionDistance(a, b, scheme)).toBe(want);
  });
});

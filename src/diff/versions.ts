// How far apart two versions are: by semver for Node and npm, by PEP 440 for Python
// distributions (local versions such as +cu130 count: they are different builds), and by
// dotted numbers for everything else (drivers, CUDA, distributions).
import { createRequire } from 'node:module';
import { dottedParts as dotted } from '../core/dotted-version.js';

// Loaded on first use: most diffs compare equal versions and never need either library.
const require = createRequire(import.meta.url);
let semverLib: typeof import('semver') | undefined;
let pep440Lib: typeof import('@renovatebot/pep440') | undefined;
const semver = () => (semverLib ??= require('semver') as typeof import('semver'));
const explain = (v: string) => (pep440Lib ??= require('@renovatebot/pep440') as typeof import('@renovatebot/pep440')).explain(v);

export type VersionDistance = 'equal' | 'major' | 'minor' | 'patch' | 'build' | 'other';
export type VersionScheme = 'semver' | 'pep440' | 'dotted';


function byParts(a: number[], b: number[]): VersionDistance {
  const [a0 = 0, a1 = 0] = a;
  const [b0 = 0, b1 = 0] = b;
  if (a0 !== b0) return 'major';
  if (a1 !== b1) return 'minor';
  const n = Math.max(a.length, b.length);
  for (let i = 2; i < n; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return 'patch';
  return 'equal';
}

export function versionDistance(a: string | null, b: string | null, scheme: VersionScheme): VersionDistance {
  if (a === b) return 'equal';
  if (a === null || b === null) return 'other';
  if (scheme === 'semver') {
    const x = semver().parse(a, { loose: true });
    const y = semver().parse(b, { loose: true });
    if (x && y) {
      if (x.major !== y.major) return 'major';
      if (x.minor !== y.minor) return 'minor';
      if (x.patch !== y.patch || x.prerelease.join('.') !== y.prerelease.join('.')) return 'patch';
      return x.build.join('.') !== y.build.join('.') ? 'build' : 'equal';
    }
  }
  if (scheme === 'pep440') {
    const x = explain(a);
    const y = explain(b);
    if (x && y) {
      if (x.epoch !== y.epoch) return 'major';
      const d = byParts(x.release, y.release);
      if (d !== 'equal') return d;
      if (x.public !== y.public) return 'patch';
      return (x.local ?? '') !== (y.local ?? '') ? 'build' : 'equal';
    }
  }
  const x = dotted(a);
  const y = dotted(b);
  if (x && y) {
    const d = byParts(x, y);
    return d === 'equal' ? 'patch' : d;
  }
  return 'other';
}

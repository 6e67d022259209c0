// Package identities in the forms verifiers read: a package URL (purl) for each locked or
// installed package, and a lock's hash strings (ssri integrity, "sha256:<hex>") as algorithm
// and hex digest. The purl spelling is packageurl-js's, the spec's reference implementation.
import { PackageURL } from 'packageurl-js';
import ssri from 'ssri';
import { normalizeName } from '../lockfile/requirements.js';
import { NODE_LOCK_FORMATS, PYTHON_LOCK_FORMATS } from '../snapshot/pins.js';

export type Ecosystem = 'npm' | 'pypi' | 'conda' | 'generic';

/** The ecosystem a lockfile format's packages come from. */
/** The purl type of a lock's packages; pixi.lock mixes conda and PyPI packages, told apart per package (its PyPI ones are recorded with platform `pypi`). */
export function ecosystemOf(format: string, pkg?: { platform?: string }): Ecosystem {
  if (format === 'pixi.lock') return pkg?.platform === 'pypi' ? 'pypi' : 'conda';
  if (NODE_LOCK_FORMATS.has(format)) return 'npm';
  if (format.startsWith('conda')) return 'conda';
  if (PYTHON_LOCK_FORMATS.has(format)) return 'pypi';
  return 'generic';
}

/** The purl of a package, or null when its name cannot be one (empty, or not a package name). */
export function purlOf(ecosystem: Ecosystem, name: string, version: string | null): string | null {
  if (!name || /[\s\u0000-\u001f]/.test(name)) return null;
  try {
    if (ecosystem === 'npm') {
      const scoped = /^(@[^/]+)\/(.+)$/.exec(name);
      return new PackageURL('npm', scoped ? scoped[1]! : undefined, scoped ? scoped[2]! : name, version ?? undefined, undefined, undefined).toString();
    }
    if (ecosystem === 'pypi') return new PackageURL('pypi', undefined, normalizeName(name), version ?? undefined, undefined, undefined).toString();
    return new PackageURL(ecosystem, undefined, name, version ?? undefined, undefined, undefined).toString();
  } catch {
    return null;
  }
}

export interface Digest {
  /** Lower-case algorithm name as in-toto's DigestSet spells it: sha256, sha512, sha384, sha1, md5. */
  alg: string;
  hex: string;
}

const HEX_LENGTH: Record<string, number> = { sha1: 40, sha256: 64, sha384: 96, sha512: 128, md5: 32 };

/**
 * Every digest a lock's hash strings hold, each checked for its algorithm's length; others are
 * left out. Yarn berry's checksums (`<cache key>/<sha512 hex>`) are left out on purpose: they
 * hash yarn's own cache zip, not the package the registry serves, so no verifier could match them.
 */
export function digestsOf(hashes: readonly string[]): Digest[] {
  const out: Digest[] = [];
  for (const h of hashes) {
    const plain = /^(sha1|sha256|sha384|sha512|md5)[:=]([0-9a-fA-F]+)$/.exec(h.trim());
    if (plain) {
      const alg = plain[1]!;
      const hex = plain[2]!.toLowerCase();
      if (hex.length === HEX_LENGTH[alg]) out.push({ alg, hex });
      continue;
    }
    const parsed = ssri.parse(h, { single: false }) as unknown as Record<string, Array<{ algorithm: string; digest: string }>> | null;
    for (const list of Object.values(parsed ?? {})) {
      for (const one of list) {
        const hex = Buffer.from(one.digest, 'base64').toString('hex');
        if (hex.length === HEX_LENGTH[one.algorithm]) out.push({ alg: one.algorithm, hex });
      }
    }
  }
  const seen = new Set<string>();
  return out.filter((d) => (seen.has(`${d.alg}:${d.hex}`) ? false : (seen.add(`${d.alg}:${d.hex}`), true)));
}


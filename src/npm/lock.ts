// The packages an npm lock (package-lock.json or npm-shrinkwrap.json, lockfileVersion 2 or 3)
// installs from the registry, for vendoring: each with its tarball URL and integrity. What cannot
// be checked by integrity is refused by name (a git dependency, an entry with no integrity, a
// version-1 lock, which records no per-package locations); the project's own folders (links,
// workspaces) and what a parent's tarball bundles are not fetched. And the lock rewritten so
// each of those packages resolves to a vendored tarball on disk, for an offline install.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ReproError } from '../core/errors.js';
import { npmNameAt, type NpmEntry } from '../lockfile/node-locks.js';
import { stripCredentials } from '../secrets/rules.js';

export interface NpmLockPackage {
  /** The lock's key: node_modules/a/node_modules/b. */
  location: string;
  name: string;
  version: string;
  resolved: string;
  integrity: string;
}

type Entry = NpmEntry;

function entries(text: string, lock: string): Record<string, Entry> {
  let doc: { lockfileVersion?: number; packages?: Record<string, Entry> };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (err) {
    throw new ReproError('E_CONFIG', `${lock} is not JSON: ${(err as Error).message}`, { hint: 'Regenerate it: npm install --package-lock-only.' });
  }
  if ((doc.lockfileVersion ?? 1) < 2 || typeof doc.packages !== 'object' || doc.packages === null) {
    throw new ReproError('E_CONFIG', `${lock} is a lockfileVersion ${doc.lockfileVersion ?? 1} lock, which records no package locations to vendor`, { hint: 'Regenerate it with npm 7 or later: npm install --package-lock-only.' });
  }
  return doc.packages;
}

/** The registry packages of the lock, in its order. */
export function npmLockPackages(text: string, lock: string): NpmLockPackage[] {
  const out: NpmLockPackage[] = [];
  const refused: string[] = [];
  for (const [location, e] of Object.entries(entries(text, lock))) {
    if (location === '' || e.link || e.inBundle || !location.includes('node_modules/')) continue;
    const name = e.name ?? npmNameAt(location);
    const resolved = e.resolved ?? '';
    if (resolved.startsWith('file:')) continue; // a folder of the project
    if (!/^https?:\/\//.test(resolved) || !e.integrity || !e.version) {
      refused.push(`${name}@${e.version ?? '?'} (${resolved ? stripCredentials(resolved) : 'no resolved URL'}${e.integrity ? '' : ', no integrity'})`);
      continue;
    }
    out.push({ location, name, version: e.version, resolved, integrity: e.integrity });
  }
  if (refused.length > 0) {
    throw new ReproError('E_CONFIG', `${lock}: ${refused.length} package${refused.length === 1 ? '' : 's'} cannot be vendored and checked by integrity: ${refused.slice(0, 5).join('; ')}${refused.length > 5 ? '; ...' : ''}`, {
      hint: 'A git dependency or an entry without integrity has no bytes to check. Depend on a published version, then npm install --package-lock-only.',
      details: { lockfile: lock, refused },
    });
  }
  return out;
}

/** The vendored file name of a package: scope and name with + for /, then the version. */
export function tarballName(p: { name: string; version: string }): string {
  return `${p.name.replace('/', '+')}-${p.version}.tgz`.replace(/[^A-Za-z0-9@+._-]/g, '_');
}

/** The lock text with each vendored package (npmLockPackages of it) pointing at its tarball (file:<path>); integrity kept. */
export function offlineLock(text: string, packages: readonly NpmLockPackage[], tarballOf: (p: NpmLockPackage) => string): string {
  const doc = JSON.parse(text) as { packages: Record<string, Entry> };
  const byLocation = new Map(packages.map((p) => [p.location, p]));
  for (const [location, e] of Object.entries(doc.packages)) {
    const p = byLocation.get(location);
    if (p) e.resolved = `file:${tarballOf(p)}`;
  }
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The npm lock at a project's top (npm-shrinkwrap.json first, as npm reads it), or null. */
export async function npmLockOf(root: string): Promise<{ lock: string; text: string } | null> {
  for (const lock of ['npm-shrinkwrap.json', 'package-lock.json']) {
    const text = await fs.readFile(path.join(root, lock), 'utf8').catch(() => null);
    if (text !== null) return { lock, text };
  }
  return null;
}

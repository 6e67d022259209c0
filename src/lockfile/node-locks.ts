// Node lockfiles. package-lock.json / npm-shrinkwrap.json through @npmcli/arborist's virtual
// tree (the same reading npm itself does); pnpm-lock.yaml (v5, v6 and v9 keys) and yarn.lock
// (classic v1 text and berry YAML) parsed directly. Local folders (workspaces, file:) are
// LOCAL_PATH, yarn's platform-conditional packages without a checksum PLATFORM_SPECIFIC.
import path from 'node:path';
import { compareUtf8 } from '../core/utf8-order.js';
import { stripCredentials } from '../secrets/rules.js';
import type { LockPackage, LockReader, LockWarning, ParsedLock } from './types.js';
import { loadLockYaml, yamlString } from './yaml-load.js';

/**
 * npm locks through @npmcli/arborist: its Shrinkwrap reader for lockfileVersion 2 and 3 (the
 * `packages` map), its full virtual tree for version-1 locks, which only nest `dependencies`.
 */
export async function readNpmLock(file: string): Promise<ParsedLock> {
  const { default: Shrinkwrap } = await import('@npmcli/arborist/lib/shrinkwrap.js');
  const lock = await Shrinkwrap.load({ path: path.dirname(file) });
  const entries = lock.lockfileVersion >= 2 ? (lock.data.packages as Record<string, NpmEntry> | undefined) : undefined;
  if (!entries) return readNpmLockV1(file);
  const nodes = Object.entries(entries)
    .filter(([location, e]) => location !== '' && !e.link)
    .map(([location, e]) => ({
      name: e.name ?? npmNameAt(location),
      version: e.version,
      resolved: e.resolved,
      integrity: e.integrity,
      location,
      local: isLocalNode(location, e.resolved),
      bundled: e.inBundle === true,
    }));
  return toParsed(file, nodes);
}

/** An entry of a v2/v3 lock's `packages` map, as npm writes it. */
export interface NpmEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  inBundle?: boolean;
}

/**
 * A package's name from its lock location, as npm names a node without a `name` field: the
 * path after the last node_modules/ (scoped names keep their scope), else the folder's name
 * (a workspace at workspaces/libnpmaccess is libnpmaccess).
 */
export function npmNameAt(location: string): string {
  const at = location.lastIndexOf('node_modules/');
  return at >= 0 ? location.slice(at + 'node_modules/'.length) : path.posix.basename(location);
}

/** A folder of the project (a workspace, a file: dependency): not under node_modules, or resolved to file:. */
function isLocalNode(location: string, resolved: string | null | undefined): boolean {
  return !location.includes('node_modules/') || (resolved ?? '').startsWith('file:');
}

async function readNpmLockV1(file: string): Promise<ParsedLock> {
  const { default: Arborist } = await import('@npmcli/arborist');
  const tree = await new Arborist({ path: path.dirname(file) }).loadVirtual();
  const nodes = [...tree.inventory.values()]
    .filter((n) => !n.isRoot && !n.isLink && n.location !== '')
    .map((n) => ({ name: n.name, version: n.version, resolved: n.resolved, integrity: n.integrity, location: n.location, local: isLocalNode(n.location, n.resolved), bundled: n.inBundle === true }));
  return toParsed(file, nodes);
}

interface LockNode {
  name: string;
  version?: string;
  resolved?: string | null;
  integrity?: string | null;
  location: string;
  local: boolean;
  /** Inside its parent's tarball (bundleDependencies): only the parent's integrity covers its bytes. */
  bundled: boolean;
}

function toParsed(file: string, nodes: readonly LockNode[]): ParsedLock {
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  for (const node of nodes) {
    const resolved = node.resolved ? stripCredentials(node.resolved) : node.local ? `file:${node.location}` : null;
    packages.push({ name: node.name, version: node.version ?? null, source: resolved, hashes: node.integrity ? [node.integrity] : [] });
    if (node.integrity) continue;
    if (node.local) warnings.push({ code: 'LOCAL_PATH', message: `${node.name}@${node.version ?? '?'} is the project's folder ${node.location}`, package: node.name });
    else if (!/^(git\+|github:)/.test(resolved ?? '')) warnings.push({ code: 'MISSING_HASH', message: `${node.name}@${node.version ?? '?'} (${node.location}) has no integrity${node.bundled ? ' of its own (bundled: only its parent tarball\'s integrity covers it)' : ''}`, package: node.name });
  }
  packages.sort((a, b) => compareUtf8(`${a.name}@${a.version ?? ''}`, `${b.name}@${b.version ?? ''}`));
  return { format: path.basename(file), packages, warnings, manifest: 'package.json' };
}

type Table = Record<string, unknown>;

/**
 * A pnpm package key as its lockfile version writes it: v5 `/name/version_peers`
 * (`/@babel/core/7.16.0_@types+node@18.0.0`), v6 `/name@version(peers)`, v9 `name@version(peers)`;
 * a local one `name@file:dir`.
 */
export function splitPnpmKey(key: string, lockfileVersion: number): { name: string; version: string | null } {
  const k = key.replace(/^\//, '');
  if (lockfileVersion < 6) {
    const slash = k.lastIndexOf('/');
    if (slash <= 0) return { name: k, version: null };
    return { name: k.slice(0, slash), version: k.slice(slash + 1).split('_')[0]! || null };
  }
  const bare = k.replace(/\(.*$/, '');
  const at = bare.indexOf('@', 1);
  if (at <= 0) return { name: bare, version: null };
  const version = bare.slice(at + 1);
  return { name: bare.slice(0, at), version: /^(file|link|workspace):/.test(version) ? null : version };
}

export function parsePnpmLock(text: string, file = 'pnpm-lock.yaml'): ParsedLock {
  const doc = loadLockYaml(text, file);
  const lockfileVersion = Number.parseFloat(yamlString(doc.lockfileVersion) ?? '9') || 9;
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  for (const [key, raw] of Object.entries((doc.packages ?? {}) as Record<string, Table>)) {
    const fromKey = splitPnpmKey(key, lockfileVersion);
    const name = yamlString(raw.name) ?? fromKey.name;
    const version = yamlString(raw.version) ?? fromKey.version;
    const resolution = (raw.resolution ?? {}) as Table;
    const integrity = yamlString(resolution.integrity);
    const directory = yamlString(resolution.directory);
    const remote = yamlString(resolution.tarball) ?? yamlString(resolution.repo);
    const source = directory !== null ? `file:${directory}` : remote !== null ? stripCredentials(remote) : null;
    packages.push({ name, version, source, hashes: integrity ? [integrity] : [] });
    if (integrity) continue;
    if (directory !== null || /^(file|link):/.test(remote ?? '')) warnings.push({ code: 'LOCAL_PATH', message: `${name} is the project's folder ${directory ?? remote}`, package: name });
    else if (!remote) warnings.push({ code: 'MISSING_HASH', message: `${name}@${version ?? '?'} has no integrity`, package: name });
  }
  return { format: 'pnpm-lock.yaml', packages, warnings, manifest: 'package.json' };
}

/** "name@range" keys: the name is everything before the @ that is not the scope's. */
function splitYarnKey(key: string): string {
  const at = key.indexOf('@', 1);
  return at <= 0 ? key : key.slice(0, at);
}

export function parseYarnLock(text: string, file = 'yarn.lock'): ParsedLock {
  if (/^__metadata:/m.test(text)) return parseYarnBerry(text, file);
  const packages: LockPackage[] = [];
  let current: LockPackage | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#') || line.trim() === '') continue;
    if (!line.startsWith(' ')) {
      const first = line.replace(/:$/, '').split(',')[0]!.trim().replace(/^"|"$/g, '');
      current = { name: splitYarnKey(first), version: null, source: null, hashes: [] };
      packages.push(current);
      continue;
    }
    const m = /^\s+(version|resolved|integrity)\s+"?([^"]+)"?$/.exec(line);
    if (!m || !current) continue;
    if (m[1] === 'version') current.version = m[2]!;
    else if (m[1] === 'resolved') current.source = stripCredentials(m[2]!.replace(/#[0-9a-f]+$/, ''));
    else current.hashes = [m[2]!];
  }
  const warnings: LockWarning[] = [];
  for (const p of packages) {
    if (p.hashes.length > 0) continue;
    if (/^file:/.test(p.source ?? '') || /@(file|link):/.test(p.name)) warnings.push({ code: 'LOCAL_PATH', message: `${p.name}@${p.version ?? '?'} is a folder of the project`, package: p.name });
    else warnings.push({ code: 'MISSING_HASH', message: `${p.name}@${p.version ?? '?'} has no integrity`, package: p.name });
  }
  return { format: 'yarn.lock', packages, warnings, manifest: 'package.json' };
}

function parseYarnBerry(text: string, file: string): ParsedLock {
  const doc = loadLockYaml(text, file) as Record<string, Table>;
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  for (const [key, raw] of Object.entries(doc)) {
    if (key === '__metadata') continue;
    const resolution = yamlString(raw.resolution) ?? key.split(',')[0]!.trim();
    const at = resolution.indexOf('@', 1);
    const name = resolution.slice(0, at);
    const source = stripCredentials(resolution.slice(at + 1));
    const checksum = yamlString(raw.checksum);
    const conditions = yamlString(raw.conditions);
    const pkg: LockPackage = { name, version: yamlString(raw.version), source, hashes: checksum ? [checksum] : [] };
    if (conditions) pkg.platform = conditions;
    packages.push(pkg);
    if (checksum) continue;
    // The project's own workspaces and linked folders: their bytes are the project's.
    if (/^(workspace|link|portal|file):/.test(source)) continue;
    // Yarn fetches a package with conditions only on a matching platform, so the lock written
    // elsewhere has no checksum for it.
    else if (conditions) warnings.push({ code: 'PLATFORM_SPECIFIC', message: `${name}@${pkg.version ?? '?'} is installed only where ${conditions}; the lock has no checksum for it`, package: name });
    else warnings.push({ code: 'MISSING_HASH', message: `${name}@${pkg.version ?? '?'} has no checksum`, package: name });
  }
  return { format: 'yarn.lock', packages, warnings, manifest: 'package.json' };
}

export const npmReader: LockReader = { format: 'package-lock.json', matches: (n) => n === 'package-lock.json' || n === 'npm-shrinkwrap.json', read: (f) => readNpmLock(f) };
export const pnpmReader: LockReader = { format: 'pnpm-lock.yaml', matches: (n) => n === 'pnpm-lock.yaml', read: (f, t) => parsePnpmLock(t, f) };
export const yarnReader: LockReader = { format: 'yarn.lock', matches: (n) => n === 'yarn.lock', read: (f, t) => parseYarnLock(t, f) };

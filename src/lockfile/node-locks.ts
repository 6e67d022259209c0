// Node lockfiles. package-lock.json / npm-shrinkwrap.json through @npmcli/arborist's virtual
// tree (the same reading npm itself does); pnpm-lock.yaml (v6 and v9) and yarn.lock (classic
// v1 text and berry YAML) parsed directly.
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compareUtf8 } from '../core/utf8-order.js';
import { stripCredentials } from '../secrets/rules.js';
import type { LockPackage, LockReader, LockWarning, ParsedLock } from './types.js';

/**
 * npm locks through @npmcli/arborist: its Shrinkwrap reader for lockfileVersion 2 and 3 (the
 * `packages` map), its full virtual tree for version-1 locks, which only nest `dependencies`.
 */
export async function readNpmLock(file: string): Promise<ParsedLock> {
  const { default: Shrinkwrap } = await import('@npmcli/arborist/lib/shrinkwrap.js');
  const lock = await Shrinkwrap.load({ path: path.dirname(file) });
  const entries = lock.lockfileVersion >= 2 ? lock.data.packages : undefined;
  if (!entries) return readNpmLockV1(file);
  const nodes = Object.entries(entries)
    .filter(([location, e]) => location !== '' && !e.link)
    .map(([location, e]) => ({ name: e.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length), version: e.version, resolved: e.resolved, integrity: e.integrity, location }));
  return toParsed(file, nodes);
}

async function readNpmLockV1(file: string): Promise<ParsedLock> {
  const { default: Arborist } = await import('@npmcli/arborist');
  const tree = await new Arborist({ path: path.dirname(file) }).loadVirtual();
  const nodes = [...tree.inventory.values()].filter((n) => !n.isRoot && !n.isLink && n.location !== '');
  return toParsed(file, nodes);
}

interface LockNode {
  name: string;
  version?: string;
  resolved?: string | null;
  integrity?: string | null;
  location: string;
}

function toParsed(file: string, nodes: readonly LockNode[]): ParsedLock {
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  for (const node of nodes) {
    const resolved = node.resolved ? stripCredentials(node.resolved) : null;
    packages.push({ name: node.name, version: node.version ?? null, source: resolved, hashes: node.integrity ? [node.integrity] : [] });
    const local = resolved !== null && /^(file:|link:|git\+|github:)/.test(resolved);
    if (!node.integrity && !local) warnings.push({ code: 'MISSING_HASH', message: `${node.name}@${node.version ?? '?'} (${node.location}) has no integrity`, package: node.name });
  }
  packages.sort((a, b) => compareUtf8(`${a.name}@${a.version ?? ''}`, `${b.name}@${b.version ?? ''}`));
  return { format: path.basename(file), packages, warnings, manifest: 'package.json' };
}

type Table = Record<string, unknown>;

/** Splits "name@version" where name may be scoped ("@scope/name@1.0.0"), v6 keys start with "/". */
function splitKey(key: string): { name: string; version: string | null } {
  const k = key.replace(/^\//, '').replace(/\(.*$/, '');
  const at = k.lastIndexOf('@');
  if (at <= 0) return { name: k, version: null };
  return { name: k.slice(0, at), version: k.slice(at + 1) };
}

export function parsePnpmLock(text: string): ParsedLock {
  const doc = (parseYaml(text) ?? {}) as Table;
  const packages: LockPackage[] = [];
  const warnings: LockWarning[] = [];
  for (const [key, raw] of Object.entries((doc.packages ?? {}) as Record<string, Table>)) {
    const { name, version } = splitKey(key);
    const resolution = (raw.resolution ?? {}) as Table;
    const integrity = typeof resolution.integrity === 'string' ? resolution.integrity : null;
    const source = typeof resolution.tarball === 'string' ? stripCredentials(resolution.tarball) : typeof resolution.repo === 'string' ? stripCredentials(resolution.repo) : null;
    packages.push({ name: String(raw.name ?? name), version: String(raw.version ?? version ?? '') || null, source, hashes: integrity ? [integrity] : [] });
    if (!integrity && !source) warnings.push({ code: 'MISSING_HASH', message: `${name} has no integrity`, package: name });
  }
  return { format: 'pnpm-lock.yaml', packages, warnings, manifest: 'package.json' };
}

export function parseYarnLock(text: string): ParsedLock {
  if (/^__metadata:/m.test(text)) return parseYarnBerry(text);
  const packages: LockPackage[] = [];
  let current: LockPackage | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#') || line.trim() === '') continue;
    if (!line.startsWith(' ')) {
      const first = line.replace(/:$/, '').split(',')[0]!.trim().replace(/^"|"$/g, '');
      current = { name: splitKey(first).name, version: null, source: null, hashes: [] };
      packages.push(current);
      continue;
    }
    const m = /^\s+(version|resolved|integrity)\s+"?([^"]+)"?$/.exec(line);
    if (!m || !current) continue;
    if (m[1] === 'version') current.version = m[2]!;
    else if (m[1] === 'resolved') current.source = stripCredentials(m[2]!.replace(/#[0-9a-f]+$/, ''));
    else current.hashes = [m[2]!];
  }
  return { format: 'yarn.lock', packages, warnings: missing(packages), manifest: 'package.json' };
}

function parseYarnBerry(text: string): ParsedLock {
  const doc = (parseYaml(text) ?? {}) as Record<string, Table>;
  const packages: LockPackage[] = [];
  for (const [key, raw] of Object.entries(doc)) {
    if (key === '__metadata') continue;
    const resolution = String(raw.resolution ?? key.split(',')[0]);
    const at = resolution.indexOf('@', 1);
    packages.push({ name: resolution.slice(0, at), version: raw.version === undefined ? null : String(raw.version), source: stripCredentials(resolution.slice(at + 1)), hashes: typeof raw.checksum === 'string' ? [raw.checksum] : [] });
  }
  return { format: 'yarn.lock', packages, warnings: missing(packages.filter((p) => !/workspace:|link:|portal:/.test(p.source ?? ''))), manifest: 'package.json' };
}

function missing(packages: LockPackage[]): LockWarning[] {
  return packages.filter((p) => p.hashes.length === 0).map((p) => ({ code: 'MISSING_HASH' as const, message: `${p.name}@${p.version ?? '?'} has no integrity`, package: p.name }));
}

export const npmReader: LockReader = { format: 'package-lock.json', matches: (n) => n === 'package-lock.json' || n === 'npm-shrinkwrap.json', read: (f) => readNpmLock(f) };
export const pnpmReader: LockReader = { format: 'pnpm-lock.yaml', matches: (n) => n === 'pnpm-lock.yaml', read: (_f, t) => parsePnpmLock(t) };
export const yarnReader: LockReader = { format: 'yarn.lock', matches: (n) => n === 'yarn.lock', read: (_f, t) => parseYarnLock(t) };

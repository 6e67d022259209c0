// The bundle must not depend on the Node.js release that builds it: Node 22, 24 and 26 (from
// the npm registry, fetched by scripts/fetch-nodes.mjs in pretest) must write identical files.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { makeProject, tempDir } from '../helpers/project.js';

const VERSIONS = ['22.23.3', '24.21.0', '26.10.0'];
const nodeBin = (v: string) => path.join(REPO_ROOT, '.cache', 'nodes', v, 'bin', 'node');

describe('bundles are identical across Node.js releases', () => {
  it('has every Node release it needs (run `node scripts/fetch-nodes.mjs`)', () => {
    for (const v of VERSIONS) expect(existsSync(nodeBin(v)), nodeBin(v)).toBe(true);
  });

  it.each(['zstd', 'gzip', 'none'] as const)('%s: Node 22, 24 and 26 write the same bytes', async (codec) => {
    const csv = Array.from({ length: 80_000 }, (_, i) => `${i},${(i * 2654435761) % 1000},class${i % 3}`).join('\n');
    const root = await makeProject({
      'train.py': 'print(1)\n',
      'data/train.csv': csv,
      'data/weights.bin': randomBytes(3 << 20),
      'src/ünï.py': 'x = 1\n',
    });
    const digests: Record<string, string> = {};
    for (const v of VERSIONS) {
      const out = path.join(tempDir(), 'out');
      // REPRO_MALLOC=lean: the build re-executes itself through process.execve (src/cli/malloc.ts),
      // which must exist, be silent and change no byte under every Node version.
      const run = await runCli(['build', root, '-o', out, '--compression', codec, '--no-lock', '--json'], { node: nodeBin(v), env: { REPRO_MALLOC: 'lean' } });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      // The V8 flag set at start-up (src/cli/process.ts) is one this engine knows: V8 prints
      // "unrecognized flag" to stderr for one it does not.
      expect(run.stderr).not.toMatch(/unrecognized flag/i);
      expect(run.stderr).not.toMatch(/Warning|execve/);
      const result = run.json().result;
      expect(result.builder.node).toBe(v);
      const bytes = await fs.readFile(result.bundle);
      digests[v] = createHash('sha256').update(bytes).digest('hex');
      expect(`sha256:${digests[v]}`).toBe(result.fileDigest);
    }
    expect(new Set(Object.values(digests)).size).toBe(1);
  });
});

// The bundle must not depend on the Node.js release that builds it. The releases come from
// .cache/nodes/matrix.json, which scripts/fetch-nodes.mjs (run by pretest) resolves from the
// npm registry on the day the tests run: the oldest release `engines` allows and the newest
// release of each supported major line. A new Node release that changes a byte turns this red.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compressionInfo } from '../../src/bundle/compress.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { makeProject, tempDir } from '../helpers/project.js';

interface Matrix {
  resolvedAt: string;
  engines: string;
  releases: { version: string; role: string }[];
}

const MATRIX_FILE = path.join(REPO_ROOT, '.cache', 'nodes', 'matrix.json');
const matrix: Matrix | null = existsSync(MATRIX_FILE) ? (JSON.parse(readFileSync(MATRIX_FILE, 'utf8')) as Matrix) : null;
const releases = matrix?.releases ?? [];
const nodeBin = (v: string) => path.join(REPO_ROOT, '.cache', 'nodes', v, 'bin', 'node');
const engines = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

describe('bundles are identical across Node.js releases', () => {
  it('has a release matrix resolved from the npm registry today (run `node scripts/fetch-nodes.mjs`)', () => {
    expect(matrix, `${MATRIX_FILE} is missing: run \`node scripts/fetch-nodes.mjs\``).not.toBeNull();
    const age = Date.now() - Date.parse(matrix!.resolvedAt);
    expect(age, `the matrix was resolved at ${matrix!.resolvedAt}: run \`node scripts/fetch-nodes.mjs\` again`).toBeLessThan(24 * 3600_000);
    expect(matrix!.engines).toBe(engines);
    expect(releases[0]!.role).toMatch(/^engines minimum|^REPRO_NODE_MATRIX/);
    if (releases[0]!.role.startsWith('engines')) {
      for (const line of [22, 24, 26]) expect(releases.some((r) => r.role === `newest ${line}.x`), `newest ${line}.x`).toBe(true);
    }
    for (const r of releases) expect(existsSync(nodeBin(r.version)), nodeBin(r.version)).toBe(true);
  });

  it.each(['zstd', 'gzip', 'none'] as const)('%s: every release in the matrix writes the same bytes', async (codec) => {
    const csv = Array.from({ length: 80_000 }, (_, i) => `${i},${(i * 2654435761) % 1000},class${i % 3}`).join('\n');
    const root = await makeProject({
      'train.py': 'print(1)\n',
      'data/train.csv': csv,
      'data/weights.bin': randomBytes(5 << 20), // with the rest, three frames: full ones and a short last one
      'src/ünï.py': 'x = 1\n',
    });
    const built: { version: string; role: string; zstd: string | null; digest: string }[] = [];
    for (const { version, role } of releases) {
      const out = path.join(tempDir(), 'out');
      // REPRO_MALLOC=lean: the build re-executes itself through process.execve (src/cli/malloc.ts),
      // which must exist, be silent and change no byte under every Node version.
      const run = await runCli(['build', root, '-o', out, '--compression', codec, '--no-lock', '--json'], { node: nodeBin(version), env: { REPRO_MALLOC: 'lean' } });
      expect(run.code, `Node ${version}: ${run.stdout}${run.stderr}`).toBe(0);
      // The V8 flag set at start-up (src/cli/process.ts) is one this engine knows: V8 prints
      // "unrecognized flag" to stderr for one it does not.
      expect(run.stderr).not.toMatch(/unrecognized flag/i);
      expect(run.stderr).not.toMatch(/Warning|execve/);
      const result = run.json().result;
      expect(result.builder.node).toBe(version);
      const digest = `sha256:${createHash('sha256').update(await fs.readFile(result.bundle)).digest('hex')}`;
      expect(digest).toBe(result.fileDigest);
      built.push({ version, role, zstd: result.builder.zstd ?? null, digest });
    }
    const [first, ...rest] = built;
    const library = compressionInfo(codec).library ?? 'no compression';
    for (const other of rest) {
      const message = `Node ${other.version} (${other.role}, libzstd ${other.zstd}) wrote a different ${codec} bundle than Node ${first!.version} (${first!.role}, libzstd ${first!.zstd}): ${other.digest} vs ${first!.digest}. The ${codec} codec (${library}) must give the same bytes on every runtime: see docs/REPRODUCIBILITY.md.`;
      expect(other.digest, message).toBe(first!.digest);
    }
  });
});

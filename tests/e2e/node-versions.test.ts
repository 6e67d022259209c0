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

describe('attestations are byte-identical across checkouts, build conditions and Node.js releases', () => {
  it('provenance and ML-BOM: two checkouts at different paths, one rebuilt under --verify\'s variations, attested by every release', async () => {
    const a = await makeProject({ 'repro.yaml': 'name: same\nversion: 1.0.0\nentry_points:\n  main:\n    command: python3 train.py\n', 'train.py': 'print(1)\n', 'requirements.txt': `numpy==1.26.4 --hash=sha256:${'a'.repeat(64)}\n` }, { git: true });
    const { execFileSync } = await import('node:child_process');
    const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { stdio: 'pipe' });
    git(a, 'remote', 'add', 'origin', 'https://github.com/acme/same.git');
    // The snapshot travels in the bundle: captured once, committed, so both checkouts carry it.
    expect((await runCli(['snapshot', a, '--no-import'])).code).toBe(0);
    git(a, 'add', '-A');
    git(a, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'snapshot');
    const b = path.join(tempDir(), 'another place ünïcode', 'same');
    execFileSync('git', ['clone', '-q', a, b], { stdio: 'pipe' });
    git(b, 'remote', 'set-url', 'origin', 'https://github.com/acme/same.git');
    const outA = path.join(tempDir(), 'a');
    const outB = path.join(tempDir(), 'b');
    const builtA = await runCli(['build', a, '-o', outA, '--no-lock', '--json']);
    const builtB = await runCli(['build', b, '-o', outB, '--no-lock', '--verify', '--json'], { umask: '077', env: { TZ: 'Pacific/Chatham', LC_ALL: 'sk_SK.UTF-8' } });
    expect(builtA.code, builtA.stderr).toBe(0);
    expect(builtB.code, builtB.stderr).toBe(0);
    expect(builtB.json().result.fileDigest).toBe(builtA.json().result.fileDigest);
    const docs: Array<{ who: string; provenance: string; sbom: string }> = [];
    for (const [bundle, where] of [[builtA.json().result.bundle, 'checkout A'], [builtB.json().result.bundle, 'checkout B (--verify, umask 077, TZ, LC_ALL)']] as const) {
      for (const { version } of releases) {
        const dir = path.join(tempDir(), 'docs');
        const r = await runCli(['attest', bundle, '-o', dir, '--json'], { node: nodeBin(version) });
        expect(r.code, `Node ${version}: ${r.stderr}`).toBe(0);
        docs.push({ who: `${where}, Node ${version}`, provenance: await fs.readFile(path.join(dir, 'same-1.0.0.provenance.json'), 'utf8'), sbom: await fs.readFile(path.join(dir, 'same-1.0.0.cdx.json'), 'utf8') });
      }
    }
    expect(releases.length, 'the matrix has several releases').toBeGreaterThanOrEqual(2);
    expect(docs.length).toBe(2 * releases.length);
    expect(JSON.parse(docs[0]!.provenance).predicate.buildDefinition.externalParameters.source.repository).toBe('https://github.com/acme/same.git');
    for (const d of docs.slice(1)) {
      expect(d.provenance, `${d.who}: provenance differs from ${docs[0]!.who}`).toBe(docs[0]!.provenance);
      expect(d.sbom, `${d.who}: ML-BOM differs from ${docs[0]!.who}`).toBe(docs[0]!.sbom);
    }
  });
});

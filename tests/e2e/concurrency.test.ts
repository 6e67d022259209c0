// Load and concurrency, through the built binary: 16 `repro exec` of one bundle at once into a
// cold shared cache, and 4 builds at once into one output directory. Everything succeeds or
// fails with a coded error; the cache ends with one complete entry and a consistent index; no
// bundle, lock or run record is corrupted; no temp is left behind.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/bundle/manifest.js';
import { verifyBundle } from '../../src/bundle/verify.js';
import { runCli } from '../helpers/cli.js';
import { makeProject, tempDir } from '../helpers/project.js';

const TEMP = '.repro-tmp-';

function files(n: number, seed: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) out[`src/m${i}.py`] = `# ${seed} ${i}\n${'x = 1\n'.repeat(200 + i)}`;
  return out;
}

describe('concurrency', () => {
  it('16 concurrent execs of one bundle: all run, one complete cache entry, a consistent index', async () => {
    const root = await makeProject({
      ...files(200, 'exec'),
      'train.py': 'import hashlib, os, sys\nos.makedirs("out", exist_ok=True)\nh = hashlib.sha256(open("src/m7.py", "rb").read()).hexdigest()\nopen("out/h.txt", "w").write(h)\n',
      'repro.yaml': 'name: load\nversion: 1.0.0\nentry_points:\n  main:\n    command: /usr/bin/python3 train.py\noutputs:\n  - out/h.txt\n',
    });
    const built = await runCli(['build', root, '-o', path.join(tempDir(), 'b'), '--no-lock', '--json']);
    expect(built.code, built.stderr).toBe(0);
    const bundle = built.json().result.bundle as string;
    const work = tempDir();
    const cache = path.join(work, 'cache');
    const runs = await Promise.all(
      Array.from({ length: 16 }, (_, i) => runCli(['exec', bundle, '--backend', 'local', '--out', path.join(work, `run-${i}`), '--json'], { env: { REPRO_CACHE: cache } })),
    );
    for (const r of runs) expect(r.code, r.stdout + r.stderr).toBe(0);
    const count = (word: string) => runs.filter((r) => r.stderr.includes(word)).length;
    console.info(`16 execs: ${count('(extracted at')} extracted, ${count('concurrent exec')} lost the race (verified, then used the winner's entry), ${count('(cached at')} found it cached`);
    const hashes = new Set(runs.map((r) => r.json().result.outputs[0].sha256 as string));
    expect(hashes.size).toBe(1); // every run read the same, complete project
    const bundles = await fs.readdir(path.join(cache, 'bundles'));
    expect(bundles).toEqual([(built.json().result.contentDigest as string).slice(7)]);
    const entry = path.join(cache, 'bundles', bundles[0]!);
    const manifest = parseManifest(await fs.readFile(path.join(entry, 'repro.bundle.json')));
    for (const e of manifest.entries) {
      if (e.type !== 'file') continue;
      expect(createHash('sha256').update(await fs.readFile(path.join(entry, e.path))).digest('hex'), e.path).toBe(e.sha256);
    }
    const index = (await fs.readdir(path.join(cache, 'index'))).filter((n) => !n.startsWith(TEMP));
    expect(index).toHaveLength(1);
    expect((await fs.readFile(path.join(cache, 'index', index[0]!), 'utf8')).trim()).toBe(built.json().result.contentDigest);
    expect((await fs.readdir(path.join(cache, 'index'))).filter((n) => n.startsWith(TEMP))).toEqual([]);
    for (let i = 0; i < 16; i++) {
      const record = JSON.parse(await fs.readFile(path.join(work, `run-${i}`, 'run.json'), 'utf8'));
      expect(record).toMatchObject({ kind: 'repro-run', exitCode: 0 });
    }
  }, 180_000);

  it('4 concurrent builds into one output directory (two projects, two builds each): complete bundles, valid locks, no temps', async () => {
    const a = await makeProject({ ...files(300, 'a'), 'pyproject.toml': '[project]\nname = "alpha"\nversion = "1.0.0"\n' });
    const b = await makeProject({ ...files(300, 'b'), 'pyproject.toml': '[project]\nname = "beta"\nversion = "1.0.0"\n' });
    const out = path.join(tempDir(), 'shared-out');
    const jobs = [a, b, a, b].map((root) => runCli(['build', root, '-o', out, '--json']));
    const results = await Promise.all(jobs);
    for (const r of results) {
      // Each build either succeeds or fails with a coded error, never an internal one.
      if (r.code !== 0) expect(r.json().error.code, r.stdout).toMatch(/^E_(IO|CHANGED_DURING_BUILD)$/);
    }
    console.info(`4 builds: ${results.filter((r) => r.code === 0).length} succeeded, ${results.filter((r) => r.code !== 0).map((r) => r.json().error.code).join(', ') || 'none failed'}`);
    expect(results.filter((r) => r.code === 0).length).toBeGreaterThanOrEqual(2);
    const names = (await fs.readdir(out)).sort();
    expect(names.filter((n) => n.startsWith(TEMP))).toEqual([]);
    expect(names).toHaveLength(2);
    const digests = new Map<string, string>();
    for (const r of results.filter((x) => x.code === 0)) {
      const res = r.json().result;
      const prior = digests.get(res.bundle);
      if (prior) expect(res.contentDigest).toBe(prior); // the two builds of one project agree
      digests.set(res.bundle, res.contentDigest);
    }
    for (const name of names) {
      const report = await verifyBundle(path.join(out, name));
      expect(report.contentDigest).toBe(digests.get(path.join(out, name)));
    }
    for (const root of [a, b]) {
      const lock = JSON.parse(await fs.readFile(path.join(root, 'repro.lock'), 'utf8'));
      expect(lock.kind).toBe('repro-lock');
      const again = await runCli(['build', root, '-o', path.join(tempDir(), 'again'), '--locked', '--json']);
      expect(again.code, again.stdout).toBe(0); // the lock the racing builds left is the right one
    }
  }, 180_000);
});

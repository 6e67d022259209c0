// `repro exec --sweep` through the built binary: one run per point of the grid, bounded
// concurrency, a summary that names the failed point and counts distinct output digests, and
// swept values that reach the entry point as text, never as shell.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { buildWithCli } from '../helpers/build.js';
import { tempDir } from '../helpers/project.js';

const YAML = `name: sweep
version: 1.0.0
entry_points:
  main:
    command: "python3 t.py {seed} {lr} {tag}"
    parameters:
      seed: {type: int, default: 0}
      lr: {type: float, default: 0.1}
      tag: {type: string, default: none}
outputs:
  - out/fixed.txt
  - out/seeded.txt
  - out/tag.txt
`;
const T = 'import sys, os\nos.makedirs("out", exist_ok=True)\nopen("out/fixed.txt","w").write("fixed\\n")\nopen("out/seeded.txt","w").write(sys.argv[1] + "\\n")\nopen("out/tag.txt","w").write(sys.argv[3])\nsys.exit(3 if (sys.argv[1], sys.argv[2]) == ("2", "0.5") else 0)\n';

const bundle = () => buildWithCli({ 'repro.yaml': YAML, 't.py': T });

describe('repro exec --sweep', () => {
  it('runs every point of the grid, names the failed one, and counts distinct output digests', async () => {
    const b = await bundle();
    const dir = path.join(tempDir(), 'sweep');
    const r = await runCli(['exec', b, '--backend', 'local', '--no-sandbox', '--sweep', 'seed=0..2', '--sweep', 'lr=0.1,0.5', '--max-parallel', '3', '--out', dir, '--json']);
    expect(r.code, r.stderr).toBe(1); // one point exited 3
    const s = r.json().result;
    expect(s.points.map((p: { parameters: Record<string, string> }) => `${p.parameters.seed}/${p.parameters.lr}`)).toEqual(['0/0.1', '0/0.5', '1/0.1', '1/0.5', '2/0.1', '2/0.5']);
    expect(s.points.map((p: { exitCode: number }) => p.exitCode)).toEqual([0, 0, 0, 0, 0, 3]);
    expect(s).toMatchObject({ succeeded: 5, failed: 1, distinctOutputs: { 'out/fixed.txt': 1, 'out/seeded.txt': 3, 'out/tag.txt': 1 } });
    expect(JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'))).toMatchObject({ kind: 'repro-sweep', failed: 1 });
    for (const p of s.points) expect(existsSync(path.join(p.runDir, 'run.json'))).toBe(true);
    const text = await runCli(['exec', b, '--backend', 'local', '--no-sandbox', '--sweep', 'seed=0..1', '--out', path.join(tempDir(), 'sweep2')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('out/fixed.txt: 1 distinct digest over 2 points (the same for every point)');
  });

  it('shell injection: a swept value full of shell syntax reaches the entry point as text', async () => {
    const b = await bundle();
    const dir = path.join(tempDir(), 'sweep');
    // Absolute markers: the run's scratch directory is gone after the run, so a planted file there would not show.
    const marker = path.join(tempDir(), 'PWNED');
    const evil = `$(touch ${marker});\`touch ${marker}2\`&&echo`;
    const r = await runCli(['exec', b, '--backend', 'local', '--no-sandbox', '--sweep', `tag=${evil}`, '--out', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const point = r.json().result.points[0];
    expect(readFileSync(path.join(point.runDir, 'project', 'out', 'tag.txt'), 'utf8')).toBe(evil);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(`${marker}2`)).toBe(false);
  });

  it('a parameter both swept and given with -P is a usage error (exit 2) before anything runs', async () => {
    const b = await bundle();
    const dir = path.join(tempDir(), 'sweep');
    const r = await runCli(['exec', b, '--backend', 'local', '--no-sandbox', '--sweep', 'seed=0..1', '-P', 'seed=3', '--out', dir, '--json']);
    expect(r.code).toBe(2);
    expect(r.json().error.message).toContain('both swept and given with -P');
  });
});

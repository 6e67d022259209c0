// `repro exec --sweep` through the built binary: one run per point of the grid, bounded
// concurrency, a summary that names the failed point and counts distinct output digests, and
// swept values that reach the entry point as text, never as shell.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { buildWithCli } from '../helpers/build.js';
import { tempDir } from '../helpers/project.js';
import { ML_PYTHON, ML_REASON, SKIP_ML } from '../helpers/ml-python.js';
import { execFileSync } from 'node:child_process';

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

describe.skipIf(SKIP_ML)(`what varies across a sweep, on scikit-learn${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  it('--sweep seed=0..7: every metric\'s mean, std, min, max and CV as numpy computes them, an SVG per metric, and the one-line answer', async () => {
    const train = `import json, os, sys
import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
seed = int(sys.argv[1])
X, y = load_iris(return_X_y=True)
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.4, random_state=0)
clf = SGDClassifier(random_state=seed, max_iter=20, tol=None).fit(Xtr, ytr)
os.makedirs("out", exist_ok=True)
json.dump({"accuracy": float(clf.score(Xte, yte)), "n_test": int(len(yte))}, open("out/metrics.json", "w"))
`;
    const b = await buildWithCli({ 'repro.yaml': 'name: seeds\nversion: 1.0.0\nentry_points:\n  main:\n    command: "python train.py {seed}"\n    parameters:\n      seed: {type: int, default: 0}\noutputs: [out/metrics.json]\n', 'train.py': train });
    const dir = path.join(tempDir(), 'sweep');
    const r = await runCli(['exec', b, '--backend', 'local', '--python', ML_PYTHON!, '--sweep', 'seed=0..7', '--max-parallel', '2', '--out', dir, '--json']);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const s = r.json().result;
    // The values each point wrote, read back as numpy would summarise them.
    const values = s.points.map((p: { runDir: string }) => JSON.parse(readFileSync(path.join(p.runDir, 'project', 'out', 'metrics.json'), 'utf8')).accuracy as number);
    const numpy = JSON.parse(execFileSync(ML_PYTHON!, ['-c', 'import json, sys, numpy as np\nv = np.array(json.loads(sys.argv[1]))\nprint(json.dumps({"mean": v.mean(), "std": v.std(ddof=1), "min": v.min(), "max": v.max(), "distinct": len(set(v.tolist()))}))', JSON.stringify(values)], { encoding: 'utf8' }));
    const acc = s.spread.metrics['out/metrics.json:accuracy'];
    expect(acc.points).toBe(8);
    expect(acc.mean).toBeCloseTo(numpy.mean, 12);
    expect(acc.std).toBeCloseTo(numpy.std, 12);
    expect([acc.min, acc.max, acc.distinct]).toEqual([numpy.min, numpy.max, numpy.distinct]);
    expect(acc.cv).toBeCloseTo(numpy.std / numpy.mean, 12);
    expect(s.spread.metrics['out/metrics.json:n_test']).toMatchObject({ distinct: 1, std: 0 });
    // A plot per metric beside summary.json, one point per seed.
    const svg = readFileSync(path.join(dir, s.plots['out/metrics.json:accuracy']), 'utf8');
    expect(svg.match(/<circle /g)).toHaveLength(8);
    expect(svg).toContain('<title>seed=7: ');
    expect(JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')).spread).toEqual(s.spread);
    if (numpy.distinct > 1) expect(s.spread.verdict).toMatch(/^NOT seed-stable: out\/metrics\.json:accuracy .* ± .* \(min .*, max .*, CV .*%, \d+ distinct values over 8 points\); 1 of 1 outputs differ$/);
    const text = await runCli(['exec', b, '--backend', 'local', '--python', ML_PYTHON!, '--sweep', 'seed=0..2', '--out', path.join(tempDir(), 'text')]);
    expect(text.stdout).toMatch(/metric +mean +std +min +max +CV +distinct\n +out\/metrics\.json:accuracy /);
    expect(text.stdout).toMatch(/plots: .*plots\/ \(2 SVG\)/);
  }, 180_000);
});

// Issue 28, "done when": the README's story, unchanged, on two projects written for the tests in
// the shape of the real ones the issue tried, with the real libraries from PyPI (pinned by hash,
// scripts/ml-venv.sh): an MLproject with conda.yaml whose train.py logs to mlruns/ with MLflow
// (as mlflow/mlflow-example does), and a seeded training loop writing a checkpoint and a
// matplotlib PDF (as pytorch/examples' time_sequence_prediction does, in numpy). Each reports
// "reproduced" for a seeded rerun, "NOT reproduced" naming the output for another seed, and "not
// comparable" for another parameter.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ML_PYTHON, ML_REASON, ML_VENV, SKIP_ML } from '../helpers/ml-python.js';
import { makeProject, tempDir } from '../helpers/project.js';

const WINE_MLPROJECT = `name: wine
conda_env: conda.yaml
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      l1_ratio: {type: float, default: 0.1}
      python: {type: string, default: python3}
    command: "{python} train.py {alpha} {l1_ratio}"
`;
// mlflow/mlflow-example's conda.yaml, with the versions of this test's environment
const WINE_CONDA = `name: wine
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
      - mlflow-skinny==2.17.2
      - numpy==1.26.4
`;
const WINE_TRAIN = `import sys
import numpy as np
import mlflow

alpha, l1_ratio = float(sys.argv[1]), float(sys.argv[2])
rng = np.random.default_rng(40)
X = rng.normal(size=(300, 6))
y = X @ np.arange(1.0, 7.0) + rng.normal(scale=0.3, size=300)
coef = np.linalg.solve(X.T @ X + alpha * (1 - l1_ratio) * len(y) * np.eye(6), X.T @ y)
rmse = float(np.sqrt(np.mean((X @ coef - y) ** 2)))
with mlflow.start_run():
    mlflow.log_param("alpha", alpha)
    mlflow.log_param("l1_ratio", l1_ratio)
    mlflow.log_metric("rmse", rmse)
    np.save("model.npy", coef)
    mlflow.log_artifact("model.npy", artifact_path="model")
print(f"Elasticnet model (alpha={alpha}, l1_ratio={l1_ratio}): RMSE {rmse:.4f}")
`;

const SINE_YAML = `name: sine
version: 1.0.0
entry_points:
  main:
    command: "{python} train.py --seed {seed} --lr {lr} --steps {steps}"
    parameters:
      python: {type: string, default: python3}
      seed: {type: int, default: 0, role: seed}
      lr: {type: float, default: 0.1}
      steps: {type: int, default: 200}
outputs:
  - outputs/ckpt.npy
  - outputs/loss.pdf
  - {path: outputs/metrics.json, tolerance: 1e-9}
`;
const SINE_TRAIN = `import argparse, json, os
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

p = argparse.ArgumentParser()
p.add_argument("--seed", type=int)
p.add_argument("--lr", type=float)
p.add_argument("--steps", type=int)
a = p.parse_args()
rng = np.random.default_rng(a.seed)
t = np.linspace(0, 4 * np.pi, 400)
X = np.stack([np.sin(t + k) for k in range(8)], axis=1)
y = np.sin(t + 8)
w = rng.normal(scale=0.5, size=8)
losses = []
for _ in range(a.steps):
    err = X @ w - y
    losses.append(float(np.mean(err ** 2)))
    w -= a.lr * 2 * X.T @ err / len(y)
os.makedirs("outputs", exist_ok=True)
np.save("outputs/ckpt.npy", w)
fig, ax = plt.subplots()
ax.plot(losses)
ax.set_yscale("log")
fig.savefig("outputs/loss.pdf")
with open("outputs/metrics.json", "w") as f:
    json.dump({"loss": losses[-1], "steps": a.steps}, f)
print(f"loss {losses[-1]:.6g}")
`;

describe.skipIf(SKIP_ML)(`issue 28, done when: the README's story on real-library projects${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  async function story(files: Record<string, string>) {
    if (!ML_PYTHON || !ML_VENV) throw new Error(`CI has no ML tools environment: ${ML_REASON}`);
    const work = tempDir('repro-story-');
    const root = await makeProject(files, { git: true });
    const env = { REPRO_CACHE: path.join(work, 'cache') };
    const run = (bundle: string, name: string, ...args: string[]) =>
      runCli(['exec', bundle, '--backend', 'local', '-P', `python=${ML_PYTHON}`, '--expose', ML_VENV, '--out', path.join(work, name), ...args], { env });
    // the README's order: snapshot, build, a reference run, build --verify carrying it
    expect((await runCli(['snapshot', root, '--python', ML_PYTHON, '--no-import'], { env })).code).toBe(0);
    const first = await runCli(['build', root, '-o', path.join(work, 'b1'), '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const ref = await run(first.json().result.bundle, 'ref', '--json');
    expect(ref.code, ref.stderr.slice(-2000)).toBe(0);
    const built = await runCli(['build', root, '-o', path.join(work, 'b2'), '--with-run', path.join(work, 'ref'), '--verify', '--json'], { env });
    expect(built.code, built.stderr).toBe(0);
    return { work, root, env, run, ref: ref.json().result, bundle: built.json().result.bundle as string };
  }

  it('mlflow-example\'s shape: an MLproject with conda.yaml logging to mlruns/ with MLflow; its artifacts are the outputs, compared without the run id', async () => {
    const { run, ref, bundle, root, env } = await story({ MLproject: WINE_MLPROJECT, 'conda.yaml': WINE_CONDA, 'train.py': WINE_TRAIN });
    const snap = JSON.parse(await fs.readFile(path.join(root, 'repro.snapshot.json'), 'utf8'));
    expect(snap.identity.lockfiles.map((l: { path: string }) => l.path)).toContain('conda.yaml');
    expect(ref.outputsFrom).toBe('detected');
    const paths: string[] = ref.outputs.map((o: { path: string }) => o.path);
    expect(paths).toContain('model.npy');
    expect(paths.some((p) => /^mlruns\/0\/[0-9a-f]{32}\/artifacts\/model\/model\.npy$/.test(p))).toBe(true);
    expect(paths.some((p) => /meta\.yaml|metrics\//.test(p))).toBe(false); // MLflow's bookkeeping embeds times and ids

    const same = await run(bundle, 'same', '--expect-reproduced');
    expect(same.code, same.stderr.slice(-2000)).toBe(0);
    expect(same.stdout).toContain('reproduced: every output matches the reference run');

    const alpha = await run(bundle, 'alpha', '-P', 'alpha=0.3', '--expect-reproduced');
    expect(alpha.code).toBe(6);
    expect(alpha.stdout).toContain('not comparable with the reference run:\n  parameter alpha 0.3 vs 0.5');
    void env;
  }, 240_000);

  it('time_sequence_prediction\'s shape: a seeded loop writing a checkpoint and a matplotlib PDF; reproduced, NOT reproduced under another seed, not comparable with another lr', async () => {
    const { run, ref, bundle } = await story({ 'repro.yaml': SINE_YAML, 'train.py': SINE_TRAIN, 'requirements.txt': 'numpy==1.26.4\nmatplotlib==3.9.2\n' });
    expect(ref.outputs.map((o: { path: string }) => o.path)).toEqual(['outputs/ckpt.npy', 'outputs/loss.pdf', 'outputs/metrics.json']);
    // The PDF's /CreationDate is the bundle's SOURCE_DATE_EPOCH, so two runs write the same bytes.
    const pdf = await fs.readFile(path.join(ref.runDir, 'project', 'outputs', 'loss.pdf'), 'latin1');
    const epoch = Number(ref.environment.SOURCE_DATE_EPOCH);
    const d = new Date(epoch * 1000).toISOString();
    expect(pdf).toContain(`/CreationDate (D:${d.slice(0, 4)}${d.slice(5, 7)}${d.slice(8, 10)}`);

    const same = await run(bundle, 'same', '--expect-reproduced');
    expect(same.code, same.stderr.slice(-2000)).toBe(0);
    expect(same.stdout).toContain('reproduced: every output matches the reference run');

    const seed = await run(bundle, 'seed7', '-P', 'seed=7', '--expect-reproduced', '--json');
    expect(seed.code).toBe(1);
    const verdict = seed.json().result.reproduced;
    expect(verdict.status).toBe('not-reproduced');
    expect(verdict.outputs.filter((o: { verdict: string }) => o.verdict === 'different').map((o: { path: string }) => o.path)).toContain('outputs/ckpt.npy');

    const lr = await run(bundle, 'lr', '-P', 'lr=0.05', '--expect-reproduced');
    expect(lr.code).toBe(6);
    expect(lr.stdout).toContain('not comparable with the reference run:\n  parameter lr 0.05 vs 0.1');
  }, 240_000);
});

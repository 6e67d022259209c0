// Issue 30's story, end to end on real wheels: a scikit-learn training project (numpy, scipy,
// scikit-learn, joblib, threadpoolctl from PyPI, pinned by hash) is built with its wheels vendored
// and its reference run, the index is stopped, and the bundle is rerun with no network at all,
// in the sandbox and on the one-node Slurm cluster: each rerun installs the locked environment
// from the bundle alone and its outputs reproduce the reference run's, byte for byte.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ML_REASON, SKIP_ML } from '../helpers/ml-python.js';
import { makeProject, tempDir } from '../helpers/project.js';
import { SYSTEM_PY } from '../helpers/python-project.js';
import { SKIP_SLURM, SLURM_CONF, SLURM_REASON } from '../helpers/slurm.js';
import { hashedLock, startWheelIndex, WHEELHOUSE, type WheelIndex } from '../helpers/wheel-index.js';

const run = promisify(execFile);
const PROJECTS = ['numpy', 'scipy', 'scikit-learn', 'joblib', 'threadpoolctl'];
const TRAIN = `import json, os
import numpy as np
import sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
model = LogisticRegression(max_iter=500).fit(X_train, y_train)
os.makedirs("out", exist_ok=True)
with open("out/metrics.json", "w") as f:
    json.dump({"accuracy": float(model.score(X_test, y_test)), "coef": model.coef_.tolist(), "sklearn": sklearn.__version__, "numpy": np.__version__}, f, sort_keys=True)
print("accuracy", model.score(X_test, y_test))
`;

describe.skipIf(SKIP_ML)(`a vendored scikit-learn bundle reruns offline${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  let index: WheelIndex | null = null;
  let bundle: string;
  let keep = '';

  beforeAll(async () => {
    index = await startWheelIndex(PROJECTS);
    const venv = path.join(tempDir(), 'venv');
    await run(SYSTEM_PY, ['-m', 'venv', '--without-pip', venv]);
    const files = [...index.wheels.keys()];
    await run(SYSTEM_PY, ['-m', 'pip', '--python', path.join(venv, 'bin', 'python'), 'install', '--quiet', '--no-index', '--no-deps', ...files.map((f) => path.join(WHEELHOUSE, f))], { env: { PATH: '/usr/bin:/bin', HOME: tempDir(), PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
    const lock = hashedLock(index);
    const root = await makeProject({
      'repro.yaml': 'name: iris-sklearn\nversion: 1.0.0\nentry_points:\n  main:\n    command: python train.py\noutputs: [out/metrics.json]\n',
      'train.py': TRAIN,
      'requirements.lock.txt': lock,
    });
    const cache = tempDir();
    expect((await runCli(['snapshot', root, '--python', path.join(venv, 'bin', 'python'), '--no-import'])).code).toBe(0);
    const first = await runCli(['build', root, '--vendor', '--json'], { env: { REPRO_CACHE: cache } });
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().result.vendor.wheels).toHaveLength(5);
    // The reference run: the researcher's own exec, in the locked environment.
    const ref = await runCli(['exec', first.json().result.bundle, 'main', '--backend', 'local', '--out', path.join(tempDir(), 'ref'), '--json'], { env: { REPRO_CACHE: cache } });
    expect(ref.code, ref.stderr.slice(-3000)).toBe(0);
    const built = await runCli(['build', root, '--vendor', '--with-run', ref.json().result.runDir, '--json'], { env: { REPRO_CACHE: cache } });
    expect(built.code, built.stderr).toBe(0);
    // Kept past the first test (tempDir()s are removed after each one).
    keep = mkdtempSync(path.join(os.tmpdir(), 'repro-sklearn-'));
    bundle = path.join(keep, path.basename(built.json().result.bundle as string));
    copyFileSync(built.json().result.bundle as string, bundle);
    await index.close();
    index = null;
  }, 240_000);
  afterAll(async () => {
    await index?.close();
    if (keep) rmSync(keep, { recursive: true, force: true });
  });

  it('in the sandbox, with no index and an empty cache: the environment from the bundle\'s wheels, the outputs reproduced', async () => {
    const r = await runCli(['exec', bundle, 'main', '--backend', 'local', '--expect-reproduced', '--out', path.join(tempDir(), 'local'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toMatch(/installing the locked environment .*\(5 wheels checked against the lock, from the bundle's vendored wheels, no network/);
    const res = r.json().result;
    expect(res.reproduced.status).toBe('reproduced');
    expect(res.interpreter.environment).toMatchObject({ lock: 'requirements.lock.txt', reused: false });
    expect(res.outputs.map((o: { path: string }) => o.path)).toEqual(['out/metrics.json']);
  }, 180_000);

  it.skipIf(SKIP_SLURM)(`on the one-node Slurm cluster, offline: reproduced${SKIP_SLURM ? ` (skipped: ${SLURM_REASON})` : ''}`, async () => {
    if (!SLURM_CONF) throw new Error(SLURM_REASON);
    const r = await runCli(['exec', bundle, 'main', '--backend', 'slurm', '--expect-reproduced', '--out', path.join(tempDir(), 'slurm'), '--json'], { env: { SLURM_CONF, REPRO_CACHE: tempDir() } });
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const res = r.json().result;
    expect(res).toMatchObject({ slurm: { state: 'COMPLETED' }, reproduced: { status: 'reproduced' } });
    expect(res.interpreter.environment).toMatchObject({ lock: 'requirements.lock.txt' });
  }, 240_000);
});

// Issue 30's side-by-side with MLflow Projects: the same MLflow project (MLproject +
// python_env.yaml pinning scikit-learn and its dependencies) run by `mlflow run --env-manager uv`
// (MLflow 3.18, the real tool, pinned by hash in the test set-up: uv venv with the version
// python_env.yaml names, uv pip install of its dependencies from the index) and by repro
// (snapshot of the environment MLflow made, build --vendor --record-hashes, the index stopped,
// exec --python-env offline in the sandbox). Both install the same distributions at the same
// versions with the same interpreter version, and the training output is byte-identical; only
// repro's rerun needs no index, and only repro checks every file against a hash.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { MLFLOW3_PYTHON, MLFLOW3_REASON, SKIP_MLFLOW3 } from '../helpers/ml-python.js';
import { makeProject, tempDir } from '../helpers/project.js';
import { SYSTEM_PY } from '../helpers/python-project.js';
import { startWheelIndex, type WheelIndex } from '../helpers/wheel-index.js';

const run = promisify(execFile);
const PROJECTS = ['joblib', 'numpy', 'scikit-learn', 'scipy', 'threadpoolctl'];
// What the run prints of itself: the training result and the environment it ran in (every
// distribution importlib.metadata sees, and the interpreter's version), never a path.
const TRAIN = `import argparse, json, os, platform
from importlib import metadata
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

p = argparse.ArgumentParser()
p.add_argument("--C", type=float, default=1.0)
args = p.parse_args()
X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
model = LogisticRegression(C=args.C, max_iter=500).fit(X_train, y_train)
os.makedirs("out", exist_ok=True)
with open("out/metrics.json", "w") as f:
    json.dump({"C": args.C, "accuracy": float(model.score(X_test, y_test)), "coef": model.coef_.tolist()}, f, sort_keys=True)
with open("out/environment.json", "w") as f:
    json.dump({"python": platform.python_version(), "distributions": sorted(f"{d.metadata['Name'].lower()}=={d.version}" for d in metadata.distributions())}, f, sort_keys=True)
`;
const MLPROJECT = 'name: iris-mlflow\npython_env: python_env.yaml\nentry_points:\n  main:\n    parameters:\n      C: {type: float, default: 1.0}\n    command: "python train.py --C {C}"\n';

describe.skipIf(SKIP_MLFLOW3)(`mlflow run --env-manager uv and repro exec, side by side on one MLflow project${SKIP_MLFLOW3 ? `: skipped, ${MLFLOW3_REASON}` : ''}`, () => {
  let index: WheelIndex | null = null;
  afterAll(async () => {
    await index?.close();
  });
  let root: string;
  let mlflowEnv: string;
  const mlflowOut: Record<string, string> = {};

  beforeAll(async () => {
    if (!MLFLOW3_PYTHON) throw new Error(MLFLOW3_REASON);
    index = await startWheelIndex(PROJECTS);
    const { stdout: version } = await run(SYSTEM_PY, ['-c', 'import platform; print(platform.python_version())']);
    const pins = [...index.wheels.keys()].map((f) => `  - ${f.split('-')[0]!.toLowerCase().replace(/_/g, '-')}==${f.split('-')[1]}`).join('\n');
    root = await makeProject({ MLproject: MLPROJECT, 'python_env.yaml': `python: "${version.trim()}"\ndependencies:\n${pins}\n`, 'train.py': TRAIN });
    // MLflow, as its users run it: its own environment manager, the project's index (uv reads
    // UV_DEFAULT_INDEX), a file store for the run's record, no Python downloads (uv finds this
    // machine's interpreter of the version python_env.yaml names).
    const home = tempDir();
    const envRoot = tempDir();
    const bin = path.dirname(MLFLOW3_PYTHON);
    const r = await run(path.join(bin, 'mlflow'), ['run', root, '--env-manager', 'uv', '-P', 'C=0.5'], {
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: home, MLFLOW_ENV_ROOT: envRoot, MLFLOW_TRACKING_URI: `file:${path.join(home, 'mlruns')}`, MLFLOW_ALLOW_FILE_STORE: 'true', UV_DEFAULT_INDEX: index.url, UV_PYTHON_DOWNLOADS: 'never', UV_CACHE_DIR: path.join(home, 'uv-cache'), LANG: 'C.UTF-8' },
      maxBuffer: 16 << 20,
    });
    expect(`${r.stdout}${r.stderr}`).toMatch(/Run \(ID '[0-9a-f]+'\) succeeded/);
    const envs = (await fs.readdir(envRoot)).filter((e) => e.startsWith('mlflow-'));
    expect(envs).toHaveLength(1);
    mlflowEnv = path.join(envRoot, envs[0]!);
    for (const f of ['metrics.json', 'environment.json']) mlflowOut[f] = await fs.readFile(path.join(root, 'out', f), 'utf8');
    await fs.rm(path.join(root, 'out'), { recursive: true });
  }, 240_000);

  it('repro, offline from its bundle alone, installs what MLflow installed and reproduces its output byte for byte', async () => {
    if (!index) throw new Error('no index');
    const cache = tempDir();
    // The researcher snapshots the environment MLflow made and ran in, then vendors the project.
    expect((await runCli(['snapshot', root, '--python', path.join(mlflowEnv, 'bin', 'python'), '--no-import'])).code).toBe(0);
    const built = await runCli(['build', root, '--vendor', '--record-hashes', '--json'], { env: { REPRO_CACHE: cache, PIP_INDEX_URL: index.url } });
    expect(built.code, built.stderr.slice(-2000)).toBe(0);
    expect(built.json().result.vendor).toMatchObject({ recordedHashes: true });
    expect(built.json().result.vendor.wheels.map((w: { file: string }) => w.file).sort()).toEqual([...index.wheels.keys()].sort());
    await index.close();
    index = null;

    const out = path.join(tempDir(), 'run');
    const r = await runCli(['exec', built.json().result.bundle, 'main', '-P', 'C=0.5', '--python-env', '--backend', 'local', '--out', out, '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(r.code, `${r.stderr.slice(-3000)}${r.stdout.slice(-2000)}`).toBe(0);
    expect(r.stderr).toMatch(/installing the locked environment .*\(5 wheels checked against the lock, from the bundle's vendored wheels, no network/);
    const res = r.json().result;
    expect(res.interpreter).toMatchObject({ chosenBy: 'snapshot', version: JSON.parse(mlflowOut['environment.json']!).python, reason: "python_env.yaml's Python 3.11.2, in the locked environment".replace('3.11.2', JSON.parse(mlflowOut['environment.json']!).python), environment: { lock: 'vendor/requirements.lock.txt', reused: false } });
    // Byte for byte what MLflow's run wrote: the training result, and the environment it ran in
    // (the same five distributions at the same versions, the same interpreter version).
    const outputs = new Map((res.outputs as Array<{ path: string; sha256: string }>).map((o) => [o.path, o.sha256]));
    for (const f of ['metrics.json', 'environment.json']) expect(outputs.get(`out/${f}`), f).toBe(createHash('sha256').update(mlflowOut[f]!).digest('hex'));
    expect(JSON.parse(mlflowOut['environment.json']!).distributions).toEqual(PROJECTS.map((p) => expect.stringMatching(new RegExp(`^${p}==`))));
  }, 240_000);
});

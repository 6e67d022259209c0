// One interpreter per rerun (issue 30): the Python the drift check describes is the one the entry
// point runs, in the sandbox and unconfined. The case that lied before: a project snapshotted
// with a virtual environment's python (mlflow installed) was checked against that interpreter,
// then run with the sandbox's python3 (Debian's, no mlflow): "0 breaking", then
// ModuleNotFoundError. And a snapshot whose Python is not on this machine: python3 on PATH,
// said loudly, and the version it differs by is drift.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ML_PYTHON, ML_REASON, SKIP_ML } from '../helpers/ml-python.js';
import { makeProject, tempDir } from '../helpers/project.js';
import { identityDigest } from '../../src/snapshot/identity.js';
import type { Snapshot } from '../../src/snapshot/snapshot.js';

const TRAIN = 'import sys\nimport mlflow\nprint("python", sys.executable, "mlflow", mlflow.__version__)\n';

describe.skipIf(SKIP_ML)(`the rerun's one interpreter${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  async function bundleOf(edit?: (s: Snapshot) => void) {
    const root = await makeProject({ 'train.py': TRAIN });
    const snap = await runCli(['snapshot', root, '--python', ML_PYTHON!, '--no-import']);
    expect(snap.code, snap.stderr).toBe(0);
    if (edit) {
      const file = path.join(root, 'repro.snapshot.json');
      const s = JSON.parse(await fs.readFile(file, 'utf8')) as Snapshot;
      edit(s);
      s.snapshotDigest = identityDigest(s.identity);
      await fs.writeFile(file, JSON.stringify(s, null, 2));
    }
    const built = await runCli(['build', root, '--json']);
    expect(built.code, built.stderr).toBe(0);
    return built.json().result.bundle as string;
  }

  it.each([['in the sandbox', []], ['unconfined (--no-sandbox)', ['--no-sandbox']]])('%s: the .py convention runs the snapshot\'s interpreter (a venv with mlflow), which the drift check described; run.json says which and why', async (_how, flags) => {
    const bundle = await bundleOf();
    // No --python and no --expose: exec finds the snapshot's interpreter and lets the sandbox read it.
    const run = await runCli(['exec', bundle, 'train.py', '--backend', 'local', ...flags, '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`python ${ML_PYTHON!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} mlflow 2\\.17\\.2`));
    const r = run.json().result;
    expect(r.interpreter).toMatchObject({ path: ML_PYTHON, chosenBy: 'snapshot', version: expect.stringMatching(/^3\.\d+\.\d+$/) });
    expect(r.machine.drift).toEqual({ breaking: 0, warning: 0, info: expect.any(Number) });
    expect(run.stderr).toContain(`exec: python ${ML_PYTHON}`);
  });

  it('a snapshot Python this machine does not have: python3 on PATH, said loudly, its version breaking drift that --strict refuses', async () => {
    const bundle = await bundleOf((s) => {
      s.identity.python!.version = '3.99.1';
      s.context.python!.executable = '/nonexistent/python3.99';
    });
    const cache = tempDir();
    const loose = await runCli(['exec', bundle, 'train.py', '--backend', 'local', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: cache, PATH: '/usr/bin:/bin' } });
    expect(loose.stderr).toMatch(/warning: exec: python \/usr\/bin\/python3 \(3\.\d+\.\d+\): no Python 3\.99 here \(searched PATH, pyenv, \/usr\/bin, \/usr\/local\/bin, uv's Pythons\): python3 on PATH is 3\.\d+\.\d+; the drift check below says what differs/);
    // Debian's python3 has no mlflow: the run fails, and the drift said why beforehand.
    expect(loose.code).not.toBe(0);
    expect(loose.stderr).toMatch(/breaking python {2}version: 3\.99\.1 -> 3\.\d+\.\d+/);
    const strict = await runCli(['exec', bundle, 'train.py', '--backend', 'local', '--strict', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: cache, PATH: '/usr/bin:/bin' } });
    expect(strict.code).toBe(5);
    expect(strict.json().error.details.changes).toContainEqual(expect.objectContaining({ section: 'python', field: 'version', a: '3.99.1', severity: 'breaking' }));
  });

  it('--python decides for both: the drift check and the run use the interpreter given', async () => {
    const bundle = await bundleOf();
    const run = await runCli(['exec', bundle, 'train.py', '--backend', 'local', '--python', '/usr/bin/python3', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    // Debian's python3 has no mlflow: the drift check, describing it, says the package is missing, and the run fails on it.
    expect(run.stderr).toMatch(/exec: python \/usr\/bin\/python3 \(3\.\d+\.\d+\): --python \/usr\/bin\/python3/);
    expect(run.stderr).toMatch(/drift against the bundle's snapshot: [1-9]\d* breaking/);
    expect(run.stderr).toMatch(/breaking python {2}packages\.\S+: \S+ -> \(none\) \(package missing\)/);
    expect(run.stderr).toContain("No module named 'mlflow'");
    expect(run.code).not.toBe(0);
  });
});

describe('--python-env: the version python_env.yaml names picks the interpreter (MLflow\'s virtualenv manager)', () => {
  const SYSTEM = '/usr/bin/python3';
  const systemVersion = async () => (await runCliPython(SYSTEM)).trim();
  async function runCliPython(py: string): Promise<string> {
    const { execFileSync } = await import('node:child_process');
    return execFileSync(py, ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' });
  }
  async function mlflowBundle(pythonEnv: string, mlproject = 'name: pe\npython_env: python_env.yaml\nentry_points:\n  main:\n    command: "python main.py"\n') {
    const root = await makeProject({ MLproject: mlproject, 'python_env.yaml': pythonEnv, 'main.py': 'import platform\nprint("ran", platform.python_version())\n' });
    const built = await runCli(['build', root, '--json']);
    expect(built.code, built.stderr).toBe(0);
    return built.json().result.bundle as string;
  }

  it('python_env.yaml names this machine\'s Python: the rerun runs it, and run.json says python_env.yaml chose it', async () => {
    const version = await systemVersion();
    const bundle = await mlflowBundle(`python: "${version}"\ndependencies: []\n`);
    const r = await runCli(['exec', bundle, '--backend', 'local', '--python-env', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toContain(`ran ${version}`);
    expect(r.json().result.interpreter).toMatchObject({ version, chosenBy: 'snapshot', reason: expect.stringContaining(`python_env.yaml's Python ${version}`) });
  });

  it('a version this machine lacks: said loudly, python3 on PATH runs', async () => {
    const bundle = await mlflowBundle('python: "3.2.99"\n');
    const r = await runCli(['exec', bundle, '--backend', 'local', '--python-env', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/warning: exec: python .*no Python 3\.2 here/);
    expect(r.json().result.interpreter.chosenBy).toBe('path');
  });

  it('no python_env.yaml: exit 3 with the hint; with --python: a usage error; nothing runs', async () => {
    const root = await makeProject({ 'main.py': 'print(1)\n' });
    const bundle = (await runCli(['build', root, '--json'])).json().result.bundle as string;
    const out = path.join(tempDir(), 'never');
    const none = await runCli(['exec', bundle, 'main.py', '--backend', 'local', '--python-env', '--out', out], { env: { REPRO_CACHE: tempDir() } });
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/the project has no python_env\.yaml/);
    const both = await runCli(['exec', bundle, 'main.py', '--backend', 'local', '--python-env', '--python', '/usr/bin/python3', '--out', out]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--python-env and --python both choose the interpreter');
  });

  it('attack: a manifest whose python_env points outside the project is refused (exit 4), the file never read', async () => {
    // repro build carries such a manifest (it reads no python_env without --vendor): exec must refuse it.
    const bundle = await mlflowBundle('python: "3.11.2"\n', 'name: pe\npython_env: ../../../../etc/passwd\nentry_points:\n  main:\n    command: "python main.py"\n');
    const r = await runCli(['exec', bundle, '--backend', 'local', '--python-env', '--out', path.join(tempDir(), 'r')], { env: { REPRO_CACHE: tempDir() } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/outside the project/);
  });
});

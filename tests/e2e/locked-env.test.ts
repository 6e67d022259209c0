// The locked environment a local rerun runs in (issue 30): a venv of the planned interpreter with
// exactly what the bundle's hashed lock pins, installed by pip --require-hashes inside bubblewrap
// from a loopback index of real wheels, cached by its digest, checked on each reuse, made once by
// concurrent execs, made again after a kill -9, refused when a wheel does not match its hash.
import { execFile, spawn } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { ML_REASON, SKIP_ML } from '../helpers/ml-python.js';
import { makeProject, tempDir } from '../helpers/project.js';
import { startWheelIndex, type WheelIndex } from '../helpers/wheel-index.js';
import { sqlparseProject, SYSTEM_PY } from '../helpers/python-project.js';

const run = promisify(execFile);

describe.skipIf(SKIP_ML)(`the locked environment${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  let index: WheelIndex;
  let sha: string;

  beforeAll(async () => {
    index = await startWheelIndex(['sqlparse']);
    sha = [...index.wheels.entries()].find(([f]) => f.startsWith('sqlparse-0.6.1-'))![1];
  });
  afterAll(async () => index?.close());

  /** The shared sqlparse project (tests/helpers/python-project.ts), built. */
  async function project(lockSha = sha) {
    const built = await runCli(['build', await sqlparseProject(index.url, lockSha), '--json']);
    expect(built.code, built.stderr).toBe(0);
    return built.json().result.bundle as string;
  }

  const exec = (bundle: string, cache: string, ...flags: string[]) => runCli(['exec', bundle, 'train.py', '--backend', 'local', '--out', path.join(tempDir(), 'r'), '--json', ...flags], { env: { REPRO_CACHE: cache } });

  it('is installed in the sandbox on first use, runs the entry point, is reused (checked) after; drift sees its packages; run.json names it', async () => {
    const bundle = await project();
    const cache = tempDir();
    const first = await exec(bundle, cache);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('sqlparse 0.6.1');
    expect(first.stderr).toMatch(/exec: installing the locked environment from requirements\.lock\.txt into .* \(1 wheels checked against the lock, fetched from the index; unpacked once into the store, compiled in the sandbox, linked\)/);
    expect(first.stderr).toContain('1 unpacked now, 0 from the store');
    const r = first.json().result;
    expect(r.interpreter.environment).toMatchObject({ digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), lock: 'requirements.lock.txt', reused: false });
    expect(r.interpreter.path).toBe(path.join(cache, 'envs', r.interpreter.environment.digest.slice(7), 'bin', 'python'));
    expect(r.machine.drift).toMatchObject({ breaking: 0 });
    const second = await exec(bundle, cache);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('installing the locked environment');
    expect(second.json().result.interpreter.environment).toMatchObject({ digest: r.interpreter.environment.digest, reused: true });
    // --environment host: the interpreter as it is (the project's venv), no locked environment.
    const host = await exec(bundle, cache, '--environment', 'host');
    expect(host.code, host.stderr).toBe(0);
    expect(host.json().result.interpreter.environment).toBeNull();
  });

  it('attack: a venv in the cache altered between runs is noticed and made again', async () => {
    const bundle = await project();
    const cache = tempDir();
    const first = await exec(bundle, cache);
    expect(first.code, first.stderr).toBe(0);
    const dir = path.dirname(path.dirname(first.json().result.interpreter.path));
    const site = path.join(dir, 'lib', readdirSync(path.join(dir, 'lib'))[0]!, 'site-packages');
    await fs.writeFile(path.join(site, 'sqlparse', '__init__.py'), 'raise SystemExit("planted")\n');
    const second = await exec(bundle, cache);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/the locked environment .* changed since it was made .*: made again/);
    // The file was a hard link into the wheel store: the store's entry is found changed too, and unpacked again from the wheel.
    expect(second.stderr).toContain('(1 unpacked now, 0 from the store)');
    expect(second.stderr).toContain('sqlparse 0.6.1');
  });

  it('attack: a venv changed after its stat digest was kept: the run started beside the check is stopped and discarded, and exec runs again in the environment made again', async () => {
    const bundle = await project();
    const cache = tempDir();
    const first = await exec(bundle, cache);
    expect(first.code, first.stderr).toBe(0);
    // A check trusts stats only of files older than 2 s: this reuse checks every hash and keeps the stat digest.
    await new Promise((r) => setTimeout(r, 2100));
    const second = await exec(bundle, cache);
    expect(second.code, second.stderr).toBe(0);
    expect(readdirSync(path.join(cache, 'envs')).filter((n) => n.endsWith('.stat'))).toHaveLength(1);
    const third = await exec(bundle, cache);
    expect(third.stderr).toContain('reused, its files checked as the run starts');
    // Planted: the package now hangs whoever imports it. Only the check can stop that run.
    const dir = path.dirname(path.dirname(first.json().result.interpreter.path));
    const site = path.join(dir, 'lib', readdirSync(path.join(dir, 'lib'))[0]!, 'site-packages');
    await fs.writeFile(path.join(site, 'sqlparse', '__init__.py'), 'import time\ntime.sleep(120)\n');
    const started = Date.now();
    const out = path.join(tempDir(), 'r');
    const fourth = await runCli(['exec', bundle, 'train.py', '--backend', 'local', '--out', out, '--json'], { env: { REPRO_CACHE: cache } });
    expect(fourth.code, fourth.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(fourth.stderr).toMatch(/the locked environment .* changed since it was made \(found while the run started\): the run was stopped and its outputs discarded; it runs again in the environment made again/);
    expect(fourth.stderr).toMatch(/the locked environment .* changed since it was made .*: made again/);
    const r = fourth.json().result;
    expect(r.interpreter.environment).toMatchObject({ reused: false });
    expect(r.runDir).toBe(out);
    expect(readFileSync(path.join(site, 'sqlparse', '__init__.py'), 'utf8')).not.toContain('time.sleep');
  });

  it('attack: a wheel whose bytes differ from the lock\'s hash is refused: nothing runs, nothing is kept', async () => {
    const bundle = await project('0'.repeat(64));
    const cache = tempDir();
    const r = await exec(bundle, cache);
    expect(r.code).toBe(4);
    expect(r.json().error.message).toMatch(/requirements\.lock\.txt: sqlparse: the file the index served does not match the lock \(expected sha256 0{64}, got [0-9a-f]{64}\): nothing was written/);
    expect(r.json().error.details.mismatches[0]).toMatchObject({ package: 'sqlparse', expected: ['0'.repeat(64)], got: sha });
    expect(r.stderr).not.toContain('sqlparse 0.6.1');
    expect(readdirSync(path.join(cache, 'envs')).filter((n) => !n.endsWith('.hashes'))).toEqual([]);
  });

  it('a cache under /dev/shm (hidden from the sandbox, which has its own /dev) is refused before anything is made, not run into exit 127', async () => {
    const bundle = await project();
    const cache = await fs.mkdtemp('/dev/shm/repro-test-');
    try {
      const r = await exec(bundle, cache);
      expect(r.code, r.stderr).toBe(3);
      expect(r.json().error).toMatchObject({ code: 'E_CONFIG', message: expect.stringMatching(/the locked environment would be made under \/dev\/shm\/.*, which the sandbox never shows a run .*: nothing was run/), hint: expect.stringContaining('REPRO_CACHE') });
      expect(existsSync(path.join(cache, 'envs'))).toBe(false);
      // --environment host needs no environment: it runs.
      const host = await exec(bundle, cache, '--environment', 'host');
      expect(host.code, host.stderr).toBe(0);
    } finally {
      await fs.rm(cache, { recursive: true, force: true });
    }
  });

  it('attack: a wheel whose .pth writes to the host runs only inside the sandbox: the install and the drift check start no Python of the environment on the host', async () => {
    const dir = tempDir();
    const marker = path.join(tempDir(), 'pwned');
    // A real wheel (zipfile) whose .pth runs at every interpreter start of the environment.
    const pth = `import os; os.makedirs(${JSON.stringify(path.dirname(marker))}, exist_ok=True); open(${JSON.stringify(marker)}, "w").write("ran")\n`;
    const build = `import base64, hashlib, sys, zipfile
files = {"evilpth.pth": sys.argv[2].encode(), "evilpth-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\\nName: evilpth\\nVersion: 1.0\\n", "evilpth-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
rec = "".join("%s,sha256=%s,%d\\n" % (n, base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode(), len(b)) for n, b in files.items()) + "evilpth-1.0.dist-info/RECORD,,\\n"
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for n, b in files.items(): z.writestr(n, b)
    z.writestr("evilpth-1.0.dist-info/RECORD", rec)
`;
    const wheel = path.join(dir, 'evilpth-1.0-py3-none-any.whl');
    await run(SYSTEM_PY, ['-c', build, wheel, pth]);
    const evil = await startWheelIndex(['sqlparse'], { extraWheels: [wheel] });
    try {
      const evilSha = [...evil.wheels.entries()].find(([f]) => f.startsWith('evilpth-'))![1];
      const root = await makeProject({ 'train.py': 'import os\nprint("marker seen in the sandbox:", os.path.exists(' + JSON.stringify(marker) + '))\n', 'requirements.lock.txt': `--index-url ${evil.url}\nevilpth==1.0 --hash=sha256:${evilSha}\n` });
      expect((await runCli(['snapshot', root, '--python', SYSTEM_PY, '--no-import'])).code).toBe(0);
      const bundle = (await runCli(['build', root, '--json'])).json().result.bundle as string;
      const r = await exec(bundle, tempDir());
      expect(r.code, r.stderr).toBe(0);
      // It ran, in the sandbox (its /tmp is the sandbox's own): the host never saw it.
      expect(r.stderr).toContain('marker seen in the sandbox: True');
      expect(existsSync(marker)).toBe(false);
    } finally {
      await evil.close();
    }
  });

  it('16 concurrent execs on a cold cache: one install, every run succeeds', async () => {
    const bundle = await project();
    const cache = tempDir();
    const runs = await Promise.all(Array.from({ length: 16 }, () => exec(bundle, cache)));
    for (const r of runs) expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(runs.filter((r) => r.stderr.includes('installing the locked environment'))).toHaveLength(1);
    expect(new Set(runs.map((r) => r.json().result.interpreter.environment.digest)).size).toBe(1);
  });

  it('kill -9 during the install leaves nothing a later exec trusts: it makes the environment again', async () => {
    const bundle = await project();
    const cache = tempDir();
    const child = spawn(process.execPath, [CLI, 'exec', bundle, 'train.py', '--backend', 'local', '--out', path.join(tempDir(), 'r')], { env: { ...process.env, REPRO_CACHE: cache }, stdio: 'ignore' });
    const envs = path.join(cache, 'envs');
    for (let i = 0; i < 500 && !(existsSync(envs) && readdirSync(envs).some((n) => n.endsWith('.lock'))); i++) await new Promise((r) => setTimeout(r, 10));
    expect(readdirSync(envs).some((n) => n.endsWith('.lock'))).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(readdirSync(envs).some((n) => n.endsWith('.json'))).toBe(false);
    const after = await exec(bundle, cache);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toContain('installing the locked environment');
    expect(after.json().result.interpreter.environment.reused).toBe(false);
  });
});

describe('a conda project', () => {
  it('is not materialised (no conda solver here): exec says so and runs in the interpreter as it is', async () => {
    const root = await makeProject({ MLproject: 'name: condaproj\nconda_env: conda.yaml\nentry_points:\n  main:\n    command: "echo ran"\n', 'conda.yaml': 'name: x\ndependencies:\n  - python=3.11\n  - numpy=1.26\n' });
    expect((await runCli(['snapshot', root, '--python', SYSTEM_PY, '--no-import'])).code).toBe(0);
    const built = await runCli(['build', root, '--json']);
    expect(built.code, built.stderr).toBe(0);
    const r = await runCli(['exec', built.json().result.bundle, 'main', '--backend', 'local', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("exec: the project's environment is a conda one (conda.yaml): repro does not solve or install conda environments, so the rerun uses the interpreter as it is");
    expect(r.json().result.interpreter.environment).toBeNull();
  });
});

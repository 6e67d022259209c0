// `--allow-build` (issue 30): a lock whose package has no wheel, only its sdist. build --vendor
// refuses it without the flag; with it, the sdist is fetched by its locked hash (never run on the
// host) and carried with the wheels of its build requirements (their hashes recorded, trust on
// first use); exec refuses the bundle without --allow-build, and with it builds the sdist in
// bubblewrap with no network, its build environment read-only, and reruns offline. The real case
// is docopt 0.6.2 (PyPI has only its sdist: a setup.py built by setuptools' legacy backend);
// the attacks are sdists of the tests' own whose in-tree build backend tries to reach the
// network, write on the host, change the build environment (store files other environments link
// to), or hand back a wheel of another package.
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DOCKER_BASE_IMAGE, DOCKER_REASON, SKIP_DOCKER } from '../helpers/docker.js';
import { ML_REASON, SKIP_ML } from '../helpers/ml-python.js';
import { tempDir } from '../helpers/project.js';
import { sqlparseProject } from '../helpers/python-project.js';
import { startWheelIndex, WHEELHOUSE, type WheelIndex } from '../helpers/wheel-index.js';

const DOCOPT = 'docopt-0.6.2.tar.gz';
const TRAIN = 'import docopt, sqlparse\nprint("docopt", docopt.__version__, "sqlparse", sqlparse.__version__)\n';
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A .tar.gz sdist of `name` 1.0 in a temp folder: the files given, under name-1.0/. */
async function craftSdist(name: string, files: Record<string, string>): Promise<string> {
  const dir = tempDir();
  const top = path.join(dir, `${name}-1.0`);
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(top, rel)), { recursive: true });
    await fs.writeFile(path.join(top, rel), text);
  }
  const file = path.join(dir, `${name}-1.0.tar.gz`);
  await tar.c({ gzip: true, file, cwd: dir, portable: true }, [`${name}-1.0`]);
  return file;
}

/** An in-tree build backend (backend-path) that tries what a hostile build would, writes what happened into the package it builds, then builds it with flit_core. */
function hostileBackend(hostMarker: string, indexPort: number): Record<string, string> {
  return {
    'pyproject.toml': '[build-system]\nrequires = ["flit_core>=3.2"]\nbuild-backend = "backend"\nbackend-path = ["_build"]\n\n[project]\nname = "evil"\nversion = "1.0"\ndescription = "tries things"\n',
    'evil/__init__.py': '"""evil"""\nfrom .tried import TRIED\n',
    '_build/backend.py': `import json, os, socket, sys
import flit_core, flit_core.buildapi as api

def attempt(what, fn):
    try:
        fn()
        return what + ": done"
    except Exception as e:
        return what + ": refused (" + type(e).__name__ + ")"

def _net():
    socket.create_connection(("127.0.0.1", ${indexPort}), timeout=2).close()

def _host():
    open(${JSON.stringify(hostMarker)}, "w").write("escaped")

def _store():
    target = os.path.join(os.path.dirname(flit_core.__file__), "__init__.py")
    open(target, "a").write("# changed by a build\\n")

get_requires_for_build_wheel = api.get_requires_for_build_wheel

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    tried = [attempt("network", _net), attempt("host file", _host), attempt("build environment", _store)]
    with open(os.path.join("evil", "tried.py"), "w") as f:
        f.write("TRIED = " + json.dumps(tried) + "\\n")
    return api.build_wheel(wheel_directory, config_settings, metadata_directory)
`,
  };
}

describe.skipIf(SKIP_ML)(`--allow-build: a locked sdist built in the sandbox${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  let index: WheelIndex;
  let sqlSha: string;
  afterAll(async () => index?.close());
  beforeAll(async () => {
    index = await startWheelIndex(['sqlparse', 'docopt', 'setuptools', 'flit-core']);
    sqlSha = [...index.wheels.entries()].find(([f]) => f.startsWith('sqlparse-0.6.1-'))![1];
  });

  it('docopt 0.6.2 (PyPI has only its sdist): build --vendor refuses it without --allow-build; with it, the bundle carries the sdist and setuptools; exec refuses it without --allow-build, builds it offline with it', async () => {
    const docoptSha = sha256(path.join(WHEELHOUSE, DOCOPT));
    const lock = `--index-url ${index.url}\ndocopt==0.6.2 --hash=sha256:${docoptSha}\nsqlparse==0.6.1 --hash=sha256:${sqlSha}\n`;
    const root = await sqlparseProject(index.url, sqlSha, { 'requirements.lock.txt': lock, 'train.py': TRAIN });
    const cache = tempDir();
    const out = path.join(tempDir(), 'out');
    const refused = await runCli(['build', root, '--vendor', '-o', out, '--json'], { env: { REPRO_CACHE: cache } });
    expect(refused.code).toBe(5);
    expect(refused.json().error.hint).toContain('docopt has no wheel');
    expect(refused.json().error.hint).toContain('--allow-build');
    expect(existsSync(out)).toBe(false);

    const built = await runCli(['build', root, '--vendor', '--allow-build', '--compression', 'none', '-o', out, '--json'], { env: { REPRO_CACHE: cache } });
    expect(built.code, built.stderr.slice(-2000)).toBe(0);
    const v = built.json().result.vendor;
    expect(v.wheels.map((w: { package: string }) => w.package)).toEqual(['sqlparse']);
    expect(v.sdists).toEqual([{ file: DOCOPT, sha256: docoptSha, size: readFileSync(path.join(WHEELHOUSE, DOCOPT)).length, package: 'docopt', backend: 'setuptools.build_meta:__legacy__', buildWheels: ['setuptools-84.2.1-py3-none-any.whl'] }]);
    expect(v.buildWheels).toEqual([{ file: 'setuptools-84.2.1-py3-none-any.whl', sha256: index.wheels.get('setuptools-84.2.1-py3-none-any.whl') }]);
    expect(built.stderr).toContain('its locked sdist docopt-0.6.2.tar.gz is carried, to be built at exec in the sandbox with no network (--allow-build)');
    const bytes = readFileSync(built.json().result.bundle as string);
    for (const entry of ['vendor/python/docopt-0.6.2.tar.gz', 'vendor/python-build/setuptools-84.2.1-py3-none-any.whl', 'vendor/python-build.json']) expect(bytes.includes(Buffer.from(entry)), entry).toBe(true);
    // Byte-identical from an empty cache.
    const again = await runCli(['build', root, '--vendor', '--allow-build', '--compression', 'none', '-o', path.join(tempDir(), 'again'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(again.json().result.fileDigest).toBe(built.json().result.fileDigest);

    await index.close();
    const bundle = built.json().result.bundle as string;
    const no = await runCli(['exec', bundle, 'train.py', '--backend', 'local', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(no.code).toBe(3);
    expect(no.json().error.message).toContain('carries the sdist docopt-0.6.2.tar.gz');
    expect(no.json().error.hint).toContain('--allow-build');
    expect(no.stderr).not.toContain('docopt 0.6.2 sqlparse');

    const ran = await runCli(['exec', bundle, 'train.py', '--backend', 'local', '--allow-build', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(ran.code, ran.stderr.slice(-3000)).toBe(0);
    expect(ran.stderr).toContain('building docopt-0.6.2.tar.gz with setuptools.build_meta:__legacy__ in the sandbox (no network, its build environment read-only: setuptools-84.2.1-py3-none-any.whl)');
    expect(ran.stderr).toContain('(1 wheels checked against the lock, 1 built from its sdists, from the bundle\'s vendored wheels, no network');
    expect(ran.stderr).toContain('docopt 0.6.2 sqlparse 0.6.1');
  }, 240_000);

  it('attack: an sdist whose build backend reaches for the network, a host file and its build environment gets none of them; the store is unchanged', async () => {
    const hostMarker = path.join(tempDir(), 'escaped-from-build');
    const sdist = await craftSdist('evil', hostileBackend(hostMarker, Number(new URL(index.url).port)));
    const own = await startWheelIndex(['sqlparse', 'flit-core'], { extraWheels: [sdist] });
    try {
      const lock = `--index-url ${own.url}\nevil==1.0 --hash=sha256:${sha256(sdist)}\nsqlparse==0.6.1 --hash=sha256:${sqlSha}\n`;
      const root = await sqlparseProject(own.url, sqlSha, { 'requirements.lock.txt': lock, 'train.py': 'import evil\nprint("\\n".join(evil.TRIED))\n' });
      const cache = tempDir();
      const built = await runCli(['build', root, '--vendor', '--allow-build', '--json'], { env: { REPRO_CACHE: cache } });
      expect(built.code, built.stderr.slice(-2000)).toBe(0);
      expect(built.json().result.vendor.sdists).toMatchObject([{ package: 'evil', backend: 'backend', buildWheels: ['flit_core-4.2.0-py3-none-any.whl'] }]);
      // The index still answers on the host: only the sandbox keeps the build from it.
      const execCache = tempDir();
      const ran = await runCli(['exec', built.json().result.bundle, 'train.py', '--backend', 'local', '--allow-build', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: execCache } });
      expect(ran.code, ran.stderr.slice(-3000)).toBe(0);
      expect(ran.stderr).toMatch(/network: refused \((ConnectionRefusedError|OSError)\)/);
      expect(ran.stderr).toMatch(/host file: refused \(\w+\)/);
      expect(ran.stderr).toMatch(/build environment: refused \(\w+\)/);
      expect(existsSync(hostMarker)).toBe(false);
      const store = path.join(execCache, 'pystore');
      const flit = (await fs.readdir(store)).filter((d) => d.startsWith(index.wheels.get('flit_core-4.2.0-py3-none-any.whl')!));
      expect(flit).toHaveLength(1);
      expect(readFileSync(path.join(store, flit[0]!, 'files', 'flit_core', '__init__.py'), 'utf8')).not.toContain('changed by a build');
    } finally {
      await own.close();
    }
  }, 240_000);

  it('attack: an sdist whose build hands back a wheel of another package is refused (exit 4), nothing installed or run', async () => {
    const sdist = await craftSdist('liar', {
      'pyproject.toml': '[build-system]\nrequires = ["flit_core>=3.2"]\nbuild-backend = "backend"\nbackend-path = ["_build"]\n\n[project]\nname = "liar"\nversion = "1.0"\ndescription = "lies"\n',
      'liar/__init__.py': '"""liar"""\n',
      '_build/backend.py': 'import os\nimport flit_core.buildapi as api\nget_requires_for_build_wheel = api.get_requires_for_build_wheel\ndef build_wheel(d, c=None, m=None):\n    name = api.build_wheel(d, c, m)\n    os.rename(os.path.join(d, name), os.path.join(d, "sqlparse-9.9-py3-none-any.whl"))\n    return "sqlparse-9.9-py3-none-any.whl"\n',
    });
    const own = await startWheelIndex(['sqlparse', 'flit-core'], { extraWheels: [sdist] });
    let bundle: string;
    try {
      const lock = `--index-url ${own.url}\nliar==1.0 --hash=sha256:${sha256(sdist)}\nsqlparse==0.6.1 --hash=sha256:${sqlSha}\n`;
      const root = await sqlparseProject(own.url, sqlSha, { 'requirements.lock.txt': lock });
      const built = await runCli(['build', root, '--vendor', '--allow-build', '--json'], { env: { REPRO_CACHE: tempDir() } });
      expect(built.code, built.stderr.slice(-2000)).toBe(0);
      bundle = built.json().result.bundle as string;
    } finally {
      await own.close();
    }
    const cache = tempDir();
    const ran = await runCli(['exec', bundle, 'train.py', '--backend', 'local', '--allow-build', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: cache } });
    expect(ran.code).toBe(4);
    expect(ran.json().error.message).toContain('liar-1.0.tar.gz\'s build made "sqlparse-9.9-py3-none-any.whl", which is not a wheel of liar 1.0');
    expect(ran.stderr).not.toContain('sqlparse 0.6.1');
    // Nothing left that a later exec would trust: no environment, no build folder.
    expect((await fs.readdir(path.join(cache, 'envs')).catch(() => [] as string[])).filter((e) => !e.endsWith('.lock'))).toEqual([]);
  }, 240_000);

  it('the image builds the sdist with no network from the bundle alone: exec --backend docker --allow-build with the index stopped (refused without the flag)', async () => {
    if (!DOCKER_BASE_IMAGE) {
      if (SKIP_DOCKER) return expect(DOCKER_REASON).toBeTruthy();
      throw new Error(`CI has no Docker test environment: ${DOCKER_REASON}`);
    }
    const own = await startWheelIndex(['sqlparse', 'docopt', 'setuptools']);
    let bundle: string;
    try {
      const lock = `--index-url ${own.url}\ndocopt==0.6.2 --hash=sha256:${sha256(path.join(WHEELHOUSE, DOCOPT))}\nsqlparse==0.6.1 --hash=sha256:${sqlSha}\n`;
      const root = await sqlparseProject(own.url, sqlSha, { 'requirements.lock.txt': lock, 'train.py': TRAIN, 'repro.yaml': 'name: docopt-demo\nversion: 0.1.0\nentry_points:\n  main:\n    command: python3 train.py\n' });
      const built = await runCli(['build', root, '--vendor', '--allow-build', '--base-image', DOCKER_BASE_IMAGE, '--json'], { env: { REPRO_CACHE: tempDir() } });
      expect(built.code, built.stderr.slice(-2000)).toBe(0);
      expect(built.json().result.dockerfile.notes.join('\n')).toContain("the lock's sdists are built by pip in the image, with no network, from the build wheels of /vendor/python-build");
      bundle = built.json().result.bundle as string;
    } finally {
      await own.close();
    }
    const no = await runCli(['exec', bundle, 'main', '--backend', 'docker', '--out', path.join(tempDir(), 'n'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(no.code).toBe(3);
    expect(no.json().error.hint).toContain('--allow-build');
    const ran = await runCli(['exec', bundle, 'main', '--backend', 'docker', '--allow-build', '--out', path.join(tempDir(), 'run'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(ran.code, ran.stderr.slice(-3000)).toBe(0);
    expect(ran.stderr).toContain('docopt 0.6.2 sqlparse 0.6.1');
  }, 600_000);
});

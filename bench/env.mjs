// BENCH_ONLY=env npm run bench: the locked environment (issue 30) against the tools users would
// pick instead, in the same run, on the same wheels: the pinned ML tools' 41 wheels (numpy,
// matplotlib, mlflow-skinny, ... from .cache/wheelhouse, scripts/ml-venv.sh), served by
// `python3 -m http.server` on 127.0.0.1 as a --find-links page, locked by hash.
//   - build --vendor of a project with that lock  vs  pip download --require-hashes of the lock;
//   - the cold locked environment (exec from the vendored bundle, empty env cache)  vs
//     uv pip install --offline --no-deps and pip install --no-index --no-deps into a fresh venv;
//   - a warm exec (the environment reused, its files checked)  vs  the same exec with
//     --environment host: what the locked environment costs once made.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(argv, env) {
  const t = process.hrtime.bigint();
  execFileSync(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  return Number(process.hrtime.bigint() - t) / 1e9;
}

export async function runEnvBench({ work, node, cli, root, runs = 3, base: baseCli = process.env.BENCH_BASE_CLI, baseName = process.env.BENCH_BASE_NAME ?? 'baseline' }) {
  const wheels = path.join(root, '.cache', 'wheelhouse');
  const venvPython = path.join(root, '.cache', 'venvs', 'ml', 'bin', 'python');
  const uv = path.join(root, '.cache', 'venvs', 'ml', 'bin', 'uv');
  const base = '/usr/bin/python3';
  const dir = path.join(work, 'env');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = readdirSync(wheels).filter((f) => f.endsWith('.whl')).sort();
  // Its request log goes nowhere: a pipe nobody reads would fill and stop the server.
  const server = spawn(base, ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '0', '--directory', wheels], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise((resolve, reject) => {
    server.stdout.on('data', (d) => {
      const m = /port (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    }); // read to the end, so the pipe never fills
    server.on('exit', () => reject(new Error('http.server exited')));
  });
  try {
    const links = `http://127.0.0.1:${port}/`;
    const lock = [`--no-index`, `--find-links ${links}`];
    for (const f of files) {
      const [name, version] = f.split('-');
      lock.push(`${name.toLowerCase().replace(/[-_.]+/g, '-')}==${version} --hash=sha256:${createHash('sha256').update(readFileSync(path.join(wheels, f))).digest('hex')}`);
    }
    const project = path.join(dir, 'project');
    mkdirSync(project, { recursive: true });
    writeFileSync(path.join(project, 'requirements.lock.txt'), `${lock.join('\n')}\n`);
    writeFileSync(path.join(project, 'pyproject.toml'), '[project]\nname = "env-bench"\nversion = "0.1.0"\n');
    writeFileSync(path.join(project, 'main.py'), 'import numpy, matplotlib, mlflow\nprint("ok")\n');
    const env = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_CACHE_DIR: '1', UV_NO_CONFIG: '1' };
    execFileSync(node, [cli, 'snapshot', project, '--python', venvPython, '--no-import'], { env, stdio: 'ignore' });
    const rows = [];
    const add = (label, secs) => rows.push({ label, secs });
    // build --vendor against pip download of the same lock (each from an empty wheel store / folder)
    const vendor = [];
    const download = [];
    let bundle = '';
    for (let i = 0; i < runs; i++) {
      const cache = path.join(dir, `cache-${i}`);
      const dl = path.join(dir, `dl-${i}`);
      download.push(timed([base, '-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '--require-hashes', '-r', path.join(project, 'requirements.lock.txt'), '-d', dl], env));
      vendor.push(timed([node, cli, 'build', project, '--vendor', '--no-lock', '-o', path.join(dir, `out-${i}`), '--no-progress'], { ...env, REPRO_CACHE: cache }));
      bundle = path.join(dir, `out-${i}`, readdirSync(path.join(dir, `out-${i}`))[0]);
      rmSync(dl, { recursive: true, force: true });
    }
    add(`pip download --require-hashes --no-deps of the lock (${files.length} wheels)`, median(download));
    add('repro build --vendor (the wheels fetched by repro where it is sure to pick pip\'s, else by pip; checks; the bundle written, zstd)', median(vendor));
    // cold environment: exec from the vendored bundle with an empty env cache, against the installers alone
    const cold = [];
    const uvTimes = [];
    const pipTimes = [];
    const uvCompile = [];
    const uvWarm = [];
    const coldBase = [];
    const uvFirstRun = [];
    for (let i = 0; i < runs; i++) {
      const cache = path.join(dir, `exec-${i}`);
      // The bundle verified and extracted first (an exec in the snapshot's venv), so the timed exec's
      // extra cost over a warm one is the environment alone: venv, checks, unpack, compile, links.
      execFileSync(node, [cli, 'exec', bundle, 'main.py', '--backend', 'local', '--environment', 'host', '--out', path.join(dir, `pre-${i}`)], { env: { ...env, REPRO_CACHE: cache }, stdio: 'ignore' });
      cold.push(timed([node, cli, 'exec', bundle, 'main.py', '--backend', 'local', '--out', path.join(dir, `run-${i}`)], { ...env, REPRO_CACHE: cache }));
      if (baseCli) {
        // The baseline's cold exec, in a cache of its own, the same rounds.
        const bcache = path.join(dir, `exec-base-${i}`);
        execFileSync(node, [baseCli, 'exec', bundle, 'main.py', '--backend', 'local', '--environment', 'host', '--out', path.join(dir, `pre-base-${i}`)], { env: { ...env, REPRO_CACHE: bcache }, stdio: 'ignore' });
        coldBase.push(timed([node, baseCli, 'exec', bundle, 'main.py', '--backend', 'local', '--out', path.join(dir, `run-base-${i}`)], { ...env, REPRO_CACHE: bcache }));
        rmSync(bcache, { recursive: true, force: true });
      }
      const v1 = path.join(dir, `uv-venv-${i}`);
      execFileSync(base, ['-m', 'venv', '--without-pip', v1]);
      uvTimes.push(timed([uv, 'pip', 'install', '--quiet', '--offline', '--no-deps', '--no-index', '--find-links', wheels, '--python', path.join(v1, 'bin', 'python'), '--cache-dir', path.join(dir, `uv-cache-${i}`), ...files.map((f) => path.join(wheels, f))], env));
      // What uv leaves for later: the first run in its venv compiles (and writes) the bytecode of what it imports.
      uvFirstRun.push(timed([path.join(v1, 'bin', 'python'), path.join(project, 'main.py')], env));
      const v3 = path.join(dir, `uvc-venv-${i}`);
      execFileSync(base, ['-m', 'venv', '--without-pip', v3]);
      uvCompile.push(timed([uv, 'pip', 'install', '--quiet', '--offline', '--no-deps', '--no-index', '--compile-bytecode', '--find-links', wheels, '--python', path.join(v3, 'bin', 'python'), '--cache-dir', path.join(dir, `uvc-cache-${i}`), ...files.map((f) => path.join(wheels, f))], env));
      const v4 = path.join(dir, `uvw-venv-${i}`);
      execFileSync(base, ['-m', 'venv', '--without-pip', v4]);
      uvWarm.push(timed([uv, 'pip', 'install', '--quiet', '--offline', '--no-deps', '--no-index', '--find-links', wheels, '--python', path.join(v4, 'bin', 'python'), '--cache-dir', path.join(dir, `uv-cache-${i}`), ...files.map((f) => path.join(wheels, f))], env));
      const v2 = path.join(dir, `pip-venv-${i}`);
      execFileSync(base, ['-m', 'venv', '--without-pip', v2]);
      pipTimes.push(timed([base, '-m', 'pip', '--python', path.join(v2, 'bin', 'python'), 'install', '--quiet', '--no-index', '--no-deps', ...files.map((f) => path.join(wheels, f))], env));
    }
    add('uv pip install --offline --no-deps (fresh venv, cold uv cache)', median(uvTimes));
    add('uv pip install --offline --no-deps --compile-bytecode (fresh venv, cold uv cache)', median(uvCompile));
    add('uv pip install --offline --no-deps (fresh venv, warm uv cache)', median(uvWarm));
    add('pip install --no-index --no-deps (fresh venv)', median(pipTimes));
    add('repro exec, cold environment (bundle extracted, empty store): the locked environment made from the vendored wheels, bytecode compiled, run', median(cold));
    if (baseCli) add(`repro exec, cold environment, with ${baseName}`, median(coldBase));
    add('the first run of main.py in the venv uv made (it compiles and writes the bytecode of what it imports)', median(uvFirstRun));
    // warm: the environment reused (its files checked) against --environment host
    const warm = [];
    const host = [];
    const cache = path.join(dir, 'exec-0');
    // The first reuse more than 2 s after the make checks every file's hash and keeps the tree's
    // stat digest (a file changed within 2 s of a check is not trusted by its stat); it is timed
    // apart, and the warm rows are the reuses after it.
    await new Promise((r) => setTimeout(r, 2100));
    const firstReuse = timed([node, cli, 'exec', bundle, 'main.py', '--backend', 'local', '--out', path.join(dir, 'warm-first')], { ...env, REPRO_CACHE: cache });
    const warmBase = [];
    for (let i = 0; i < runs; i++) {
      warm.push(timed([node, cli, 'exec', bundle, 'main.py', '--backend', 'local', '--out', path.join(dir, `warm-${i}`)], { ...env, REPRO_CACHE: cache }));
      host.push(timed([node, cli, 'exec', bundle, 'main.py', '--backend', 'local', '--environment', 'host', '--out', path.join(dir, `host-${i}`)], { ...env, REPRO_CACHE: cache }));
      // The baseline's warm exec, same cache, same rounds.
      if (baseCli) warmBase.push(timed([node, baseCli, 'exec', bundle, 'main.py', '--backend', 'local', '--out', path.join(dir, `warm-base-${i}`)], { ...env, REPRO_CACHE: cache }));
    }
    add('repro exec, warm, the first reuse (every file\'s hash checked, the stat digest kept)', firstReuse);
    add('repro exec, warm: the locked environment reused (every file\'s stat checked against the kept digest)', median(warm));
    add('repro exec --environment host (the same run in the snapshot venv)', median(host));
    if (baseCli) add(`repro exec, warm, with ${baseName}`, median(warmBase));
    // A second project sharing all but one wheel: its environment comes from the warm store (links
    // only), and numpy's files are one copy for both environments and the store.
    const project2 = path.join(dir, 'project2');
    mkdirSync(project2, { recursive: true });
    for (const f of ['pyproject.toml', 'main.py']) writeFileSync(path.join(project2, f), readFileSync(path.join(project, f)));
    writeFileSync(path.join(project2, 'requirements.lock.txt'), `${lock.filter((l) => !l.startsWith('pip==')).join('\n')}\n`);
    execFileSync(node, [cli, 'snapshot', project2, '--python', venvPython, '--no-import'], { env, stdio: 'ignore' });
    const shared = [];
    for (let i = 0; i < runs; i++) {
      const cache = path.join(dir, `exec-${i}`);
      execFileSync(node, [cli, 'build', project2, '--vendor', '--no-lock', '-o', path.join(dir, `out2-${i}`), '--no-progress'], { env: { ...env, REPRO_CACHE: cache }, stdio: 'ignore' });
      const bundle2 = path.join(dir, `out2-${i}`, readdirSync(path.join(dir, `out2-${i}`))[0]);
      execFileSync(node, [cli, 'exec', bundle2, 'main.py', '--backend', 'local', '--environment', 'host', '--out', path.join(dir, `pre2-${i}`)], { env: { ...env, REPRO_CACHE: cache }, stdio: 'ignore' });
      shared.push(timed([node, cli, 'exec', bundle2, 'main.py', '--backend', 'local', '--out', path.join(dir, `run2-${i}`)], { ...env, REPRO_CACHE: cache }));
    }
    add(`repro exec of a second project sharing ${files.length - 1} of the ${files.length} wheels (its bundle already extracted): its environment from the warm store`, median(shared));
    // The first project again, now that a second environment has linked the same store files.
    const after = [];
    for (let i = 0; i < runs; i++) after.push(timed([node, cli, 'exec', bundle, 'main.py', '--backend', 'local', '--out', path.join(dir, `after-${i}`)], { ...env, REPRO_CACHE: path.join(dir, 'exec-0') }));
    add('repro exec, warm, after a second environment linked the same store files', median(after));
    const envsDir = path.join(dir, 'exec-0', 'envs');
    const numpySo = [];
    const findSo = (d) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) findSo(p);
        else if (/_multiarray_umath.*\.so$/.test(e.name)) numpySo.push(p);
      }
    };
    findSo(envsDir);
    const nlinks = numpySo.map((p) => statSync(p).nlink);
    const inodes = new Set(numpySo.map((p) => statSync(p).ino));
    const r = Object.fromEntries(rows.map((x) => [x.label, x.secs]));
    const install = median(cold) - median(warm);
    const checks = [
      ['build --vendor within 1.3x of pip download --require-hashes', `${(median(vendor) / median(download)).toFixed(2)}x`, median(vendor) <= 1.3 * median(download)],
      ['cold materialisation (cold exec - warm exec) within 1.5x of uv pip install --offline', `${(install / median(uvTimes)).toFixed(2)}x (${install.toFixed(2)} s)`, install <= 1.5 * median(uvTimes)],
      ['cold materialisation faster than pip install --no-index', `${install.toFixed(2)} s vs ${median(pipTimes).toFixed(2)} s`, install < median(pipTimes)],
      ['cold materialisation (bytecode included) within 1.5x of uv pip install --offline --compile-bytecode', `${(install / median(uvCompile)).toFixed(2)}x (${install.toFixed(2)} s vs ${median(uvCompile).toFixed(2)} s)`, install <= 1.5 * median(uvCompile)],
      ['an environment from the warm store (second project exec - warm exec) within 1.5x of uv with a warm cache', `${((median(shared) - median(warm)) / median(uvWarm)).toFixed(2)}x (${(median(shared) - median(warm)).toFixed(2)} s vs ${median(uvWarm).toFixed(2)} s)`, median(shared) - median(warm) <= 1.5 * median(uvWarm)],
      ["ten environments sharing numpy hold one copy (numpy's core .so in both environments: one inode)", `${numpySo.length} paths, ${inodes.size} inode, ${Math.min(...nlinks)} links`, numpySo.length >= 2 && inodes.size === 1],
      ['warm exec after another environment shares its files: < 150 ms over --environment host', `${((median(after) - median(host)) * 1000).toFixed(0)} ms`, median(after) - median(host) < 0.15],
      ['warm exec: the locked environment adds < 150 ms over --environment host', `${((median(warm) - median(host)) * 1000).toFixed(0)} ms`, median(warm) - median(host) < 0.15],
      ...(baseCli ? [[`what the locked environment adds to a warm exec, now vs ${baseName}`, `${((median(warmBase) - median(host)) * 1000).toFixed(0)} ms -> ${((median(warm) - median(host)) * 1000).toFixed(0)} ms`, median(warm) <= median(warmBase)]] : []),
    ];
    void r;
    return { rows, checks, wheels: files.length, bytes: files.reduce((n, f) => n + readFileSync(path.join(wheels, f)).length, 0) };
  } finally {
    server.kill();
  }
}

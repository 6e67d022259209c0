// Snapshot benchmarks, in the same run as their references:
// 1. `repro snapshot` of a project with a 1,500-package package-lock.json and a Python with
//    ~100 distributions, vs `pip freeze` + `npm ls --all --json` run one after the other.
// 2. Data hashing: `repro snapshot --data` over the corpus's 256 MB (cold cache) vs sha256sum.
// 3. Re-snapshot of 10,000 unchanged files through the hash cache.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function time(label, cmd, args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${label} failed (${r.status}): ${r.stderr}`);
  return { label, secs, stdout: r.stdout };
}

function median(label, n, fn) {
  const runs = Array.from({ length: n }, fn).sort((a, b) => a.secs - b.secs);
  return { ...runs[Math.floor(n / 2)], label };
}

/** A project whose package-lock.json has `n` packages, installed as a node_modules tree. */
function makeNpmProject(dir, n) {
  if (existsSync(path.join(dir, '.done'))) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const deps = {};
  const packages = { '': { name: 'bench-app', version: '1.0.0', dependencies: deps } };
  for (let i = 0; i < n; i++) {
    const name = `pkg-${String(i).padStart(4, '0')}`;
    const version = `1.${i % 20}.${i % 7}`;
    deps[name] = version;
    const integrity = `sha512-${Buffer.from(`${name}@${version}`.padEnd(64, '.')).toString('base64')}`;
    packages[`node_modules/${name}`] = { version, resolved: `https://registry.npmjs.org/${name}/-/${name}-${version}.tgz`, integrity };
    mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
    writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version, _resolved: packages[`node_modules/${name}`].resolved, _integrity: integrity }));
  }
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'bench-app', version: '1.0.0', dependencies: deps }, null, 2));
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ name: 'bench-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  writeFileSync(path.join(dir, 'node_modules', '.package-lock.json'), JSON.stringify({ name: 'bench-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  writeFileSync(path.join(dir, '.done'), '');
}

function makeSmallFiles(dir, n) {
  if (existsSync(path.join(dir, '.done'))) return;
  rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, `d${String(i % 100).padStart(2, '0')}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, `f${i}.txt`), `file ${i}\n`.repeat(1 + (i % 50)));
  }
  const old = new Date(Date.now() - 3600_000);
  for (let i = 0; i < n; i++) utimesSync(path.join(dir, `d${String(i % 100).padStart(2, '0')}`, `f${i}.txt`), old, old);
  writeFileSync(path.join(dir, '.done'), '');
}

export function runSnapshotBench({ work, node, cli, corpus }) {
  const py = execFileSync('bash', ['-c', 'command -v python3']).toString().trim();
  const nPy = Object.keys(JSON.parse(execFileSync(py, [path.join(path.dirname(cli), '..', '..', 'templates', 'python-probe.py')]).toString()).packages).length;
  const proj = path.join(work, 'npm-1500');
  makeNpmProject(proj, 1500);
  const npmCli = execFileSync('bash', ['-c', 'command -v npm']).toString().trim();
  const rows = [];
  const snap = median('repro snapshot (1,500 npm packages + Python)', 5, () =>
    time('snapshot', node, [cli, 'snapshot', proj, '--python', py, '--no-import', '-o', path.join(work, 'snap.json'), '--no-progress']),
  );
  const doc = JSON.parse(readFileSync(path.join(work, 'snap.json'), 'utf8'));
  const npmCount = doc.identity.lockfiles.find((l) => l.path === 'package-lock.json')?.packageCount;
  const ref = median('pip freeze + npm ls --all --json', 5, () => {
    const a = time('pip freeze', py, ['-m', 'pip', 'freeze']);
    const b = time('npm ls', npmCli, ['ls', '--all', '--json'], { cwd: proj, allowFail: true });
    return { secs: a.secs + b.secs };
  });
  rows.push(snap, ref);

  const dataDir = path.join(corpus, 'data');
  rmSync(path.join(dataDir, '.repro'), { recursive: true, force: true });
  const dataRun = median('repro snapshot --data (256 MB, cold cache)', 3, () => {
    rmSync(path.join(work, 'dataproj', '.repro'), { recursive: true, force: true });
    mkdirSync(path.join(work, 'dataproj'), { recursive: true });
    const r = time('data', node, [cli, 'snapshot', path.join(work, 'dataproj'), '--data', dataDir, '--no-import', '--python', py, '-o', path.join(work, 'data.json'), '--no-progress']);
    const ms = JSON.parse(readFileSync(path.join(work, 'data.json'), 'utf8')).context.probes.data.durationMs;
    return { ...r, secs: ms / 1000 };
  });
  const shaRun = median('sha256sum (same files)', 3, () => time('sha256sum', 'bash', ['-c', `sha256sum '${dataDir}'/*`]));
  rows.push(dataRun, shaRun);

  const small = path.join(work, 'small-10k');
  makeSmallFiles(small, 10_000);
  const smallProj = path.join(work, 'smallproj');
  mkdirSync(smallProj, { recursive: true });
  rmSync(path.join(smallProj, '.repro'), { recursive: true, force: true });
  time('prime', node, [cli, 'snapshot', smallProj, '--data', small, '--no-import', '--python', py, '-o', path.join(work, 'small.json'), '--no-progress']);
  const again = median('re-snapshot of 10,000 unchanged files (data probe)', 5, () => {
    time('again', node, [cli, 'snapshot', smallProj, '--data', small, '--no-import', '--python', py, '-o', path.join(work, 'small.json'), '--no-progress']);
    return { secs: JSON.parse(readFileSync(path.join(work, 'small.json'), 'utf8')).context.probes.data.durationMs / 1000 };
  });
  rows.push(again);
  const MB = 256 + 1; // two 128 MiB files
  const checks = [
    [`snapshot (${npmCount} npm packages, ${nPy} Python distributions) under 1 s`, `${snap.secs.toFixed(2)} s`, snap.secs < 1],
    ['snapshot faster than pip freeze + npm ls --all --json', `${(ref.secs / snap.secs).toFixed(1)}x`, snap.secs < ref.secs],
    ['data hashing >= 1.5x the throughput of sha256sum', `${(shaRun.secs / dataRun.secs).toFixed(1)}x (${(MB / dataRun.secs).toFixed(0)} vs ${(MB / shaRun.secs).toFixed(0)} MB/s)`, shaRun.secs / dataRun.secs >= 1.5],
    ['re-snapshot of 10,000 unchanged files under 0.3 s', `${again.secs.toFixed(3)} s`, again.secs < 0.3],
  ];
  return { rows, checks };
}

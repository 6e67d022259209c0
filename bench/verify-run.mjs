// BENCH_ONLY=verify npm run bench: exec --verify's cost (issue 31). repro's overhead per extra run
// is measured as (wall of --verify --runs 12 - wall of --verify --runs 2) / 10 on a deterministic
// project (no bisection: each extra run is one varied run), minus the entry point's own time
// (the same python3 script run bare, interleaved); the bisection's reruns are counted on a project
// that one variation changes.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function wall(cmd, args, env) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  return { secs, r };
}

function project(dir, script) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'repro.yaml'), 'name: v\nversion: 1.0.0\nentry_points:\n  main:\n    command: python3 main.py\noutputs: [out]\n');
  writeFileSync(path.join(dir, 'main.py'), script);
}

export function runVerifyBench({ work, node, cli, runs = 3 }) {
  const dir = path.join(work, 'verify');
  const cache = path.join(dir, 'cache');
  const env = { REPRO_CACHE: cache };
  rmSync(dir, { recursive: true, force: true });
  const script = 'import os\nos.makedirs("out", exist_ok=True)\nopen("out/x.txt", "w").write(",".join(sorted({"a", "b", "c"})))\n';
  project(path.join(dir, 'p'), script);
  execFileSync(node, [cli, 'build', path.join(dir, 'p'), '-o', path.join(dir, 'b'), '--no-lock', '--no-progress'], { env: { ...process.env, ...env } });
  const bundle = path.join(dir, 'b', readdirSync(path.join(dir, 'b')).find((f) => f.endsWith('.repro.tar.zst')));
  let n = 0;
  const verify = (k) => {
    const { secs, r } = wall(node, [cli, 'exec', bundle, '--backend', 'local', '--verify', '--runs', String(k), '--out', path.join(dir, `v${n++}`), '--json'], env);
    if (r.status !== 0) throw new Error(`exec --verify failed (exit ${r.status}): ${r.stderr.slice(-2000)} ${r.stdout.slice(-3000)}`);
    return secs;
  };
  verify(2); // extracts the bundle into the cache
  const two = [];
  const twelve = [];
  mkdirSync(path.join(dir, 'bare'), { recursive: true });
  writeFileSync(path.join(dir, 'bare', 'main.py'), script);
  // The bare run in its own folder (it writes out/x.txt there), interleaved with repro's.
  const bareRuns = [];
  const bareOnce = () => {
    const t = process.hrtime.bigint();
    spawnSync('/usr/bin/python3', ['main.py'], { cwd: path.join(dir, 'bare') });
    bareRuns.push(Number(process.hrtime.bigint() - t) / 1e9);
  };
  for (let i = 0; i < runs; i++) {
    two.push(verify(2));
    bareOnce();
    twelve.push(verify(12));
    bareOnce();
    bareOnce();
  }
  const perExtra = (median(twelve) - median(two)) / 10;
  const own = median(bareRuns);
  const overhead = perExtra - own;

  // Bisection: one variation (hashseed) changes an output; count the reruns.
  project(path.join(dir, 'q'), 'import os\nos.makedirs("out", exist_ok=True)\nopen("out/x.txt", "w").write(",".join({"a1", "b2", "c3", "d4", "e5", "f6"}))\nopen("out/y.txt", "w").write("same")\n');
  execFileSync(node, [cli, 'build', path.join(dir, 'q'), '-o', path.join(dir, 'bq'), '--no-lock', '--no-progress'], { env: { ...process.env, ...env } });
  const bq = path.join(dir, 'bq', readdirSync(path.join(dir, 'bq')).find((f) => f.endsWith('.repro.tar.zst')));
  const { secs: bisectSecs, r } = wall(node, [cli, 'exec', bq, '--backend', 'local', '--verify', '--out', path.join(dir, 'bisect'), '--json'], env);
  const report = JSON.parse(r.stdout).result;
  const applied = report.variations.filter((v) => v.notApplicable === null).length;
  const alone = report.runs.filter((x) => x.role === 'alone').length;
  const changing = new Set(report.outputs.flatMap((o) => o.changedBy)).size;
  return {
    rows: [
      { label: 'repro exec --verify --runs 2 (deterministic project: the plain run and one varied run)', secs: median(two) },
      { label: 'repro exec --verify --runs 12 (the plain run and 11 varied runs)', secs: median(twelve) },
      { label: 'per extra run: (runs 12 - runs 2) / 10', secs: perExtra },
      { label: 'the entry point alone: python3 main.py, bare', secs: own },
      { label: `bisection: one variation changes an output; ${report.runs.length} runs in all (${alone} alone, ${applied} variations applied)`, secs: bisectSecs },
    ],
    checks: [
      ['repro\'s overhead per extra run (beyond the entry point\'s own time) within 150 ms', `${(overhead * 1000).toFixed(0)} ms`, overhead < 0.15],
      ['the bisection reruns each variation at most once', `${alone} reruns alone for ${applied} variations`, alone <= applied],
      ['the bisection names the one variation that changed an output', `${changing} named (${report.outputs.find((o) => o.path === 'out/x.txt')?.changedBy.join(', ')})`, changing === 1],
    ],
  };
}

// repro exec's own overhead: the second exec of a cached bundle with the local backend, whose
// entry point is `python3 -c pass`-sized, minus a bare `python3 -c pass` in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function secs(cmd, args, env) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

export function runExecBench({ work, node, cli }) {
  const dir = path.join(work, 'exec');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'p'), { recursive: true });
  writeFileSync(path.join(dir, 'p', 'pass.sh'), '/usr/bin/python3 -c pass\n');
  execFileSync(node, [cli, 'build', path.join(dir, 'p'), '-o', path.join(dir, 'b'), '--no-lock', '--no-progress']);
  const bundle = path.join(dir, 'b', readdirSync(path.join(dir, 'b')).find((f) => f.endsWith('.repro.tar.zst')));
  const env = { REPRO_CACHE: path.join(dir, 'cache') };
  secs(node, [cli, 'exec', bundle, 'pass.sh', '--backend', 'local', '--out', path.join(dir, 'r0')], env);
  const runs = [];
  for (let i = 1; i <= 7; i++) runs.push(secs(node, [cli, 'exec', bundle, 'pass.sh', '--backend', 'local', '--out', path.join(dir, `r${i}`)], env));
  const bare = [];
  for (let i = 0; i < 7; i++) bare.push(secs('/usr/bin/python3', ['-c', 'pass']));
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const startup = [];
  for (let i = 0; i < 7; i++) startup.push(secs(node, [cli, '--version']));
  const total = median(runs);
  const py = median(bare);
  const overhead = total - py;
  return {
    rows: [
      { label: 'second repro exec of a cached bundle (local, entry = python3 -c pass)', secs: total },
      { label: 'bare python3 -c pass', secs: py },
      { label: 'node + repro start-up alone (repro --version)', secs: median(startup) },
    ],
    checks: [['repro exec overhead before the entry point under 150 ms', `${(overhead * 1000).toFixed(0)} ms`, overhead < 0.15]],
  };
}

// repro exec's own overhead on the second exec of a cached bundle with the local backend.
// The entry point is a python3 one-liner that writes the wall-clock time of its first
// instruction to a file; the same one-liner is also run bare. So:
//   before the entry point = (stamp - launch) under repro exec - (stamp - launch) bare
// which is exactly "repro's own work before the entry point starts" (the target),
// python's own start-up cancelling out. The whole-command difference (which adds the run
// record written after the entry exits) is reported beside it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const STAMP_PY = 'import time,sys; open(sys.argv[1],"w").write(str(time.time_ns()))';
const nowNs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));

function timed(cmd, args, env, stamp) {
  rmSync(stamp, { force: true });
  const launch = nowNs();
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  const total = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const first = BigInt(readFileSync(stamp, 'utf8'));
  return { total, toEntry: Number(first - launch) / 1e9 };
}

export function runExecBench({ work, node, cli }) {
  const dir = path.join(work, 'exec');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'p'), { recursive: true });
  const stamp = path.join(dir, 'stamp');
  writeFileSync(path.join(dir, 'p', 'pass.sh'), `exec /usr/bin/python3 -c '${STAMP_PY}' "$STAMP"\n`);
  execFileSync(node, [cli, 'build', path.join(dir, 'p'), '-o', path.join(dir, 'b'), '--no-lock', '--no-progress']);
  const bundle = path.join(dir, 'b', readdirSync(path.join(dir, 'b')).find((f) => f.endsWith('.repro.tar.zst')));
  // The entry point runs in exec's sandbox, where only its run directory is writable: its stamp goes there.
  const exec = (i) => {
    const runStamp = path.join(dir, `r${i}`, 'stamp');
    return timed(node, [cli, 'exec', bundle, 'pass.sh', '--backend', 'local', '--env', 'STAMP', '--out', path.join(dir, `r${i}`)], { REPRO_CACHE: path.join(dir, 'cache'), STAMP: runStamp }, runStamp);
  };
  exec(0); // the first exec extracts into the cache
  const runs = [];
  const bare = [];
  // Interleaved, so a slow moment of the machine lands on both sides.
  for (let i = 1; i <= 9; i++) {
    runs.push(exec(i));
    bare.push(timed('/usr/bin/python3', ['-c', STAMP_PY, stamp], {}, stamp));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const startup = [];
  for (let i = 0; i < 9; i++) {
    const t = process.hrtime.bigint();
    spawnSync(node, [cli, '--version']);
    startup.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  const before = median(runs.map((r) => r.toEntry)) - median(bare.map((r) => r.toEntry));
  const whole = median(runs.map((r) => r.total)) - median(bare.map((r) => r.total));
  return {
    rows: [
      { label: 'second repro exec of a cached bundle (local, entry = python3 one-liner), whole command', secs: median(runs.map((r) => r.total)) },
      { label: '  of which: launch to the entry point\'s first instruction', secs: median(runs.map((r) => r.toEntry)) },
      { label: 'bare python3 one-liner, whole command', secs: median(bare.map((r) => r.total)) },
      { label: '  of which: launch to its first instruction', secs: median(bare.map((r) => r.toEntry)) },
      { label: 'node + repro start-up alone (repro --version)', secs: median(startup) },
    ],
    checks: [
      ['repro exec\'s own work before the entry point starts, under 150 ms', `${(before * 1000).toFixed(0)} ms`, before < 0.15],
      ['(for reference) whole-command overhead incl. the run record after the entry', `${(whole * 1000).toFixed(0)} ms`, true],
    ],
  };
}

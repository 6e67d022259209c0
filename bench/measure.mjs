// One timed run of a shell command for the benches that report wall time and peak memory:
// GNU time around bash, stdout discarded. Peak RSS is the largest of the process tree's
// members (ru_maxrss of what bash waited for), not their sum.
import { spawnSync } from 'node:child_process';

/** Runs `script` under /usr/bin/time; throws with the end of its stderr when it fails. */
export function timeShell(script, { cwd, env = {} } = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', 'bash', '-c', `${script} >/dev/null`], { encoding: 'utf8', cwd, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`failed: ${script}\n${r.stderr.slice(-2000)}`);
  const [secs, kb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { secs, rssMB: kb / 1024 };
}

// Issue 17: the scheduling overhead of a 50-point Slurm sweep. `repro exec --backend slurm
// --sweep seed=0..49` (one job array; each task runs repro on the node: verify from the shared
// cache, drift check, sandbox, run.json; then the summary) against 50 bare `sbatch --wait`
// submissions of the same command, started at once, on the same one-node cluster
// (scripts/slurm-test-env.sh, SLURM_CONF from .cache/slurm-conf). Target: within 1.2x.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const POINTS = 50;
const COMMAND = 'mkdir -p out && echo {seed} > out/seed.txt';

function timed(fn) {
  const t = process.hrtime.bigint();
  return fn().then(() => Number(process.hrtime.bigint() - t) / 1e9);
}

function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

export async function runSlurmBench({ work, node, cli, root }) {
  const conf = readFileSync(path.join(root, '.cache', 'slurm-conf'), 'utf8').trim();
  const dir = path.join(work, 'slurm');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'project'), { recursive: true });
  writeFileSync(path.join(dir, 'project', 'repro.yaml'), `name: slurmbench\nversion: 1.0.0\nentry_points:\n  main:\n    command: "${COMMAND}"\n    parameters:\n      seed: {type: int, default: 0}\noutputs:\n  - out/seed.txt\n`);
  const env = { ...process.env, SLURM_CONF: conf, REPRO_CACHE: path.join(dir, 'cache') };
  const built = spawnSync(node, [cli, 'build', path.join(dir, 'project'), '-o', path.join(dir, 'bundle'), '--json', '--no-progress'], { encoding: 'utf8', env });
  if (built.status !== 0) throw new Error(built.stderr);
  const bundle = JSON.parse(built.stdout).result.bundle;
  const cpus = spawnSync('sinfo', ['--noheader', '--format=%c'], { encoding: 'utf8', env }).stdout.trim();
  const rounds = Number(process.env.BENCH_RUNS ?? 2);
  const repro = [];
  const bare = [];
  const array = [];
  for (let r = 0; r < rounds; r++) {
    const out = path.join(dir, `sweep-${r}`);
    repro.push(await timed(() => run(node, [cli, 'exec', bundle, '--backend', 'slurm', '--sweep', `seed=0..${POINTS - 1}`, '--out', out, '--json'], env)));
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    if (summary.succeeded !== POINTS) throw new Error(`the sweep had ${summary.failed} failed points`);
    const bareDir = path.join(dir, `bare-${r}`);
    mkdirSync(bareDir, { recursive: true });
    array.push(await timed(() => run('sbatch', ['--wait', '--quiet', `--array=0-${POINTS - 1}`, `--output=${bareDir}/a%a.out`, `--chdir=${bareDir}`, `--wrap=mkdir -p a$SLURM_ARRAY_TASK_ID && cd a$SLURM_ARRAY_TASK_ID && ${COMMAND.replace('{seed}', '$SLURM_ARRAY_TASK_ID')}`], env)));
    bare.push(await timed(() => Promise.all(Array.from({ length: POINTS }, (_, i) => run('sbatch', ['--wait', '--quiet', `--output=${bareDir}/${i}.out`, `--chdir=${bareDir}`, `--wrap=mkdir -p ${i} && cd ${i} && ${COMMAND.replace('{seed}', String(i))}`], env)))));
  }
  const best = (xs) => Math.min(...xs);
  const ratio = best(repro) / best(bare);
  return {
    cpus,
    rows: [
      { label: `repro exec --backend slurm --sweep seed=0..${POINTS - 1} (one array; repro verifies, sandboxes and records on the node)`, secs: best(repro) },
      { label: `${POINTS} × sbatch --wait --wrap '${COMMAND}', all at once`, secs: best(bare) },
      { label: `for scale: one bare sbatch --wait --array=0-${POINTS - 1} of the same command (no verification, no sandbox, no records)`, secs: best(array) },
    ],
    checks: [
      [`${POINTS}-point sweep within 1.2x of ${POINTS} bare sbatch --wait`, `${ratio.toFixed(2)}x`, ratio <= 1.2],
      [`(no target) the sweep against one bare sbatch --wait --array`, `${(best(repro) / best(array)).toFixed(2)}x`, true],
    ],
  };
}

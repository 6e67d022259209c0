// repro exec --backend slurm against a real one-node Slurm 22.05 (munged, slurmctld, slurmd on
// loopback, started by scripts/test-setup.sh): a single rerun, a 10-point job-array sweep with
// its summary, and each way a job can end without a result (cancelled, killed at its time
// limit, its node gone, pending past --queue-timeout, Slurm unreachable, Ctrl-C on the
// submitting side), a bundle that needs a GPU on a cluster without one, and a bundle swapped in
// the shared cache. The tests share one cluster, so they run one after another.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../../helpers/cli.js';
import { buildWithCli } from '../../helpers/build.js';
import { tempDir } from '../../helpers/project.js';
import { jobState, jobsNamed, SKIP_SLURM, SLURM_CONF, SLURM_REASON, slurm, until } from '../../helpers/slurm.js';

const YAML = `name: slurmtest
version: 1.0.0
entry_points:
  main:
    command: "python3 t.py {seed} {tag} {sleep}"
    parameters:
      seed: {type: int, default: 0}
      tag: {type: string, default: none}
      sleep: {type: float, default: 0}
outputs:
  - out/fixed.txt
  - out/seeded.txt
  - out/tag.txt
`;
const T = `import sys, os, time
time.sleep(float(sys.argv[3]))
os.makedirs("out", exist_ok=True)
open("out/fixed.txt", "w").write("fixed\\n")
open("out/seeded.txt", "w").write(sys.argv[1] + "\\n")
open("out/tag.txt", "w").write(sys.argv[2])
sys.exit(3 if sys.argv[1] == "7" else 0)
`;

let env: Record<string, string>;
let bundle: string;
let gpuBundle: string;
/** Outlives each test (tempDir()s do not): the bundles and the cache the tests share. */
let keep: string;

async function build(files: Record<string, string>): Promise<string> {
  const built = await buildWithCli(files);
  const kept = path.join(keep, path.basename(built));
  copyFileSync(built, kept);
  return kept;
}

/** Starts repro in the background, for tests that act on its job while it waits. */
function start(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const jobId = () => /submitted job (\d+)/.exec(stderr)?.[1] ?? null;
  return { child, done, jobId, stderr: () => stderr };
}

describe.skipIf(SKIP_SLURM)(`repro exec --backend slurm (${SKIP_SLURM ? SLURM_REASON : 'real Slurm'})`, () => {
  beforeAll(async () => {
    if (!SLURM_CONF) throw new Error(SLURM_REASON);
    keep = mkdtempSync(path.join(os.tmpdir(), 'repro-slurm-test-'));
    env = { SLURM_CONF, REPRO_CACHE: path.join(keep, 'cache') };
    bundle = await build({ 'repro.yaml': YAML, 't.py': T });
    gpuBundle = await build({ 'repro.yaml': 'name: gpuneed\nversion: 1.0.0\nentry_points:\n  main:\n    command: "true"\ngpu: {required: true, count: 2}\n' });
  });
  afterAll(() => {
    // whatever a failed test left queued
    if (SLURM_CONF) for (const id of jobsNamed('repro-slurmtest')) slurm('scancel', id);
    if (keep) rmSync(keep, { recursive: true, force: true });
  });

  it('a single rerun runs repro on the node, in its sandbox, and brings run.json back', async () => {
    const out = path.join(tempDir(), 'job');
    const r = await runCli(['exec', bundle, '--backend', 'slurm', '-P', 'seed=4', '--out', out, '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const res = r.json().result;
    expect(res).toMatchObject({ kind: 'repro-run', exitCode: 0, backend: 'local', sandbox: 'bubblewrap', parameters: { seed: '4' }, slurm: { node: 'repro-node1', state: 'COMPLETED' } });
    expect(res.runDir).toBe(path.join(out, '0'));
    expect(JSON.parse(readFileSync(path.join(out, '0', 'run.json'), 'utf8')).outputs.map((o: { path: string }) => o.path)).toEqual(['out/fixed.txt', 'out/seeded.txt', 'out/tag.txt']);
    expect(readFileSync(path.join(out, '0', 'project', 'out', 'seeded.txt'), 'utf8')).toBe('4\n');
    expect(readFileSync(path.join(out, 'batch.sh'), 'utf8')).toContain('#SBATCH --job-name=repro-slurmtest');
    // the entry point's exit status passes through, as with the other backends
    const failed = await runCli(['exec', bundle, '--backend', 'slurm', '-P', 'seed=7', '--out', path.join(tempDir(), 'job'), '--json'], { env });
    expect(failed.code).toBe(3);
  });

  it('a 10-point sweep is one job array, with a summary that names the failed point and counts distinct digests', async () => {
    const out = path.join(tempDir(), 'sweep');
    const evil = "$(touch PWNED);`touch PWNED2`&&echo '\"";
    const r = await runCli(['exec', bundle, '--backend', 'slurm', '--sweep', 'seed=0..9', '-P', `tag=${evil}`, '--max-parallel', '4', '--out', out, '--json'], { env });
    expect(r.code, r.stderr).toBe(1); // seed 7 exits 3
    const s = r.json().result;
    expect(s).toMatchObject({ kind: 'repro-sweep', succeeded: 9, failed: 1, distinctOutputs: { 'out/fixed.txt': 1, 'out/seeded.txt': 10, 'out/tag.txt': 1 } });
    expect(s.points.map((p: { exitCode: number }) => p.exitCode)).toEqual([0, 0, 0, 0, 0, 0, 0, 3, 0, 0]);
    const jobIds = new Set(s.points.map((p: { slurm: { jobId: string } }) => p.slurm.jobId));
    expect(jobIds.size).toBe(1);
    for (const p of s.points) {
      expect(p.node).toBe('repro-node1');
      expect(p.slurm.state).toBe(p.exitCode === 0 ? 'COMPLETED' : 'FAILED');
      expect(readFileSync(path.join(p.runDir, 'project', 'out', 'tag.txt'), 'utf8')).toBe(evil);
      expect(existsSync(path.join(p.runDir, 'project', 'PWNED'))).toBe(false);
    }
    expect(readFileSync(path.join(out, 'batch.sh'), 'utf8')).toContain('#SBATCH --array=0-9%4');
    expect(JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'))).toMatchObject({ kind: 'repro-sweep', failed: 1 });
    const text = await runCli(['exec', bundle, '--backend', 'slurm', '--sweep', 'seed=0..1', '--out', path.join(tempDir(), 'sweep')], { env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/#\s+seed\s+node\s+slurm\s+exit/);
    expect(text.stdout).toContain('out/fixed.txt: 1 distinct digest over 2 points (the same for every point)');
  });

  it('--dry-run prints the same script twice and submits nothing', async () => {
    const out = path.join(tempDir(), 'dry');
    const args = ['exec', bundle, '--backend', 'slurm', '--sweep', 'seed=0..2', '--time', '10', '--cpus', '2', '--slurm-arg', '--comment=dry run', '--out', out, '--dry-run'];
    const a = await runCli(args, { env });
    const b = await runCli(args, { env });
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toContain(`# sbatch --parsable --comment=dry run ${out}/batch.sh`);
    expect(a.stdout).toContain('#SBATCH --time=10');
    expect(existsSync(out)).toBe(false);
  });

  it('a cancelled job (scancel) is reported with exit 5 and leaves no record claiming success', async () => {
    const out = path.join(tempDir(), 'cancel');
    const run = start(['exec', bundle, '--backend', 'slurm', '-P', 'sleep=300', '--out', out, '--json']);
    const jobId = await until('submission', run.jobId);
    await until('the job to run', () => jobState(jobId) === 'RUNNING');
    slurm('scancel', jobId);
    const r = await run.done;
    expect(r.code, r.stderr).toBe(5);
    const err = JSON.parse(r.stdout).error;
    expect(err.message).toMatch(new RegExp(`Slurm job ${jobId} was cancelled`));
    expect(err.details).toMatchObject({ state: 'CANCELLED', node: 'repro-node1' });
    expect(existsSync(path.join(out, '0', 'run.json'))).toBe(false);
  });

  it('a job killed at its time limit is reported as such (TIMEOUT), with no run record', async () => {
    const out = path.join(tempDir(), 'timeout');
    const r = await runCli(['exec', bundle, '--backend', 'slurm', '-P', 'sleep=600', '--time', '1', '--out', out, '--json'], { env });
    expect(r.code, r.stderr).toBe(5);
    const err = r.json().error;
    expect(err.message).toContain('was killed at its time limit');
    expect(err.details.state).toBe('TIMEOUT');
    expect(existsSync(path.join(out, '0', 'run.json'))).toBe(false);
  }, 240_000);

  it('a job whose node goes down is reported (NODE_FAIL), and the sweep says which points', async () => {
    const out = path.join(tempDir(), 'nodefail');
    const run = start(['exec', bundle, '--backend', 'slurm', '--sweep', 'seed=0..1', '-P', 'sleep=300', '--out', out, '--json']);
    const jobId = await until('submission', run.jobId);
    await until('the job to run', () => jobState(jobId) === 'RUNNING');
    try {
      slurm('scontrol', 'update', 'NodeName=repro-node1', 'State=DOWN', 'Reason=repro-test');
      const r = await run.done;
      expect(r.code, r.stderr).toBe(1);
      const s = JSON.parse(r.stdout).result;
      expect(s.failed).toBe(2);
      for (const p of s.points) {
        expect(p.slurm.state).toBe('NODE_FAIL');
        expect(p.error.message).toContain('lost its node');
        expect(p.exitCode).toBeNull();
      }
    } finally {
      // slurmd registers again by itself (ReturnToService=2); RESUME is for when it has not yet
      if (/down/.test(slurm('sinfo', '--noheader', '--format=%T'))) slurm('scontrol', 'update', 'NodeName=repro-node1', 'State=RESUME');
      await until('the node to come back', () => /idle|mix|alloc/.test(slurm('sinfo', '--noheader', '--format=%T')));
    }
  }, 120_000);

  it('a job pending past --queue-timeout is cancelled and reported; nothing runs', async () => {
    const out = path.join(tempDir(), 'pending');
    const r = await runCli(['exec', bundle, '--backend', 'slurm', '--slurm-arg', '--begin=now+1hour', '--queue-timeout', '2s', '--out', out, '--json'], { env });
    expect(r.code, r.stderr).toBe(5);
    const err = r.json().error;
    expect(err.message).toMatch(/still pending after --queue-timeout 2 s \(Slurm's reason: BeginTime\); it was cancelled/);
    expect(jobState(err.details.jobId)).toBe('CANCELLED');
  });

  it('Ctrl-C with --cancel-on-interrupt cancels the job; without it, the job keeps running and repro says how to cancel it', async () => {
    const out = path.join(tempDir(), 'intr');
    const run = start(['exec', bundle, '--backend', 'slurm', '--sweep', 'seed=0..2', '-P', 'sleep=300', '--cancel-on-interrupt', '--out', out]);
    const jobId = await until('submission', run.jobId);
    await until('the job to run', () => jobState(jobId) === 'RUNNING');
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(`job ${jobId} cancelled (--cancel-on-interrupt)`);
    await until('the job to be cancelled', () => jobState(jobId) === 'CANCELLED');
    expect(existsSync(path.join(out, 'summary.json'))).toBe(false);

    const out2 = path.join(tempDir(), 'intr');
    const run2 = start(['exec', bundle, '--backend', 'slurm', '-P', 'sleep=300', '--out', out2]);
    const jobId2 = await until('submission', run2.jobId);
    await until('the job to run', () => jobState(jobId2) === 'RUNNING');
    run2.child.kill('SIGINT');
    const r2 = await run2.done;
    expect(r2.code).toBe(130);
    expect(r2.stderr).toContain(`cancel it with: scancel ${jobId2}`);
    expect(jobState(jobId2)).toBe('RUNNING');
    slurm('scancel', jobId2);
  });

  it('a bundle that needs a GPU is refused before submission on a cluster without one', async () => {
    const out = path.join(tempDir(), 'gpu');
    const r = await runCli(['exec', gpuBundle, '--backend', 'slurm', '--out', out, '--json'], { env });
    expect(r.code).toBe(5);
    expect(r.json().error.message).toMatch(/this bundle needs 2 GPUs, and no node of the default partition has any .*nothing was submitted/);
    expect(existsSync(out)).toBe(false);
    expect(jobsNamed('repro-gpuneed')).toEqual([]);
    // what would have been asked for
    const dry = await runCli(['exec', gpuBundle, '--backend', 'slurm', '--out', out, '--dry-run'], { env });
    expect(dry.stdout).toContain('#SBATCH --gres=gpu:2');
  });

  it('Slurm not reachable: a clear error (exit 5), and no job directory left behind', async () => {
    const conf = path.join(tempDir(), 'slurm.conf');
    writeFileSync(conf, readFileSync(SLURM_CONF!, 'utf8').replace(/SlurmctldPort=\d+/, 'SlurmctldPort=1'));
    const out = path.join(tempDir(), 'unreachable');
    const r = await runCli(['exec', bundle, '--backend', 'slurm', '--out', out, '--json'], { env: { ...env, SLURM_CONF: conf } });
    expect(r.code).toBe(5);
    expect(r.json().error.message).toMatch(/^Slurm is not reachable: sbatch said/);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it('a node that does not share the cache pulls the bundle by digest from the registry reference', async () => {
    const ref = `127.0.0.1:5000/repro-slurm-test-${process.pid}:v1`;
    const pushed = await runCli(['push', bundle, ref, '--json'], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
    const out = path.join(tempDir(), 'byref');
    // the task starts a few seconds after submission; the staged copy is gone by then
    const run = start(['exec', ref, '--backend', 'slurm', '--slurm-arg', '--begin=now+4', '-P', 'seed=5', '--out', out, '--json']);
    await until('submission', run.jobId);
    const staged = /^bundle=(\S+)$/m.exec(readFileSync(path.join(out, 'batch.sh'), 'utf8'))![1]!;
    rmSync(staged);
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout).result;
    expect(res.bundle.reference).toMatch(new RegExp(`^127\\.0\\.0\\.1:5000/repro-slurm-test-${process.pid}(:v1)?@sha256:[0-9a-f]{64}$`));
    expect(readFileSync(path.join(out, 'batch.sh'), 'utf8')).toContain('# not on a file system this node shares: pulled by digest');
    expect(existsSync(staged)).toBe(false);
  });

  it('attack (issue 27, finding 3): an entry point that forges run.json and then makes the node\'s repro fail is never "reproduced", and nothing is attested', async () => {
    const yaml = 'name: forger\nversion: 1.0.0\nentry_points:\n  main:\n    command: "python3 t.py {attack}"\n    parameters:\n      attack: {type: int, default: 0}\noutputs:\n  - out\n';
    const t = [
      'import os, sys, shutil',
      'os.makedirs("out", exist_ok=True)',
      'if sys.argv[1] == "0":',
      '    open("out/model.txt", "w").write("GOOD MODEL\\n")',
      'else:',
      '    open("out/model.txt", "w").write("BACKDOORED MODEL\\n")',
      '    shutil.copy("forged.json", "../run.json")  # the record the submitter used to read',
      '    os.close(os.open(b"out/\\xff\\xfe", os.O_CREAT | os.O_WRONLY))  # a name that made the node\'s repro fail',
      '',
    ].join('\n');
    const root = tempDir('repro-forger-');
    writeFileSync(path.join(root, 'repro.yaml'), yaml);
    writeFileSync(path.join(root, 't.py'), t);
    const first = await runCli(['build', root, '-o', path.join(root, 'b1'), '--no-lock', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const ref = path.join(tempDir(), 'ref');
    const reference = await runCli(['exec', first.json().result.bundle, '--backend', 'local', '--out', ref], { env });
    expect(reference.code, reference.stderr).toBe(0);
    // The bundle carries the reference run, and a forged record claiming exactly its outputs.
    const forged = JSON.parse(readFileSync(path.join(ref, 'run.json'), 'utf8'));
    forged.reproduced = { reproduced: true, outputs: forged.outputs.map((o: { path: string; sha256: string }) => ({ path: o.path, expected: o.sha256, actual: o.sha256, verdict: 'identical' })) };
    writeFileSync(path.join(root, 'forged.json'), JSON.stringify(forged));
    const built = await runCli(['build', root, '-o', path.join(root, 'b2'), '--no-lock', '--with-run', ref, '--json'], { env });
    expect(built.code, built.stderr).toBe(0);
    const keyDir = tempDir();
    const { execFileSync } = await import('node:child_process');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', path.join(keyDir, 'k.pem')]);
    const out = path.join(tempDir(), 'job');
    const r = await runCli(['exec', built.json().result.bundle, '--backend', 'slurm', '-P', 'attack=1', '--out', out, '--expect-reproduced', '--attest', '--key', path.join(keyDir, 'k.pem'), '--json'], { env });
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/"reproduced":true|reproduced: every output/);
    // Whatever the node could say, it is the truth: either no record (its repro failed), or an
    // honest one whose attestation says NOT reproduced; never the forged verdict.
    for (const f of readdirSync(out, { recursive: true }).map(String).filter((n) => n.endsWith('reproduced-run.json'))) {
      expect(JSON.parse(readFileSync(path.join(out, f), 'utf8')).predicate.reproduced, f).toBe(false);
    }
    if (r.json().ok) expect(r.json().result.reproduced.reproduced).toBe(false);
  });

  it('hostile cache: a bundle swapped in the shared cache is refused on the node (--expect-digest), nothing runs', async () => {
    const out = path.join(tempDir(), 'dry');
    const dry = await runCli(['exec', bundle, '--backend', 'slurm', '--out', out, '--dry-run'], { env });
    const staged = /^bundle=(.+)$/m.exec(dry.stdout)![1]!;
    // stage the real bundle by running once, then put another bundle in its place
    expect((await runCli(['exec', bundle, '--backend', 'slurm', '--out', path.join(tempDir(), 'job'), '--json'], { env })).code).toBe(0);
    copyFileSync(gpuBundle, staged);
    const r = await runCli(['exec', bundle, '--backend', 'slurm', '--out', out, '--json'], { env });
    expect(r.code, r.stderr).toBe(4);
    expect(r.json().error.message).toMatch(/on repro-node1: the bundle is not the one expected/);
    expect(readdirSync(out)).not.toContain('0');
    copyFileSync(bundle, staged);
  });
});

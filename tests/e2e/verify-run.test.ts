// exec --verify on real libraries, in the bundle's locked environment (numpy, scipy,
// scikit-learn, joblib and threadpoolctl from PyPI, pinned by hash, vendored): one training script
// whose outputs each depend on one condition, kept as the fixture of why each varies, and a
// control output that depends on none. The bisection must name exactly the variation behind each
// output. Then: a deterministic project passes with two runs; an output that differs with nothing
// varied is called unstable and blamed on no variation; a hostile entry point that notices the
// varied run and tries to leave the sandbox is reported, and nothing escapes.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ML_PYTHON, ML_REASON, SKIP_ML } from '../helpers/ml-python.js';
import { makeProject, tempDir } from '../helpers/project.js';
import { hashedLock, startWheelIndex, type WheelIndex } from '../helpers/wheel-index.js';
import { DOCKER_BASE_IMAGE, DOCKER_REASON, SKIP_DOCKER } from '../helpers/docker.js';
import { SKIP_SLURM, SLURM_CONF, SLURM_REASON } from '../helpers/slurm.js';
import { allowedCpus } from '../../src/snapshot/probe-os.js';

const PROJECTS = ['numpy', 'scipy', 'scikit-learn', 'joblib', 'threadpoolctl'];
const CPUS = allowedCpus().length;
const SK_LOCALE = (() => {
  try {
    return /^sk_SK\.utf8$/im.test(execFileSync('locale', ['-a'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
})();

// Each output and the one condition it depends on (the reason it varies):
const TRAIN = `import json, locale, os, pickle, socket, time
import numpy as np
from sklearn.linear_model import SGDClassifier

os.makedirs("out", exist_ok=True)
# order: the parts are read in os.listdir's order (unsorted), and SGD without shuffling learns
# from the rows in that order, so its coefficients follow the order the files were created in.
parts = [np.loadtxt(os.path.join("data", f), delimiter=",") for f in os.listdir("data")]
rows = np.vstack(parts)
clf = SGDClassifier(shuffle=False, max_iter=5, tol=None, random_state=0).fit(rows[:, :-1], rows[:, -1].astype(int))
np.save("out/coef.npy", clf.coef_)
pickle.dump(clf, open("out/model.pkl", "wb"))
# threads and affinity: OpenBLAS splits a float32 matrix product across its threads, and the
# sums round differently with one thread (OPENBLAS_NUM_THREADS=1, or one CPU under taskset).
rng = np.random.default_rng(0)
a = rng.standard_normal((400, 400), dtype=np.float32)
b = rng.standard_normal((400, 400), dtype=np.float32)
np.save("out/gram.npy", a @ b)
# hashseed: a vocabulary kept in a set of str, saved in iteration order.
np.save("out/vocab.npy", np.array(list({"alpha", "beta", "gamma", "delta", "epsilon", "zeta"})))
# path: the absolute working directory in the run's config.
json.dump({"cwd": os.getcwd()}, open("out/config.json", "w"))
# tz: the data's timestamp written in local time.
open("out/stamp.txt", "w").write(time.strftime("%Y-%m-%d %H:%M", time.localtime(int(os.environ["SOURCE_DATE_EPOCH"]))))
# locale: the score formatted for people.
locale.setlocale(locale.LC_ALL, "")
open("out/report.txt", "w").write(locale.format_string("%.4f", clf.score(rows[:, :-1], rows[:, -1].astype(int)) * 1000, grouping=True))
# hostname: where it ran.
open("out/host.txt", "w").write(socket.gethostname())
# the control: sorted listing, fixed seed, one thread's worth of arithmetic: identical always.
ctrl = np.vstack([np.loadtxt(os.path.join("data", f), delimiter=",") for f in sorted(os.listdir("data"))])
json.dump({"rows": int(ctrl.shape[0]), "sum": float(ctrl[:, :-1].sum())}, open("out/metrics.json", "w"), sort_keys=True)
`;

/** Iris-like rows in six parts (the order variation needs a folder of several). */
function dataParts(): Record<string, string> {
  const out: Record<string, string> = {};
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let p = 0; p < 6; p++) {
    const rows: string[] = [];
    for (let i = 0; i < 20; i++) {
      const label = (p + i) % 3;
      rows.push([0, 1, 2, 3].map((j) => (label * 1.5 + j * 0.3 + rnd()).toFixed(3)).join(',') + `,${label}`);
    }
    out[`data/part-${String.fromCharCode(97 + p)}.csv`] = `${rows.join('\n')}\n`;
  }
  return out;
}

describe.skipIf(SKIP_ML)(`exec --verify names the variation behind each output${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  let index: WheelIndex | null = null;
  let keep = '';
  let bundle = '';
  let cache = '';

  beforeAll(async () => {
    index = await startWheelIndex(PROJECTS);
    const lock = hashedLock(index);
    const root = await makeProject({
      'repro.yaml': 'name: verify-story\nversion: 1.0.0\nentry_points:\n  main:\n    command: python train.py\noutputs: [out]\n',
      'train.py': TRAIN,
      'requirements.lock.txt': lock,
      ...dataParts(),
    });
    keep = mkdtempSync(path.join(os.tmpdir(), 'repro-verify-'));
    cache = path.join(keep, 'cache');
    expect((await runCli(['snapshot', root, '--python', ML_PYTHON!, '--no-import'])).code).toBe(0);
    const built = await runCli(['build', root, '--vendor', '--json'], { env: { REPRO_CACHE: cache } });
    expect(built.code, built.stderr).toBe(0);
    bundle = path.join(keep, path.basename(built.json().result.bundle as string));
    copyFileSync(built.json().result.bundle as string, bundle);
    await index.close();
    index = null;
  }, 240_000);
  afterAll(async () => {
    await index?.close();
    if (keep) rmSync(keep, { recursive: true, force: true });
  });

  it('a scikit-learn script: each output is blamed on exactly its variation, the control on none; one run per variation', async () => {
    const out = path.join(tempDir(), 'verify');
    const r = await runCli(['exec', bundle, '--backend', 'local', '--verify', '--out', out, '--json'], { env: { REPRO_CACHE: cache } });
    expect(r.code, r.stderr.slice(-3000)).toBe(1);
    const report = r.json().result;
    expect(report.kind).toBe('repro-verify-run');
    expect(report.deterministic).toBe(false);
    const applied: string[] = report.variations.filter((v: { notApplicable: string | null }) => v.notApplicable === null).map((v: { id: string }) => v.id);
    const expected: Record<string, string[]> = {
      'out/coef.npy': ['order'],
      'out/model.pkl': ['order'],
      'out/gram.npy': CPUS > 1 ? ['threads', 'affinity'] : [],
      'out/vocab.npy': ['hashseed'],
      'out/config.json': ['path'],
      'out/stamp.txt': ['tz'],
      'out/report.txt': SK_LOCALE ? ['locale'] : [],
      'out/host.txt': ['hostname'],
      'out/metrics.json': [],
    };
    const got = Object.fromEntries(report.outputs.map((o: { path: string; changedBy: string[] }) => [o.path, o.changedBy]));
    expect(got).toEqual(expected);
    for (const o of report.outputs) expect(o.verdict).toBe(expected[o.path]!.length ? 'varies' : 'identical');
    // Arrays compared element by element, pickles by bytes only (never unpickled).
    const coef = report.outputs.find((o: { path: string }) => o.path === 'out/coef.npy');
    expect(coef.maxDifference.value).toBeGreaterThan(0);
    expect(coef.maxDifference.at).toMatch(/^array\[\d+, \d+\]$/);
    expect(coef.maxDifference.relative).toBeGreaterThan(0);
    expect(report.outputs.find((o: { path: string }) => o.path === 'out/model.pkl').note).toMatch(/never unpickles/);
    // Every output that varies is identical under every other applied variation.
    for (const o of report.outputs.filter((x: { verdict: string }) => x.verdict === 'varies')) expect([...o.changedBy, ...o.unchangedBy].sort()).toEqual([...applied].sort());
    // plain, all varied, control, then one run per applied variation: never more.
    expect(report.runs.map((x: { role: string }) => x.role)).toEqual(['plain', 'varied', 'control', ...applied.map(() => 'alone')]);
    expect(report.runs.filter((x: { role: string }) => x.role === 'alone').map((x: { variations: string[] }) => x.variations[0])).toEqual(applied);
    expect(applied).toEqual(expect.arrayContaining(['hashseed', 'path', 'order', 'tz', 'locale', 'hostname']));
    // The GPU variations do not apply here and say why.
    expect(report.variations.find((v: { id: string }) => v.id === 'cublas').notApplicable).toMatch(/no GPU/);
    // Each run is a full exec run, in the locked environment, with its record.
    for (const x of report.runs) expect(existsSync(path.join(x.runDir, 'run.json'))).toBe(true);
    const plainRecord = JSON.parse(readFileSync(path.join(report.runs[0].runDir, 'run.json'), 'utf8'));
    expect(plainRecord.interpreter.environment.lock).toBe('requirements.lock.txt');
    expect(plainRecord.environment.PYTHONHASHSEED).toBe('0');
    // The lint's findings on train.py, each confirmed by the variation that changed its output.
    const lint = Object.fromEntries(report.lint.findings.map((f: { rule: string; status: string }) => [f.rule, f.status]));
    expect(lint).toMatchObject({ 'unsorted-listing': 'confirmed', 'set-iteration': 'confirmed', 'absolute-path': 'confirmed', 'local-time': 'confirmed', hostname: 'confirmed' });
    if (SK_LOCALE) expect(lint.locale).toBe('confirmed');
    const saved = JSON.parse(readFileSync(path.join(out, 'verify.json'), 'utf8'));
    expect(saved.outputs).toEqual(report.outputs);
    // The text names the variation in words a reader can act on.
    const text = await runCli(['exec', bundle, '--backend', 'local', '--verify', '--vary', 'hashseed,tz', '--out', path.join(tempDir(), 'text')], { env: { REPRO_CACHE: cache } });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/out\/vocab\.npy {2}differs when hashseed varies; identical under tz/);
    expect(text.stdout).toMatch(/out\/stamp\.txt {2}differs when tz varies; identical under hashseed/);
    expect(text.stdout).toMatch(/out\/metrics\.json {2}identical under hashseed and tz/);
    expect(text.stdout).toMatch(/NOT deterministic: 2 of 9 outputs differ/);
  }, 240_000);

  it('--format github: one error per output that varies, naming the variation', async () => {
    const r = await runCli(['exec', bundle, '--backend', 'local', '--verify', '--vary', 'hashseed', '--out', path.join(tempDir(), 'gh'), '--format', 'github'], { env: { REPRO_CACHE: cache } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error title=repro exec --verify%3A NOT deterministic::out/vocab.npy: differs when hashseed varies');
  }, 120_000);
});

describe('exec --verify on plain Python', () => {
  const build = async (files: Record<string, string>) => {
    const root = await makeProject({ 'repro.yaml': 'name: v\nversion: 1.0.0\nentry_points:\n  main:\n    command: python3 main.py\noutputs: [out]\n', ...files });
    const cache = tempDir();
    const b = await runCli(['build', root, '--json'], { env: { REPRO_CACHE: cache } });
    expect(b.code, b.stderr).toBe(0);
    return { bundle: b.json().result.bundle as string, cache };
  };

  it('a deterministic project: exit 0 after two runs, nothing bisected', async () => {
    const { bundle, cache } = await build({ 'main.py': 'import os, json\nos.makedirs("out", exist_ok=True)\njson.dump(sorted({"b", "a"}), open("out/x.json", "w"))\n' });
    const r = await runCli(['exec', bundle, '--backend', 'local', '--verify', '--out', path.join(tempDir(), 'v'), '--json'], { env: { REPRO_CACHE: cache } });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const report = r.json().result;
    expect(report.deterministic).toBe(true);
    expect(report.runs.map((x: { role: string }) => x.role)).toEqual(['plain', 'varied']);
    expect(report.outputs).toEqual([expect.objectContaining({ path: 'out/x.json', verdict: 'identical', changedBy: [] })]);
    const text = await runCli(['exec', bundle, '--backend', 'local', '--verify', '--runs', '3', '--out', path.join(tempDir(), 'v3')], { env: { REPRO_CACHE: cache } });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/3 runs of main .*\n[\s\S]*deterministic: every output identical under \d+ variations/);
  }, 120_000);

  it('an output that differs with nothing varied is unstable, blamed on no variation; the others are still bisected', async () => {
    const { bundle, cache } = await build({ 'main.py': 'import os\nos.makedirs("out", exist_ok=True)\nopen("out/noise.bin", "wb").write(os.urandom(16))\nopen("out/set.txt", "w").write(" ".join({"a1", "b2", "c3", "d4", "e5", "f6", "g7"}))\n' });
    const r = await runCli(['exec', bundle, '--backend', 'local', '--verify', '--vary', 'hashseed,tz', '--out', path.join(tempDir(), 'v'), '--json'], { env: { REPRO_CACHE: cache } });
    expect(r.code).toBe(1);
    const report = r.json().result;
    const by = Object.fromEntries(report.outputs.map((o: { path: string }) => [o.path, o]));
    expect(by['out/noise.bin']).toMatchObject({ verdict: 'unstable', changedBy: [] });
    expect(by['out/set.txt']).toMatchObject({ verdict: 'varies', changedBy: ['hashseed'], unchangedBy: ['tz'] });
  }, 120_000);

  it('attack: an entry point that notices the varied run and tries to leave the sandbox: the report says what changed, nothing escapes', async () => {
    const marker = path.join(os.tmpdir(), `repro-verify-escape-${process.pid}`);
    const hostile = `import os, socket, sys
os.makedirs("out", exist_ok=True)
varied = socket.gethostname() == "repro-varied-host" or os.environ.get("PYTHONHASHSEED") != "0"
open("out/result.txt", "w").write("clean")
if varied:
    for target in [${JSON.stringify(marker)}, "/root/.repro-escape", os.path.expanduser("~/.bashrc")]:
        try:
            open(target, "a").write("escaped\\n")
        except OSError as e:
            print("blocked", target, e.errno, file=sys.stderr)
    # None of these is the host's: /tmp, /root and HOME are the sandbox's own empty tmpfs.
    try:
        socket.socket(socket.AF_UNIX).connect("/var/run/docker.sock")
        print("docker socket reached", file=sys.stderr)
    except OSError:
        pass
    open("out/result.txt", "w").write("tampered")
    sys.exit(3)
`;
    const { bundle, cache } = await build({ 'main.py': hostile });
    const r = await runCli(['exec', bundle, '--backend', 'local', '--verify', '--vary', 'hostname,tz', '--out', path.join(tempDir(), 'v'), '--json'], { env: { REPRO_CACHE: cache } });
    expect(r.code).toBe(1);
    const report = r.json().result;
    const by = Object.fromEntries(report.outputs.map((o: { path: string }) => [o.path, o]));
    expect(by['(exit status)']).toMatchObject({ verdict: 'varies', changedBy: ['hostname'], unchangedBy: ['tz'] });
    expect(by['out/result.txt']).toMatchObject({ verdict: 'varies', changedBy: ['hostname'] });
    expect(existsSync(marker)).toBe(false);
    expect(existsSync('/root/.repro-escape')).toBe(false);
    const hostnameRun = report.runs.find((x: { role: string; variations: string[] }) => x.role === 'alone' && x.variations[0] === 'hostname');
    const record = JSON.parse(readFileSync(path.join(hostnameRun.runDir, 'run.json'), 'utf8'));
    expect(record.exitCode).toBe(3);
    expect(record.log.tail).not.toMatch(/docker socket reached/);
    // The cached bundle it ran from still verifies.
    const v = await runCli(['verify', bundle], { env: { REPRO_CACHE: cache } });
    expect(v.code).toBe(0);
  }, 120_000);

  it.skipIf(SKIP_SLURM)(`on the one-node Slurm cluster: the node verifies, and its report comes back as the node's repro printed it${SKIP_SLURM ? ` (skipped: ${SLURM_REASON})` : ''}`, async () => {
    if (!SLURM_CONF) throw new Error(SLURM_REASON);
    const { bundle, cache } = await build({ 'main.py': 'import os, time\nos.makedirs("out", exist_ok=True)\nopen("out/set.txt", "w").write(" ".join({"a1", "b2", "c3", "d4", "e5", "f6", "g7"}))\nopen("out/same.txt", "w").write("same")\n' });
    const dir = path.join(tempDir(), 'slurm');
    const r = await runCli(['exec', bundle, '--backend', 'slurm', '--verify', '--vary', 'hashseed,tz', '--out', dir, '--json'], { env: { SLURM_CONF, REPRO_CACHE: cache } });
    expect(r.code, r.stderr.slice(-3000)).toBe(1);
    const report = r.json().result;
    expect(report).toMatchObject({ kind: 'repro-verify-run', deterministic: false, slurm: { jobDir: dir } });
    const by = Object.fromEntries(report.outputs.map((o: { path: string; changedBy: string[] }) => [o.path, o.changedBy]));
    expect(by).toEqual({ 'out/set.txt': ['hashseed'], 'out/same.txt': [] });
    expect(existsSync(path.join(report.dir, 'verify.json'))).toBe(true);
  }, 240_000);

  it('usage: --vary with no --verify, an unknown variation, --runs 1, and --verify with --sweep are refused before anything runs', async () => {
    const { bundle, cache } = await build({ 'main.py': 'print(1)\n' });
    const cases: Array<[string[], RegExp]> = [
      [['--vary', 'tz'], /--vary .*--verify|only .*--verify/],
      [['--verify', '--vary', 'seed'], /no variation is called "seed"/],
      [['--verify', '--runs', '1'], /--runs must be at least 2/],
      [['--verify', '--sweep', 'seed=0..1'], /--verify cannot be combined with --sweep/],
      [['--verify', '--attach'], /--verify cannot be combined with --attach/],
    ];
    for (const [flags, message] of cases) {
      const out = path.join(tempDir(), 'never');
      const r = await runCli(['exec', bundle, ...flags, '--out', out], { env: { REPRO_CACHE: cache } });
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  }, 120_000);
});


describe.skipIf(SKIP_DOCKER)(`exec --verify in Docker${SKIP_DOCKER ? `: skipped, ${DOCKER_REASON}` : ''}`, () => {
  it('the container is given the varied seed, name, CPUs and zone; the plain runs one fixed name; path and order say they do not apply', async () => {
    if (!DOCKER_BASE_IMAGE) throw new Error(`CI has no Docker test environment: ${DOCKER_REASON}`);
    const root = await makeProject({
      'repro.yaml': 'name: vd\nversion: 1.0.0\nentry_points:\n  main:\n    command: python3 main.py\noutputs: ["out/*"]\n',
      'main.py': 'import os, socket, time\nos.makedirs("out", exist_ok=True)\nopen("out/set.txt", "w").write(" ".join({"a1", "b2", "c3", "d4", "e5", "f6", "g7"}))\nopen("out/host.txt", "w").write(socket.gethostname())\nopen("out/cpus.txt", "w").write(str(len(os.sched_getaffinity(0))))\nopen("out/tz.txt", "w").write(time.strftime("%H:%M", time.localtime(0)))\nopen("out/same.txt", "w").write("same")\n',
    });
    const cache = tempDir();
    const b = await runCli(['build', root, '--base-image', DOCKER_BASE_IMAGE, '--json'], { env: { REPRO_CACHE: cache } });
    expect(b.code, b.stderr).toBe(0);
    const r = await runCli(['exec', b.json().result.bundle, '--backend', 'docker', '--verify', '--out', path.join(tempDir(), 'v'), '--json'], { env: { REPRO_CACHE: cache } });
    expect(r.code, r.stderr.slice(-2000)).toBe(1);
    const report = r.json().result;
    expect(report.backend).toBe('docker');
    const na = Object.fromEntries(report.variations.map((v: { id: string; notApplicable: string | null }) => [v.id, v.notApplicable]));
    expect(na.path).toMatch(/image/);
    expect(na.order).toMatch(/image/);
    expect(na.hostname).toBeNull();
    const got = Object.fromEntries(report.outputs.map((o: { path: string; changedBy: string[] }) => [o.path, o.changedBy]));
    expect(got).toEqual({ 'out/set.txt': ['hashseed'], 'out/host.txt': ['hostname'], 'out/cpus.txt': CPUS > 1 ? ['affinity'] : [], 'out/tz.txt': ['tz'], 'out/same.txt': [] });
    // Two plain runs (plain and control) agreed on the host name: it is fixed, not the container's id.
    expect(report.outputs.find((o: { path: string }) => o.path === 'out/host.txt').verdict).toBe('varies');
  }, 300_000);
});

describe.skipIf(SKIP_ML || CPUS < 2)(`the snapshot and drift see a rerun pinned to one CPU${SKIP_ML ? `: skipped, ${ML_REASON}` : CPUS < 2 ? ': skipped, this machine gives one CPU' : ''}`, () => {
  it('taskset -c 0: fewer usable CPUs, and numpy\'s OpenBLAS on one thread, both warnings in repro diff', async () => {
    const root = await makeProject({ 'main.py': 'print(1)\n' });
    const all = path.join(tempDir(), 'all.json');
    const one = path.join(tempDir(), 'one.json');
    expect((await runCli(['snapshot', root, '--python', ML_PYTHON!, '-o', all])).code).toBe(0);
    expect((await runCli(['snapshot', root, '--python', ML_PYTHON!, '-o', one], { prefix: ['taskset', '-c', '0'] })).code).toBe(0);
    const a = JSON.parse(readFileSync(all, 'utf8'));
    const b = JSON.parse(readFileSync(one, 'utf8'));
    expect(a.identity.os.cpu.usable).toMatchObject({ cpus: CPUS, affinity: CPUS });
    expect(b.identity.os.cpu.usable).toMatchObject({ cpus: 1, affinity: 1 });
    expect(a.identity.python.frameworks.numpy.blas[0]).toMatchObject({ internal_api: 'openblas', num_threads: CPUS });
    expect(b.identity.python.frameworks.numpy.blas[0]).toMatchObject({ internal_api: 'openblas', num_threads: 1 });
    const d = await runCli(['diff', all, one, '--json']);
    const changes = d.json().result.changes.map((c: { severity: string; field: string }) => [c.severity, c.field]);
    expect(changes).toEqual(expect.arrayContaining([['warning', 'cpu.usable.cpus'], ['warning', 'frameworks.numpy.blas']]));
  }, 120_000);
});

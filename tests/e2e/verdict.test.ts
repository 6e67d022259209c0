// Issue 28: "reproduced" means what it says. Each test is named after a finding of the issue
// (tried as a new user would on mlflow-example-, pytorch-examples- and nanoGPT-shaped projects)
// and fails on the main of before: comparable runs first, every output, what differs, data in
// the drift check, a misspelt parameter, the run's log.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeProject, tempDir } from '../helpers/project.js';

/** An MLproject-only project, as mlflow-example is: train.py writes a model and metrics, nothing declared. */
const MLPROJECT = `name: elasticnet
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      steps: {type: int, default: 1}
    command: "sh train.sh {alpha} {steps}"
  prepare:
    command: "sh prepare.sh"
`;
const TRAIN = `mkdir -p model
printf 'alpha=%s steps=%s\\n' "$1" "$2" > model/model.txt
printf '{"rmse": 0.5, "alpha": %s}\\n' "$1" > metrics.json
echo "trained with alpha $1"
`;

async function setup(files: Record<string, string> = {}) {
  const work = tempDir('repro-verdict-');
  const root = await makeProject({ MLproject: MLPROJECT, 'train.sh': TRAIN, 'prepare.sh': 'mkdir -p model && echo prepared > model/model.txt\n', ...files });
  const env = { REPRO_CACHE: path.join(work, 'cache') };
  const build = async (...extra: string[]) => {
    const r = await runCli(['build', root, '-o', path.join(work, `b${Math.random().toString(36).slice(2, 8)}`), '--json', ...extra], { env });
    expect(r.code, r.stderr).toBe(0);
    return r.json().result.bundle as string;
  };
  const exec = (bundle: string, ...args: string[]) => runCli(['exec', bundle, '--backend', 'local', '--out', path.join(work, `r${Math.random().toString(36).slice(2, 8)}`), ...args], { env });
  return { work, root, env, build, exec };
}

describe('issue 28, finding 1: the verdict covers what was run', () => {
  it('an MLproject-only project declares nothing: every file the run created is an output, compared (no more "reproduced" over nothing)', async () => {
    const { build, exec } = await setup();
    const ref = await exec(await build(), '--json');
    expect(ref.code, ref.stderr).toBe(0);
    const record = ref.json().result;
    expect(record.outputsFrom).toBe('detected');
    expect(record.outputs.map((o: { path: string }) => o.path)).toEqual(['metrics.json', 'model/model.txt']);
    const bundle = await build('--with-run', record.runDir);
    const same = await exec(bundle, '--expect-reproduced');
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('outputs detected: 2 files the run created or changed (none declared)');
    expect(same.stdout).toContain('reproduced: every output matches the reference run');
  });

  it('attack: -P steps=2 against a steps=1 reference is "not comparable" (exit 6 with --expect-reproduced), and --attest records it so', async () => {
    const { build, exec } = await setup();
    const ref = await exec(await build(), '--json');
    const bundle = await build('--with-run', ref.json().result.runDir);
    const r = await exec(bundle, '-P', 'steps=2', '--expect-reproduced', '--attest');
    expect(r.code, r.stderr).toBe(6);
    expect(r.stdout).toContain('not comparable with the reference run:\n  parameter steps 2 vs 1\n');
    expect(r.stdout).not.toMatch(/^reproduced/m);
    const runDir = path.dirname(r.stdout.match(/record {2}(\S+)run\.json/)![1]! + 'run.json');
    const att = JSON.parse(await fs.readFile(path.resolve(runDir, 'reproduced-run.json'), 'utf8'));
    expect(att.predicate).toMatchObject({ reproduced: false, status: 'not-comparable', notComparable: ['parameter steps 2 vs 1'] });
  });

  it('another parameter (alpha) is "not comparable", never "NOT reproduced"; `exec B prepare` is not compared with main\'s reference', async () => {
    const { build, exec } = await setup();
    const ref = await exec(await build(), '--json');
    const bundle = await build('--with-run', ref.json().result.runDir);
    const alpha = await exec(bundle, '-P', 'alpha=0.3', '--json');
    expect(alpha.json().result.reproduced).toMatchObject({ status: 'not-comparable', notComparable: ['parameter alpha 0.3 vs 0.5'] });
    const prepare = await exec(bundle, 'prepare', '--json');
    expect(prepare.json().result.reproduced).toMatchObject({ status: 'not-comparable', notComparable: ['entry point prepare vs main'] });
  });

  it('--output GLOB declares outputs for an MLproject; a run that writes another file too is NOT reproduced, naming it "extra"', async () => {
    const { build, exec } = await setup({ 'train.sh': `${TRAIN}[ -n "$STRAY" ] && echo x > stray.txt\ntrue\n` });
    const ref = await exec(await build(), '--output', 'model/*.txt', '--output', 'metrics.json', '--json');
    expect(ref.json().result.outputsFrom).toBe('declared');
    expect(ref.json().result.outputs.map((o: { path: string }) => o.path)).toEqual(['metrics.json', 'model/model.txt']);
    const bundle = await build('--with-run', ref.json().result.runDir);
    const same = await exec(bundle, '--expect-reproduced', '--json');
    expect(same.code, same.stderr).toBe(0);
    const again = await runCli(['exec', bundle, '--backend', 'local', '--env', 'STRAY', '--out', path.join(tempDir(), 'r'), '--json'], { env: { STRAY: '1', REPRO_CACHE: path.join(tempDir(), 'c') } });
    expect(again.json().result.reproduced.status).toBe('not-reproduced');
    expect(again.json().result.reproduced.outputs).toContainEqual(expect.objectContaining({ path: 'stray.txt', verdict: 'extra' }));
  });

  it('build --with-run refuses a failed reference run (exit 3, nothing built), and warns about an unseeded one', async () => {
    const { work, build, exec, env, root } = await setup({ 'train.sh': 'echo failing >&2\nexit 3\n' });
    const failed = await exec(await build(), '--json');
    expect(failed.code).toBe(3);
    const out = path.join(work, 'refused');
    const r = await runCli(['build', root, '-o', out, '--with-run', failed.json().result.runDir, '--json'], { env });
    expect(r.code).toBe(3);
    expect(r.json().error).toMatchObject({ code: 'E_INPUT', message: 'the reference run exited 3: a failed run is no result to reproduce' });
    expect(existsSync(out)).toBe(false);

    const seeded = await makeProject({
      'repro.yaml': 'name: s\nentry_points:\n  main:\n    command: "echo {seed} > out.txt"\n    parameters:\n      seed: {type: int, default: 0, role: seed}\noutputs: [out.txt]\n',
    });
    const b = await runCli(['build', seeded, '-o', path.join(work, 's1'), '--json'], { env });
    const unseeded = await runCli(['exec', b.json().result.bundle, '--backend', 'local', '-P', 'seed=-1', '--out', path.join(work, 'unseeded'), '--json'], { env });
    expect(unseeded.code).toBe(0);
    const warned = await runCli(['build', seeded, '-o', path.join(work, 's2'), '--with-run', path.join(work, 'unseeded')], { env });
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('the reference run is unseeded (seed=-1)');
  });
});

describe('issue 28, finding 2: the reference run stays with the project', () => {
  it('a later build --verify without --with-run keeps the reference run (kept beside repro.lock as repro.run.json)', async () => {
    const { root, build, exec } = await setup();
    const ref = await exec(await build(), '--json');
    await build('--with-run', ref.json().result.runDir);
    expect(existsSync(path.join(root, 'repro.run.json'))).toBe(true);
    const again = await build('--verify');
    const r = await exec(again, '--expect-reproduced', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().result.reproduced.status).toBe('reproduced');
  });
});

describe('issue 28, finding 3: the drift check compares data with the recorded paths', () => {
  it('a snapshot taken with --data gives no false "breaking: data missing" at exec, and --strict runs', async () => {
    const { root, build, exec, env } = await setup({ 'data/train.csv': 'x,y\n1,2\n' });
    const snap = await runCli(['snapshot', root, '--data', path.join(root, 'data')], { env, cwd: root });
    expect(snap.code, snap.stderr).toBe(0);
    const r = await exec(await build(), '--strict', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/data.*(missing|removed)/i);
    expect((r.json().result.machine.changes ?? []).filter((c: { section: string }) => c.section === 'data')).toEqual([]);
  });
});

describe('issue 28, finding 7: a typo is refused', () => {
  it('-P alhpa=0.3 on a repro.yaml project is exit 2 with "did you mean alpha?"; nothing runs', async () => {
    const work = tempDir();
    const root = await makeProject({ 'repro.yaml': 'name: t\nentry_points:\n  main:\n    command: "echo {alpha} > out.txt"\n    parameters:\n      alpha: {type: float, default: 0.5}\noutputs: [out.txt]\n' });
    const b = await runCli(['build', root, '-o', path.join(work, 'b'), '--json']);
    const r = await runCli(['exec', b.json().result.bundle, '--backend', 'local', '-P', 'alhpa=0.3', '--out', path.join(work, 'r')], { env: { REPRO_CACHE: path.join(work, 'c') } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('entry point main has no parameter "alhpa"; did you mean alpha?');
    expect(existsSync(path.join(work, 'r'))).toBe(false);
  });

  it('on an MLproject, an undeclared -P keeps MLflow semantics with a warning naming the nearest parameter', async () => {
    const { build, exec } = await setup();
    const r = await exec(await build(), '-P', 'alhpa=0.3', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('-P alhpa is not declared by entry point main: passed on as --alhpa, as mlflow run does; did you mean alpha?');
  });
});

describe('issue 28, findings 5 and 10: SOURCE_DATE_EPOCH in the sandbox, and the log in run.json', () => {
  it('the local sandbox sets SOURCE_DATE_EPOCH to the bundle\'s (matplotlib writes it as a PDF\'s /CreationDate), and run.json keeps the log\'s tail', async () => {
    const { build, exec } = await setup({ 'train.sh': 'echo "$SOURCE_DATE_EPOCH" > epoch.txt\nseq 1 20000\necho done\n' });
    const r = await exec(await build(), '--json');
    expect(r.code, r.stderr).toBe(0);
    const record = JSON.parse(await fs.readFile(path.join(r.json().result.runDir, 'run.json'), 'utf8'));
    expect(record.environment.SOURCE_DATE_EPOCH).toMatch(/^\d+$/);
    expect(record.outputs.find((o: { path: string }) => o.path === 'epoch.txt').text).toBe(`${record.environment.SOURCE_DATE_EPOCH}\n`);
    expect(record.log.bytes).toBeGreaterThan(64 << 10);
    expect(record.log.truncated).toBe(true);
    expect(record.log.tail.endsWith('19999\n20000\ndone\n')).toBe(true);
    expect(Buffer.byteLength(record.log.tail)).toBeLessThanOrEqual(64 << 10);
  });
});

describe('issue 28, finding 6: run directory and lock hygiene', () => {
  it('exec without --out writes its run under the cache, never into the project (whose next build would bundle it)', async () => {
    const { root, build, env } = await setup();
    const bundle = await build();
    const r = await runCli(['exec', bundle, '--backend', 'local', '--json'], { env, cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().result.runDir.startsWith(path.join(env.REPRO_CACHE, 'runs') + path.sep)).toBe(true);
    expect(existsSync(path.join(root, 'runs'))).toBe(false);
  });

  it('re-running repro snapshot with nothing changed leaves the file byte for byte (no new capturedAt), so bundle and lock stay the same', async () => {
    const { root, env } = await setup();
    expect((await runCli(['snapshot', root, '--no-import'], { env })).code).toBe(0);
    const file = path.join(root, 'repro.snapshot.json');
    const before = await fs.readFile(file);
    await new Promise((r) => setTimeout(r, 1100)); // a second later: capturedAt would differ
    const again = await runCli(['snapshot', root, '--no-import', '--json'], { env });
    expect(again.json().result.written).toBe(false);
    expect(await fs.readFile(file)).toEqual(before);
  });

  it('the .repro folder repro writes into a project is ignored by git through its own .gitignore', async () => {
    const root = await makeProject({ 'a.txt': 'a\n', 'package.json': '{"name":"a","version":"1.0.0"}' }, { git: true });
    expect((await runCli(['build', root])).code).toBe(0);
    expect(await fs.readFile(path.join(root, '.repro', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    const { execFileSync } = await import('node:child_process');
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: root, encoding: 'utf8' });
    expect(status).not.toContain('.repro');
  });
});

describe('issue 28, finding 4: data is part of the story', () => {
  it('a gitignored 1 GiB dataset named in repro.yaml data: is bundled (with a note), reaches the rerun, and is hashed by the drift check', async () => {
    const work = tempDir('repro-data-');
    const root = await makeProject(
      {
        '.gitignore': 'data/\n',
        'repro.yaml': 'name: bigdata\nentry_points:\n  main:\n    command: "wc -c < data/train.bin > size.txt"\ndata: [data]\noutputs: [size.txt]\n',
      },
      { git: true },
    );
    await fs.mkdir(path.join(root, 'data'));
    const big = path.join(root, 'data', 'train.bin');
    const GiB = 2 ** 30;
    await fs.writeFile(big, 'start');
    await fs.truncate(big, GiB); // sparse: no disk for the source
    const env = { REPRO_CACHE: path.join(work, 'cache') };
    try {
      expect((await runCli(['snapshot', root, '--no-import', '--data', 'data'], { env, cwd: root })).code).toBe(0);
      const built = await runCli(['build', root, '-o', path.join(work, 'b'), '--json'], { env });
      expect(built.code, built.stderr).toBe(0);
      expect(built.stderr).toContain('1 data file git ignores bundled, because the project names them as data (repro.yaml data:, snapshot --data): data/train.bin');
      expect(built.stderr).toMatch(/bundling repro\.snapshot\.json \(sha256:[0-9a-f]{12}…, captured \S+, less than an hour old\)/);
      expect(built.json().result.contentBytes).toBeGreaterThan(GiB);
      const ran = await runCli(['exec', built.json().result.bundle, '--backend', 'local', '--strict', '--out', path.join(work, 'run'), '--json'], { env });
      expect(ran.code, ran.stderr).toBe(0);
      // The snapshot's --data record is hashed again in the bundle's copy: identical, so no drift.
      expect(ran.stderr).not.toContain('not in the bundle');
      expect((ran.json().result.machine.changes ?? []).filter((c: { section: string }) => c.section === 'data')).toEqual([]);
      expect(await fs.readFile(path.join(work, 'run', 'project', 'size.txt'), 'utf8')).toBe(`${GiB}\n`);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
      await fs.rm(big, { force: true });
    }
  }, 180_000);

  it('a .reproignore !pattern re-includes a file git ignores', async () => {
    const root = await makeProject({ '.gitignore': 'data/\n', '.reproignore': '!data/keep.csv\n', 'data/keep.csv': '1\n', 'data/skip.csv': '2\n', 'package.json': '{"name":"ri","version":"1.0.0"}' }, { git: true });
    const r = await runCli(['build', root, '-o', tempDir(), '--compression', 'none', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('re-included by a .reproignore !pattern: data/keep.csv');
    const { execFileSync } = await import('node:child_process');
    const listed = execFileSync('tar', ['-tf', r.json().result.bundle], { encoding: 'utf8' }).split('\n');
    expect(listed).toContain('project/data/keep.csv');
    expect(listed).not.toContain('project/data/skip.csv');
  });
});

describe('issue 28, finding 10: run.json keeps what the run used', () => {
  it('the CPU time and peak memory of the entry point\'s process tree, measured in the sandbox', async () => {
    const { build, exec } = await setup({
      'train.sh': 'i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done\n/usr/bin/python3 -c "import time; x = bytearray(200 << 20); time.sleep(1)"\necho ok > done.txt\n',
    });
    const r = await exec(await build(), '--json');
    expect(r.code, r.stderr).toBe(0);
    const usage = r.json().result.usage;
    expect(usage.cpuSeconds).toBeGreaterThan(0.2);
    expect(usage.peakRssBytes).toBeGreaterThan(200 * 2 ** 20);
    expect(usage.method).toMatch(/exact|sampled/);
  });

  it('a second bundle file of content already in the cache is not said to be "extracted by a concurrent exec"', async () => {
    const { build, exec } = await setup();
    const a = await build();
    const copy = `${a}.copy.repro.tar.zst`;
    await fs.copyFile(a, copy);
    expect((await exec(a)).code).toBe(0);
    const second = await exec(copy);
    expect(second.stderr).not.toContain('concurrent');
    expect(second.stderr).toContain('the same content was already in the cache');
  });
});

describe('issue 28, finding 8: the snapshot and the build notice what they record', () => {
  it('a .venv nobody told git to ignore is one line of the git identity, never bundled, and its absolute links no longer stop the build', async () => {
    const root = await makeProject({ 'train.py': 'print(1)\n', 'package.json': '{"name":"venvproj","version":"1.0.0"}' }, { git: true });
    // python3 -m venv .venv after the first commit, without a .gitignore for it
    const { writeTree } = await import('../helpers/project.js');
    await writeTree(root, {
      '.venv/pyvenv.cfg': 'home = /usr/bin\nversion = 3.11.2\n',
      '.venv/bin/python': { symlink: '/usr/bin/python3' },
      ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`.venv/lib/python3.11/site-packages/pkg${i}/__init__.py`, ''])),
    });
    const snap = await runCli(['snapshot', root, '--no-import', '--json']);
    expect(snap.code, snap.stderr).toBe(0);
    const untracked: string[] = snap.json().result.snapshot.identity.git.untracked;
    expect(untracked.filter((p) => p.startsWith('.venv'))).toEqual(['.venv/']);
    const built = await runCli(['build', root, '-o', tempDir(), '--json']);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain('.venv/ is a Python virtual environment');
  });

  it('the node on PATH is no drift for a Python project: only the runtimes it uses are compared', async () => {
    const { root, build, exec, env } = await setup({ 'requirements.txt': 'attrs\n' });
    expect((await runCli(['snapshot', root, '--no-import'], { env })).code).toBe(0);
    const bundle = await build();
    // exec where another node (or none) is on PATH
    const r = await runCli(['exec', bundle, '--backend', 'local', '--strict', '--out', path.join(tempDir(), 'r'), '--json'], { env: { ...env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    expect(r.code, r.stderr).toBe(0);
    expect((r.json().result.machine.changes ?? []).filter((c: { section: string }) => c.section === 'node')).toEqual([]);
  });
});

describe('issue 28, finding 5: artefacts that embed the time', () => {
  const WRITE_PDF = `import datetime, os
now = datetime.datetime.now().strftime("%Y%m%d%H%M%S%f")
ident = os.urandom(16).hex()
body = "BT /F1 12 Tf (loss 0.5) Tj ET"
open("report.pdf", "wb").write(f"%PDF-1.4\\\\n1 0 obj << /CreationDate (D:{now}) >> endobj\\\\n2 0 obj << /Length {len(body)} >> stream\\\\n{body}\\\\nendstream endobj\\\\ntrailer << /ID [<{ident}><{ident}>] >>\\\\n%%EOF\\\\n".encode("latin1"))
`;
  async function pdfProject(normalize: boolean) {
    const work = tempDir();
    const output = normalize ? '{path: report.pdf, normalize: pdf}' : 'report.pdf';
    const root = await makeProject({ 'repro.yaml': `name: pdf\nentry_points:\n  main:\n    command: "python3 write.py"\noutputs: [${output}]\n`, 'write.py': WRITE_PDF });
    const env = { REPRO_CACHE: path.join(work, 'c') };
    const first = await runCli(['build', root, '-o', path.join(work, 'b1'), '--json'], { env });
    const ref = await runCli(['exec', first.json().result.bundle, '--backend', 'local', '--out', path.join(work, 'ref')], { env });
    expect(ref.code, ref.stderr).toBe(0);
    const built = await runCli(['build', root, '-o', path.join(work, 'b2'), '--with-run', path.join(work, 'ref'), '--json'], { env });
    return runCli(['exec', built.json().result.bundle, '--backend', 'local', '--out', path.join(work, 'again'), '--expect-reproduced'], { env });
  }

  it('a PDF whose /CreationDate and /ID change every run: NOT reproduced as bytes, "equivalent" with normalize: pdf', async () => {
    const plain = await pdfProject(false);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toMatch(/report\.pdf {2}different/);
    const normalized = await pdfProject(true);
    expect(normalized.code, normalized.stderr).toBe(0);
    expect(normalized.stdout).toContain('reproduced: every output matches the reference run');
    expect(normalized.stdout).toContain('report.pdf  equivalent (identical once its /CreationDate, /ModDate, /ID and XMP dates are set aside)');
  });
});

describe('issue 28, finding 3: the data a bundle\'s snapshot names is hostile input', () => {
  it('attack: data recorded outside the project (an absolute host path) is never read at exec: said, and not compared', async () => {
    const { root, build, exec, env } = await setup();
    const outside = tempDir('repro-host-data-');
    await fs.writeFile(path.join(outside, 'secret.csv'), 'host only\n');
    expect((await runCli(['snapshot', root, '--no-import', '--data', outside], { env })).code).toBe(0);
    await fs.writeFile(path.join(outside, 'secret.csv'), 'changed on the host\n'); // were exec to hash it, --strict would refuse
    const r = await exec(await build(), '--strict', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`the snapshot's data ${outside} is not in the bundle: not compared`);
    expect((r.json().result.machine.changes ?? []).filter((c: { section: string }) => c.section === 'data')).toEqual([]);
  });
});

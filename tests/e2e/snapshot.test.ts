// repro snapshot and repro diff as a user runs them: the same digest twice, JSON envelopes,
// exit codes, a hung nvidia-smi, and a bundle standing in for the snapshot it carries.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeGpuBin, garbageBin, hangingBin } from '../helpers/fake-tools.js';
import { runCli } from '../helpers/cli.js';
import { makeProject, tempDir } from '../helpers/project.js';

const PY = '/usr/bin/python3';

describe('repro snapshot (binary)', () => {
  it('diff of two real interpreters on this machine fits on one screen, leading with what matters; --all and --json keep every row', async () => {
    const { execFileSync } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    // Debian's python3 (scikit-learn, numpy, ...) against another interpreter: a pyenv one where
    // the machine has it, else a bare venv of the same python3 (every package missing).
    const other = ['/root/.pyenv/versions/3.12.1/bin/python3', '/root/.pyenv/versions/3.11.7/bin/python3'].find((p) => existsSync(p)) ?? (() => {
      const venv = path.join(tempDir(), 'venv');
      execFileSync(PY, ['-m', 'venv', '--without-pip', venv]);
      return path.join(venv, 'bin', 'python');
    })();
    const root = await makeProject({ 'train.py': 'print(1)\n' });
    const a = path.join(tempDir(), 'a.json');
    const b = path.join(tempDir(), 'b.json');
    expect((await runCli(['snapshot', root, '--python', PY, '--no-import', '-o', a])).code).toBe(0);
    expect((await runCli(['snapshot', root, '--python', other, '--no-import', '-o', b])).code).toBe(0);
    const d = await runCli(['diff', a, b]);
    expect(d.code).toBe(1);
    const lines = d.stdout.trimEnd().split('\n');
    expect(lines.length, d.stdout).toBeLessThanOrEqual(24);
    expect(d.stdout).toMatch(/^frameworks  (numpy|scikit-learn) /m);
    expect(d.stdout).toMatch(/^packages +\d+ missing /m);
    const all = await runCli(['diff', a, b, '--all']);
    const json = (await runCli(['diff', a, b, '--json'])).json().result;
    expect(all.stdout.trimEnd().split('\n').length).toBe(json.changes.length + 6);
    expect(json.overview.packages.missing.length).toBeGreaterThan(0);
  });

  it('declared vs installed: a pin Debian\'s python3 does not satisfy, and one it does not have, are coded warnings and lines of their own', async () => {
    const root = await makeProject({ 'requirements.txt': 'numpy==1.24.2\nscikit-learn==0.24.0\ntorch==1.13.1\n' });
    const r = await runCli(['snapshot', root, '--python', PY, '--no-import', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const onDisk = JSON.parse(await fs.readFile(path.join(root, 'repro.snapshot.json'), 'utf8'));
    const installed = onDisk.identity.python.packages['scikit-learn'];
    expect(onDisk.context.lockfileWarnings['requirements.txt']).toEqual(expect.arrayContaining([
      { code: 'PIN_UNSATISFIED', message: `scikit-learn: declared ==0.24.0 -> installed ${installed} (PEP 440: not satisfied)`, package: 'scikit-learn' },
      { code: 'NOT_INSTALLED', message: `1 of 3 required packages are not installed in Python ${onDisk.identity.python.version} (the recorded interpreter cannot import them): torch` },
    ]));
    expect(onDisk.context.lockfileWarnings['requirements.txt'].filter((w: { package?: string }) => w.package === 'numpy' && w.package)).toEqual([expect.objectContaining({ code: 'MISSING_HASH' })]);
    const text = await runCli(['snapshot', root, '--python', PY, '--no-import']);
    expect(text.stdout).toMatch(/declared vs installed \(2\):\n  requirements\.txt  PIN_UNSATISFIED scikit-learn: declared ==0\.24\.0 -> installed \S+ \(PEP 440: not satisfied\)\n  requirements\.txt  NOT_INSTALLED 1 of 3/);
  });

  it('attack: repro diff BUNDLE never runs a non-python host path the bundle\'s snapshot names as its interpreter', async () => {
    // Before: diff ran whatever path the bundle's snapshot named, if it existed; exec's drift
    // check already refused it. One rule now (snapshot/this-machine.ts hostInterpreter).
    const marker = path.join(tempDir(), 'ran');
    const evil = path.join(tempDir(), 'evil-tool');
    await fs.writeFile(evil, `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
    const root = await makeProject({ 'train.py': 'print(1)\n' });
    expect((await runCli(['snapshot', root, '--python', PY, '--no-import'])).code).toBe(0);
    const file = path.join(root, 'repro.snapshot.json');
    const snap = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(snap.context.python.executable).toBeTruthy();
    snap.context.python.executable = evil; // context, not identity: the digest still holds
    await fs.writeFile(file, JSON.stringify(snap));
    const built = await runCli(['build', root, '-o', path.join(tempDir(), 'out'), '--no-lock', '--json']);
    expect(built.code, built.stderr).toBe(0);
    const d = await runCli(['diff', built.json().result.bundle, '--dir', root, '--no-import', '--json']);
    expect([0, 1]).toContain(d.code);
    expect(d.json().ok).toBe(true);
    await expect(fs.stat(marker)).rejects.toThrow(/ENOENT/);
    // The same bundle naming a real host interpreter is described with it.
    snap.context.python.executable = PY;
    await fs.writeFile(file, JSON.stringify(snap));
    const again = await runCli(['build', root, '-o', path.join(tempDir(), 'out2'), '--no-lock', '--json']);
    const same = await runCli(['diff', again.json().result.bundle, '--dir', root, '--no-import', '--json']);
    expect(same.json().result.changes.filter((c: { section: string }) => c.section === 'python')).toEqual([]);
  });

  it('captures twice with the same digest, and diff says identical (exit 0)', async () => {
    const root = await makeProject({ 'train.py': 'print(1)\n', 'requirements.txt': 'numpy==1.24.2\n', 'data/x.csv': '1,2\n' }, { git: true });
    const a = await runCli(['snapshot', root, '--python', PY, '--data', path.join(root, 'data'), '--json']);
    expect(a.code, a.stderr).toBe(0);
    const first = a.json();
    expect(first).toMatchObject({ schemaVersion: 1, command: 'snapshot', ok: true });
    expect(first.result.snapshotDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const file = path.join(root, 'repro.snapshot.json');
    const onDisk = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(onDisk.snapshotDigest).toBe(first.result.snapshotDigest);
    expect(onDisk.identity.python.packages['scikit-learn']).toBeDefined();
    expect(onDisk.identity.lockfiles[0]).toMatchObject({ path: 'requirements.txt', packageCount: 1 });
    expect(onDisk.identity.data[0]).toMatchObject({ path: 'data', type: 'directory', files: 1 });
    const second = path.join(tempDir(), 'second.json');
    const b = await runCli(['snapshot', root, '--python', PY, '--data', path.join(root, 'data'), '--json', '-o', second]);
    expect(b.json().result.snapshotDigest).toBe(first.result.snapshotDigest);
    const same = await runCli(['diff', file, second]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/identical/);
    const now = await runCli(['diff', file, '--dir', root, '--json']);
    expect(now.code, now.stdout).toBe(0);
    expect(now.json().result.identical).toBe(true);
  });

  it('diff exits 1 and names a changed determinism variable as breaking', async () => {
    const root = await makeProject({ 'a.py': '1' });
    expect((await runCli(['snapshot', root, '--python', PY, '--no-import'], { env: { PYTHONHASHSEED: '0' } })).code).toBe(0);
    const run = await runCli(['diff', path.join(root, 'repro.snapshot.json'), '--dir', root, '--no-import', '--json'], { env: { PYTHONHASHSEED: '1' } });
    expect(run.code).toBe(1);
    const doc = run.json();
    expect(doc.ok).toBe(true);
    expect(doc.result.changes).toContainEqual(expect.objectContaining({ section: 'env', field: 'PYTHONHASHSEED', a: '0', b: '1', severity: 'breaking' }));
    const human = await runCli(['diff', path.join(root, 'repro.snapshot.json'), '--dir', root, '--no-import'], { env: { PYTHONHASHSEED: '1' } });
    expect(human.stdout).toMatch(/breaking\s+env\s+PYTHONHASHSEED\s+0\s+1/);
  });

  it('finishes within the probe time limit when nvidia-smi hangs, and records why', async () => {
    const root = await makeProject({ 'a.py': '1' });
    const bin = await fakeGpuBin('hang');
    const started = Date.now();
    const run = await runCli(['snapshot', root, '--python', PY, '--no-import', '--probe-timeout', '700', '--json'], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(run.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(6000);
    const snap = JSON.parse(await fs.readFile(path.join(root, 'repro.snapshot.json'), 'utf8'));
    expect(snap.identity.gpu).toBeNull();
    expect(snap.context.probes.gpu.notes[0]).toMatch(/within 700 ms/);
  });

  it.each(['hang', 'garbage'] as const)('nvidia-smi, nvcc, python and git that all %s at once: the snapshot finishes and records each failed probe', async (kind) => {
    const root = await makeProject({ 'a.py': '1' });
    const make = kind === 'hang' ? hangingBin : garbageBin;
    const dirs = [await fakeGpuBin(kind), await make('nvcc'), await make('python3'), await make('git')];
    const python = path.join(dirs[2]!, 'python3');
    const started = Date.now();
    const run = await runCli(['snapshot', root, '--python', python, '--no-import', '--probe-timeout', '600', '--json'], { env: { PATH: `${dirs.join(':')}:${process.env.PATH}` } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // Probes run side by side, each under its own limit: about one limit, not four.
    expect(Date.now() - started).toBeLessThan(kind === 'hang' ? 6000 : 4000);
    const snap = JSON.parse(await fs.readFile(path.join(root, 'repro.snapshot.json'), 'utf8'));
    expect(snap.identity.gpu).toBeNull();
    expect(snap.identity.python).toBeNull();
    expect(snap.identity.git).toBeNull();
    const notes = (p: string) => snap.context.probes[p].notes.join(' | ');
    const why = kind === 'hang' ? /within 600 ms/ : /unexpected|garbage|not parse|cannot parse/i;
    expect(notes('gpu')).toMatch(why);
    expect(notes('python')).toMatch(why);
    expect(notes('git')).toMatch(kind === 'hang' ? /within 600 ms/ : /.+/);
    expect(snap.context.probes.gpu.status).toBe('absent');
  });

  it('with a fake H100 on PATH, records the GPU the way the real one was recorded', async () => {
    const root = await makeProject({ 'a.py': '1' });
    const bin = await fakeGpuBin('h100');
    const run = await runCli(['snapshot', root, '--python', PY, '--no-import'], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/1 × NVIDIA H100 80GB HBM3 \(Hopper, 9\.0\), driver 580\.159\.04, CUDA ≤ 13\.0; toolkit 13\.0\.88/);
  });

  it('a bundle stands in for the snapshot it carries', async () => {
    const root = await makeProject({ 'a.py': '1' }, { git: true });
    expect((await runCli(['snapshot', root, '--python', PY, '--no-import'])).code).toBe(0);
    const built = await runCli(['build', root, '--json']);
    const bundle = built.json().result.bundle;
    const run = await runCli(['diff', bundle, path.join(root, 'repro.snapshot.json'), '--json']);
    expect(run.code).toBe(0);
    expect(run.json().result.identical).toBe(true);
  });

  it('bad input: a file that is not a snapshot (exit 3), a newer schemaVersion (exit 3), a bad --probe-timeout (exit 2)', async () => {
    const root = await makeProject({ 'notes.json': '{"hello": 1}', 'future.json': JSON.stringify({ kind: 'repro-snapshot', schemaVersion: 9 }) });
    const notSnap = await runCli(['diff', path.join(root, 'notes.json'), path.join(root, 'notes.json')]);
    expect(notSnap.code).toBe(3);
    expect(notSnap.stderr).toMatch(/not a repro snapshot/);
    const future = await runCli(['diff', path.join(root, 'future.json'), path.join(root, 'future.json'), '--json']);
    expect(future.code).toBe(3);
    expect(future.json().error.code).toBe('E_SCHEMA_VERSION');
    expect((await runCli(['snapshot', root, '--probe-timeout', 'soon'])).code).toBe(2);
  });
});

// repro's wheel installer against a real venv: the layout pip and uv give (root, .data schemes,
// #!python scripts, entry points, INSTALLER and RECORD that importlib.metadata reads), files hard-
// linked from the store, the environment's own files protected; and the store's life: lookup,
// damage noticed, a race to publish, nothing but bytecode added after staging. Then real PyPI
// wheels side by side with pip: the same files, the same bytes.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, promises as fs, readdirSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { applyOps, installEntry, planEntry, skeletonPaths, type InstallTarget } from '../../../src/wheel/install.js';
import { WheelStore, type StoreEntry } from '../../../src/wheel/store.js';
import { SKIP_ML, ML_REASON } from '../../helpers/ml-python.js';
import { tempDir } from '../../helpers/project.js';
import { SYSTEM_PY } from '../../helpers/python-project.js';
import { WHEELHOUSE } from '../../helpers/wheel-index.js';
import { writeWheel } from '../../helpers/wheel.js';

const run = promisify(execFile);
const INFO = 'demo-1.0.dist-info';

async function venv(): Promise<{ dir: string; target: InstallTarget }> {
  const dir = path.join(tempDir(), 'venv');
  await run(SYSTEM_PY, ['-I', '-m', 'venv', '--without-pip', dir]);
  const { stdout } = await run(path.join(dir, 'bin', 'python'), ['-I', '-c', 'import json, sys, sysconfig; print(json.dumps([sysconfig.get_paths(), list(sys.version_info[:2])]))']);
  const [paths, [major, minor]] = JSON.parse(stdout) as [Record<string, string>, number[]];
  return { dir, target: { scheme: { purelib: paths.purelib!, platlib: paths.platlib!, scripts: paths.scripts!, data: paths.data!, headersRoot: path.join(dir, 'include', 'site', `python${major}.${minor}`) }, python: path.join(dir, 'bin', 'python'), protectedPaths: skeletonPaths(dir) } };
}

async function stored(wheel: string, store = new WheelStore(path.join(tempDir(), 'store'))): Promise<{ entry: StoreEntry; files: string; store: WheelStore }> {
  const sha = createHash('sha256').update(readFileSync(wheel)).digest('hex');
  const staged = await store.stage(await store.batch(), wheel, path.basename(wheel), sha, 'cpython-311');
  const entry = await store.publish(staged, 'cpython-311');
  return { entry, files: store.filesOf(WheelStore.key(sha, 'cpython-311')), store };
}

const demo = (extra: Record<string, string | { data: string; mode: number }> = {}) =>
  writeWheel(tempDir(), {
    files: {
      'demo/__init__.py': 'VALUE = 42\n',
      'demo/cli.py': 'def main():\n    print("demo cli ran")\n    return 0\n',
      'demo-1.0.data/scripts/demo-script': { data: '#!python -u\nimport demo\nprint("script", demo.VALUE)\n', mode: 0o100644 },
      'demo-1.0.data/scripts/plain.sh': { data: '#!/bin/sh\necho plain\n', mode: 0o100644 },
      'demo-1.0.data/data/share/demo/notes.txt': 'notes\n',
      'demo-1.0.data/headers/demo.h': '#define DEMO 1\n',
      [`${INFO}/entry_points.txt`]: '[console_scripts]\ndemo = demo.cli:main\n',
      ...extra,
    },
  });

describe('applyOps: every wheel of a new environment at once', () => {
  it('lays the files out as one-after-another installs would: the later wheel\'s file at a shared path wins, whether linked or written', async () => {
    const { target } = await venv();
    const first = await stored(writeWheel(tempDir(), { name: 'alpha', files: { 'shared/data.txt': 'alpha\n', 'alpha/__init__.py': '' } }));
    const second = await stored(writeWheel(tempDir(), { name: 'beta', files: { 'shared/data.txt': 'beta\n', 'beta/__init__.py': '' } }), first.store);
    const plans = [planEntry(first.entry, first.files, 'alpha', target), planEntry(second.entry, second.files, 'beta', target)];
    // Planning writes nothing.
    expect(existsSync(path.join(target.scheme.purelib, 'shared'))).toBe(false);
    await applyOps(plans.map((p) => p.ops), 4);
    const shared = path.join(target.scheme.purelib, 'shared', 'data.txt');
    expect(readFileSync(shared, 'utf8')).toBe('beta\n');
    // A hard link to the store's file of the second wheel, not a copy.
    expect(lstatSync(shared).ino).toBe(lstatSync(path.join(second.files, 'shared', 'data.txt')).ino);
    for (const w of ['alpha', 'beta']) expect(existsSync(path.join(target.scheme.purelib, w, '__init__.py'))).toBe(true);
    // Each wheel's own RECORD and INSTALLER, written.
    expect(readdirSync(target.scheme.purelib).filter((d) => d.endsWith('.dist-info')).sort()).toEqual(['alpha-1.0.dist-info', 'beta-1.0.dist-info']);
  });
});

describe('installEntry', () => {
  it('lays a wheel out as pip does: root in site-packages, each .data scheme in its folder, scripts and entry points runnable', async () => {
    const { dir, target } = await venv();
    const { entry, files } = await stored(demo());
    const done = installEntry(entry, files, 'demo', target);
    const site = target.scheme.purelib;
    expect(readFileSync(path.join(site, 'demo', '__init__.py'), 'utf8')).toBe('VALUE = 42\n');
    expect(readFileSync(path.join(dir, 'share', 'demo', 'notes.txt'), 'utf8')).toBe('notes\n');
    expect(readFileSync(path.join(target.scheme.headersRoot, 'demo', 'demo.h'), 'utf8')).toBe('#define DEMO 1\n');
    expect(readFileSync(path.join(dir, 'bin', 'demo-script'), 'utf8')).toBe(`#!${target.python} -u\nimport demo\nprint("script", demo.VALUE)\n`);
    expect(done.scripts.sort()).toEqual(['demo', 'demo-script', 'plain.sh']);
    for (const s of done.scripts) expect(statSync(path.join(dir, 'bin', s)).mode & 0o111).not.toBe(0);
    expect((await run(path.join(dir, 'bin', 'demo'))).stdout).toBe('demo cli ran\n');
    expect((await run(path.join(dir, 'bin', 'demo-script'))).stdout).toBe('script 42\n');
    expect((await run(path.join(dir, 'bin', 'plain.sh'))).stdout).toBe('plain\n');
    // Hard links to the store: one copy however many environments.
    expect(statSync(path.join(site, 'demo', '__init__.py')).ino).toBe(statSync(path.join(files, 'demo', '__init__.py')).ino);
    // importlib.metadata reads the RECORD and INSTALLER written for this environment.
    const { stdout } = await run(target.python, ['-I', '-c', 'import importlib.metadata as m; d = m.distribution("demo"); print(d.version, d.read_text("INSTALLER").strip(), sorted(str(f) for f in d.files))']);
    expect(stdout).toContain("1.0 repro ['../../../bin/demo', '../../../bin/demo-script', '../../../bin/plain.sh', '../../../include/site/python3.11/demo/demo.h', '../../../share/demo/notes.txt', 'demo-1.0.dist-info/INSTALLER', 'demo-1.0.dist-info/METADATA', 'demo-1.0.dist-info/RECORD', 'demo-1.0.dist-info/WHEEL', 'demo-1.0.dist-info/entry_points.txt', 'demo/__init__.py', 'demo/cli.py']");
  });

  it('attack: a wheel replacing the environment\'s pyvenv.cfg or its interpreter is refused', async () => {
    for (const [member, what] of [['demo-1.0.data/data/pyvenv.cfg', 'pyvenv.cfg'], ['demo-1.0.data/scripts/python', 'bin/python']] as const) {
      const { dir, target } = await venv();
      const cfg = readFileSync(path.join(dir, 'pyvenv.cfg'), 'utf8');
      const { entry, files } = await stored(writeWheel(tempDir(), { files: { [member]: 'home = /tmp/evil\n' } }));
      expect(() => installEntry(entry, files, 'demo', target)).toThrow(new RegExp(`would replace the environment's own .*${what.replace('/', '\\/')}`));
      expect(readFileSync(path.join(dir, 'pyvenv.cfg'), 'utf8')).toBe(cfg);
      expect(lstatSync(path.join(dir, 'bin', 'python')).isSymbolicLink()).toBe(true);
    }
  });
});

describe('WheelStore', () => {
  it('a published entry is found again; one with a file missing, resized, or changed in place with its size kept is not, and is removed', async () => {
    for (const damage of [
      (f: string) => writeFileSync(f, 'VALUE = 43 # changed size\n'),
      (f: string) => writeFileSync(f, 'VALUE = 43\n'), // same size: an edit through a hard link from an environment
      (f: string) => unlinkSync(f),
    ]) {
      const { store, entry } = await stored(demo());
      const key = WheelStore.key(entry.sha256, 'cpython-311');
      expect(await store.lookup(key)).toEqual(entry);
      const file = path.join(store.filesOf(key), 'demo', '__init__.py');
      utimesSync(file, new Date(Date.now() - 5000), new Date(Date.now() - 5000));
      expect(await store.lookup(key), 'an mtime change alone is a change').toBeNull();
      const again = await stored(demo(), store);
      damage(path.join(store.filesOf(WheelStore.key(again.entry.sha256, 'cpython-311')), 'demo', '__init__.py'));
      expect(await store.lookup(WheelStore.key(again.entry.sha256, 'cpython-311'))).toBeNull();
      expect(existsSync(path.join(store.root, WheelStore.key(again.entry.sha256, 'cpython-311')))).toBe(false);
    }
  });

  it('attack: an entry.json edited in the cache to list a member outside the entry (../) is no entry, and is removed', async () => {
    for (const member of ['../../outside.py', 'demo/./__init__.py', '/etc/passwd', 'demo//__init__.py']) {
      const { store, entry } = await stored(demo());
      const key = WheelStore.key(entry.sha256, 'cpython-311');
      const file = path.join(store.root, key, 'entry.json');
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      doc.members[0].path = member;
      writeFileSync(file, JSON.stringify(doc));
      expect(await store.lookup(key), member).toBeNull();
      expect(existsSync(path.join(store.root, key))).toBe(false);
    }
  });

  it('two makers publishing the same wheel: the second gets the first one\'s entry, and its staging folder is gone', async () => {
    const wheel = demo();
    const store = new WheelStore(path.join(tempDir(), 'store'));
    const sha = createHash('sha256').update(readFileSync(wheel)).digest('hex');
    const a = await store.stage(await store.batch(), wheel, path.basename(wheel), sha, 'cpython-311');
    const b = await store.stage(await store.batch(), wheel, path.basename(wheel), sha, 'cpython-311');
    const first = await store.publish(a, 'cpython-311');
    expect(await store.publish(b, 'cpython-311')).toEqual(first);
    expect(existsSync(b.dir)).toBe(false);
  });

  it('after staging only bytecode may be added (compileall\'s __pycache__/*.pyc), listed with its hash', async () => {
    const wheel = demo();
    const store = new WheelStore(path.join(tempDir(), 'store'));
    const staged = await store.stage(await store.batch(), wheel, path.basename(wheel), 'b'.repeat(64), 'cpython-311');
    await run(SYSTEM_PY, ['-I', '-m', 'compileall', '-q', path.join(staged.dir, 'files', 'demo')]);
    const entry = await store.publish(staged, 'cpython-311');
    expect(entry.members.map((m) => m.path)).toContain('demo/__pycache__/__init__.cpython-311.pyc');
    const other = await store.stage(await store.batch(), wheel, path.basename(wheel), 'c'.repeat(64), 'cpython-311');
    writeFileSync(path.join(other.dir, 'files', 'demo', 'planted.py'), 'x');
    await expect(store.publish(other, 'cpython-311')).rejects.toThrow(/gained demo\/planted.py, which is no bytecode/);
  });

  it('a wheel shipping stale bytecode (numpy 1.26.4 does), which compileall rewrites: the entry lists the rewritten file, and is found intact after', async () => {
    const wheel = writeWheel(tempDir(), { files: { 'demo/__init__.py': 'VALUE = 1\n', 'demo/__pycache__/__init__.cpython-311.pyc': 'stale bytecode from the wheel builder' } });
    const store = new WheelStore(path.join(tempDir(), 'store'));
    const staged = await store.stage(await store.batch(), wheel, path.basename(wheel), 'd'.repeat(64), 'cpython-311');
    await run(SYSTEM_PY, ['-I', '-m', 'compileall', '-q', path.join(staged.dir, 'files')]);
    const entry = await store.publish(staged, 'cpython-311');
    const pyc = entry.members.find((m) => m.path === 'demo/__pycache__/__init__.cpython-311.pyc')!;
    expect(pyc.size).toBe(statSync(path.join(store.filesOf(WheelStore.key('d'.repeat(64), 'cpython-311')), pyc.path)).size);
    expect(await store.lookup(WheelStore.key('d'.repeat(64), 'cpython-311'))).toEqual(entry);
  });

  it('a maker killed mid-staging leaves a folder the next maker removes', async () => {
    const store = new WheelStore(path.join(tempDir(), 'store'));
    await fs.mkdir(path.join(store.root, '.stage-999999999-deadbeef', 'x'), { recursive: true });
    await store.batch();
    expect(readdirSync(store.root).filter((n) => n.includes('999999999'))).toEqual([]);
  });
});

describe.skipIf(SKIP_ML)(`real wheels, side by side with pip${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  /** Every file under a folder (no bytecode, no installer-specific metadata): path -> sha256 and whether it is executable. */
  function tree(root: string): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (rel: string) => {
      for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (e.name !== '__pycache__') walk(r);
        } else if (!/\.dist-info\/(RECORD|INSTALLER|REQUESTED|direct_url\.json)$/.test(r)) {
          const abs = path.join(root, r);
          out.set(r, `${createHash('sha256').update(readFileSync(abs)).digest('hex')} ${statSync(abs).mode & 0o111 ? 'x' : '-'}`);
        }
      }
    };
    walk('');
    return out;
  }

  it.each(['sqlparse-0.6.1', 'numpy-1.26.4', 'pyyaml-6.0.4', 'mlflow_skinny-2.17.2'])('%s: the same files with the same bytes as pip install --no-deps, and it imports', async (prefix) => {
    const wheel = path.join(WHEELHOUSE, readdirSync(WHEELHOUSE).find((f) => f.startsWith(`${prefix}-`))!);
    const ours = await venv();
    const { entry, files } = await stored(wheel);
    installEntry(entry, files, entry.wheel.split('-')[0]!.toLowerCase(), ours.target);
    const pips = path.join(tempDir(), 'pip-venv');
    await run(SYSTEM_PY, ['-m', 'venv', '--without-pip', pips]);
    await run(SYSTEM_PY, ['-m', 'pip', '--python', path.join(pips, 'bin', 'python'), 'install', '--quiet', '--no-index', '--no-deps', '--no-compile', wheel], { env: { PATH: '/usr/bin:/bin', HOME: tempDir(), PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
    const a = tree(path.join(ours.dir, 'lib'));
    const b = tree(path.join(pips, 'lib'));
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    for (const [p, h] of b) expect(a.get(p), p).toBe(h);
    // Scripts: the same names; their first line names each environment's own interpreter.
    const bin = (d: string) => readdirSync(path.join(d, 'bin')).sort();
    expect(bin(ours.dir)).toEqual(bin(pips));
    for (const s of bin(pips).filter((n) => !/^(python|activate|Activate)/.test(n))) {
      expect(readFileSync(path.join(ours.dir, 'bin', s), 'utf8').split('\n')[0]).toBe(`#!${ours.target.python}`);
    }
    const mod = { 'sqlparse-0.6.1': 'sqlparse', 'numpy-1.26.4': 'numpy', 'pyyaml-6.0.4': 'yaml', 'mlflow_skinny-2.17.2': 'importlib.metadata' }[prefix]!;
    const { stdout } = await run(ours.target.python, ['-I', '-c', `import ${mod}, importlib.metadata as m; d = m.distribution(${JSON.stringify(entry.wheel.split('-')[0])}); print(d.version, len(d.files) > 0)`]);
    expect(stdout.trim()).toBe(`${entry.wheel.split('-')[1]} True`);
  });
});

// The rerun's interpreter rule (snapshot/find-python.ts) on fake interpreters: small scripts that
// answer as Python would, placed where PATH, pyenv and uv keep them, so the order of the search
// and the exact-then-same-minor-then-python3 rule are checked without any real Python.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidates, planInterpreter } from '../../../src/snapshot/find-python.js';
import { tempDir } from '../../helpers/project.js';

/** An executable that answers the interpreter question with `version`. */
function fakePython(file: string, version: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  const prefix = path.dirname(path.dirname(file));
  writeFileSync(file, `#!/bin/sh\necho '{"version": "${version}", "prefix": "${prefix}", "base": "${prefix}", "executable": "${file}"}'\n`);
  chmodSync(file, 0o755);
  return file;
}

function machine() {
  const home = tempDir();
  const bin = path.join(home, 'bin');
  mkdirSync(bin, { recursive: true });
  return { home, bin, env: { HOME: home, PATH: bin, PYENV_ROOT: path.join(home, '.pyenv'), XDG_DATA_HOME: path.join(home, 'share') } };
}

describe('planInterpreter', () => {
  it('--python is taken as given, asked for its version', async () => {
    const m = machine();
    const py = fakePython(path.join(m.bin, 'python3'), '3.12.4');
    expect(await planInterpreter({ python: py, recorded: { version: '3.11.7', executable: null }, cacheDir: tempDir(), env: m.env, systemDirs: [] })).toMatchObject({ path: py, version: '3.12.4', chosenBy: 'option' });
  });

  it('no recorded Python and no --python: no plan (the project does not use Python)', async () => {
    expect(await planInterpreter({ recorded: null, cacheDir: tempDir(), env: machine().env, systemDirs: [] })).toBeNull();
  });

  it('the exact version wins over a same-minor one found first: pyenv\'s 3.11.7 over python3.11 3.11.2 on PATH', async () => {
    const m = machine();
    fakePython(path.join(m.bin, 'python3.11'), '3.11.2');
    const exact = fakePython(path.join(m.home, '.pyenv', 'versions', '3.11.7', 'bin', 'python3.11'), '3.11.7');
    expect(await planInterpreter({ recorded: { version: '3.11.7', executable: '/gone/python3' }, cacheDir: tempDir(), env: m.env, systemDirs: [] })).toMatchObject({ path: exact, chosenBy: 'snapshot', prefixes: [path.join(m.home, '.pyenv', 'versions', '3.11.7')] });
  });

  it('uv-managed Pythons are searched; the recorded path itself first when it is a host interpreter', async () => {
    const m = machine();
    const uv = fakePython(path.join(m.home, 'share', 'uv', 'python', 'cpython-3.12.7-linux-x86_64-gnu', 'bin', 'python3.12'), '3.12.7');
    expect(await planInterpreter({ recorded: { version: '3.12.7', executable: null }, cacheDir: tempDir(), env: m.env, systemDirs: [] })).toMatchObject({ path: uv, chosenBy: 'snapshot' });
    const own = fakePython(path.join(tempDir(), 'venv', 'bin', 'python'), '3.12.7');
    expect(await planInterpreter({ recorded: { version: '3.12.7', executable: own }, cacheDir: tempDir(), env: m.env, systemDirs: [] })).toMatchObject({ path: own, reason: "the snapshot's Python 3.12.7, at the path it recorded" });
  });

  it('attack: a recorded path inside repro\'s cache (a bundle\'s own file) is never asked, even when it answers the right version', async () => {
    const m = machine();
    const cache = tempDir();
    const planted = fakePython(path.join(cache, 'bundles', 'x', 'project', '.venv', 'bin', 'python3'), '3.12.7');
    const plan = await planInterpreter({ recorded: { version: '3.12.7', executable: planted }, cacheDir: cache, env: m.env, systemDirs: [] });
    expect(plan?.path).not.toBe(planted);
  });

  it('only the same minor: chosen, said as such; none: python3 on PATH, with the reason', async () => {
    const m = machine();
    const minor = fakePython(path.join(m.bin, 'python3.11'), '3.11.2');
    expect(await planInterpreter({ recorded: { version: '3.11.7', executable: null }, cacheDir: tempDir(), env: m.env, systemDirs: [] })).toMatchObject({ path: minor, chosenBy: 'same-minor', reason: "no Python 3.11.7 here; 3.11.2 has the snapshot's 3.11" });
    const other = machine();
    const py3 = fakePython(path.join(other.bin, 'python3'), '3.13.1');
    expect(await planInterpreter({ recorded: { version: '3.11.7', executable: null }, cacheDir: tempDir(), env: other.env, systemDirs: [] })).toMatchObject({ path: py3, chosenBy: 'path', version: '3.13.1', reason: expect.stringContaining('no Python 3.11 here') });
  });

  it("pyenv's shims are never candidates (they choose a version by the caller's directory, and do not run in the sandbox)", async () => {
    const m = machine();
    const shims = path.join(m.home, '.pyenv', 'shims');
    fakePython(path.join(shims, 'python3'), '3.11.7');
    expect(await candidates('3.11.7', { ...m.env, PATH: `${shims}:${m.bin}` }, [])).toEqual([]);
  });
});

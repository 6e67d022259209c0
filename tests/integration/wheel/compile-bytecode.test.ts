// templates/compile-bytecode.py, the wheel store's bytecode compiler, run by a real Python on real
// folders: it says when each folder is compiled (exec's progress bar counts those lines), skips
// what does not compile, and compiles nothing under a wheel's .data scripts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/project.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const SCRIPT = path.join(REPO_ROOT, 'templates', 'compile-bytecode.py');

describe('compile-bytecode.py', () => {
  it('prints "done FOLDER" once per folder (an empty one too) and the count at the end', () => {
    const root = tempDir();
    const folders = ['a', 'b', 'empty'].map((n) => path.join(root, n));
    for (const f of folders) mkdirSync(f);
    for (let i = 0; i < 150; i++) writeFileSync(path.join(folders[0]!, `m${i}.py`), `x = ${i}\n`);
    writeFileSync(path.join(folders[1]!, 'ok.py'), 'y = 1\n');
    writeFileSync(path.join(folders[1]!, 'py2.py'), 'print "python 2"\n');
    mkdirSync(path.join(folders[1]!, 'demo-1.0.data', 'scripts'), { recursive: true });
    writeFileSync(path.join(folders[1]!, 'demo-1.0.data', 'scripts', 'tool.py'), 'z = 1\n');
    const r = spawnSync('python3', ['-I', SCRIPT], { input: `${folders.join('\n')}\n`, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('done ')).sort()).toEqual(folders.map((f) => `done ${f}`).sort());
    expect(lines.at(-1)).toBe('compiled 151 of 152 files');
    expect(readdirSync(path.join(folders[0]!, '__pycache__'))).toHaveLength(150);
    expect(existsSync(path.join(folders[1]!, 'demo-1.0.data', 'scripts', '__pycache__'))).toBe(false);
  });
});

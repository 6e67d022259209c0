// Issue 28, finding 2: `build --verify` in CI. A stale repro.lock is reported as exactly that,
// with its differing entries, and never as "not reproducible"; a build that does not verify
// replaces nothing (neither the bundle file already there nor repro.lock).
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rebuildInChild, runVerifiedBuild } from '../../../src/builder/verify-build.js';
import { LOCK_FILE } from '../../../src/bundle/lock.js';
import { renderHumanError } from '../../../src/cli/render/text.js';
import type { ReproError } from '../../../src/core/errors.js';
import { CLI, runCli } from '../../helpers/cli.js';
import { testContext } from '../../helpers/context.js';
import { makeProject, tempDir } from '../../helpers/project.js';

const self = { execPath: process.execPath, script: CLI };

describe('issue 28, finding 2: build --verify and repro.lock', () => {
  it('a stale repro.lock after an edit: the build verifies (exit 0), the stale lock is named entry by entry and updated', async () => {
    const root = await makeProject({ 'train.py': 'print(1)\n', 'pyproject.toml': '[project]\nname = "trainer"\nversion = "1.0"\n' });
    const out = tempDir();
    expect((await runCli(['build', root, '-o', out])).code).toBe(0);
    await fs.writeFile(path.join(root, 'train.py'), 'print(2)\n');
    const r = await runCli(['build', root, '-o', out, '--verify', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const v = r.json().result.verify;
    expect(v).toMatchObject({ reproducible: true, differences: [], lock: { matches: false, differences: expect.arrayContaining([expect.objectContaining({ entry: 'project/train.py', field: 'sha256' })]) } });
    expect(r.json().result.lock.status).toBe('written');
    expect(r.stderr).toContain('repro.lock recorded another bundle');
    expect(r.stderr).toMatch(/project\/train\.py\s+sha256/);
    expect(r.stderr).not.toContain('not reproducible');
    const text = await runCli(['build', root, '-o', out, '--verify']);
    expect(text.stdout).toContain('verified: reproducible');
    expect(text.stdout).toContain('repro.lock: matches');
  });

  it('in CI, --verify --locked on a stale lock fails as a stale lock (E_LOCK_MISMATCH), naming each entry, and writes nothing', async () => {
    const root = await makeProject({ 'train.py': 'print(1)\n' });
    const out = tempDir();
    expect((await runCli(['build', root, '-o', out])).code).toBe(0);
    const lock = await fs.readFile(path.join(root, LOCK_FILE));
    await fs.writeFile(path.join(root, 'train.py'), 'print(2)\n');
    const r = await runCli(['build', root, '-o', tempDir(), '--verify', '--locked']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_LOCK_MISMATCH');
    expect(r.stderr).toMatch(/project\/train\.py\s+sha256/);
    expect(r.stderr).not.toContain('not reproducible');
    expect(await fs.readFile(path.join(root, LOCK_FILE))).toEqual(lock);
  });

  it('attack: a rebuild that differs is reported with each differing entry in the text, and the bundle file and repro.lock already there are left as they were', async () => {
    const root = await makeProject({ 'a.txt': 'a\n', 'b.txt': 'b\n' });
    const out = tempDir();
    const first = await runCli(['build', root, '-o', out, '--json']);
    const bundle = first.json().result.bundle as string;
    const [bundleBytes, lockBytes] = await Promise.all([fs.readFile(bundle), fs.readFile(path.join(root, LOCK_FILE))]);
    await fs.writeFile(path.join(root, 'b.txt'), 'b2\n'); // a real change, so the first build of --verify differs from the bundle on disk
    // The rebuild goes through a script that changes a.txt in its copy first: the two builds differ.
    const dir = tempDir();
    const script = path.join(dir, 'differing-rebuild.mjs');
    await fs.writeFile(script, `import { appendFileSync } from 'node:fs';\nappendFileSync(process.argv[3] + '/a.txt', 'changed\\n');\nawait import(${JSON.stringify(CLI)});\n`);
    const err = (await runVerifiedBuild({ dir: root, outDir: out, compression: 'zstd' }, testContext({ cwd: root, env: { PATH: process.env.PATH } }), { ...self, script }).then(
      () => null,
      (e: ReproError) => e,
    ))!;
    expect(err).toMatchObject({ code: 'E_NOT_REPRODUCIBLE', message: expect.stringContaining('nothing was written') });
    expect(err.details.differences).toEqual(expect.arrayContaining([expect.objectContaining({ entry: 'project/a.txt', field: 'sha256' })]));
    expect(renderHumanError(err)).toMatch(/project\/a\.txt\s+sha256/);
    expect(await fs.readFile(bundle)).toEqual(bundleBytes);
    expect(await fs.readFile(path.join(root, LOCK_FILE))).toEqual(lockBytes);
    expect((await fs.readdir(out)).sort()).toEqual([path.basename(bundle)]); // no staged file left behind
  });
});

describe('build --verify: the rebuild runs beside the first build', () => {
  it('the copy is made in RAM when a tmpfs has room (REPRO_TMPFS), else beside the bundle, and nothing of it is left in either', async () => {
    const root = await makeProject({ 'train.py': 'print(1)\n', 'pyproject.toml': '[project]\nname = "trainer"\nversion = "1.0"\n' });
    const copiedUnder = async (out: string, env: Record<string, string>) => {
      const r = await runCli(['build', root, '-o', out, '--verify', '--json'], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(await fs.readdir(out)).toEqual([path.basename(r.json().result.bundle as string)]);
      const copied = (r.json().result.verify.variations as Array<{ name: string; value: string }>).find((v) => v.name === 'path')!.value;
      const work = path.dirname(path.dirname(copied));
      expect(path.basename(work)).toMatch(/^\.repro-tmp-\d+-[0-9a-f]+-verify$/);
      expect(existsSync(work)).toBe(false);
      return path.dirname(work);
    };
    const out = tempDir();
    expect(await copiedUnder(out, { REPRO_TMPFS: 'none' })).toBe(out);
    // a folder that is not a tmpfs is not used either
    expect(await copiedUnder(out, { REPRO_TMPFS: tempDir() })).toBe(out);
    expect(await copiedUnder(out, {})).toBe('/dev/shm'); // a tmpfs on Linux (tests/unit/core/tmpfs.test.ts)
  });

  it('a rebuild still running when the first build fails is stopped, and waited for', async () => {
    const dir = tempDir();
    const pidFile = path.join(dir, 'pid');
    const script = path.join(dir, 'slow-rebuild.mjs');
    await fs.writeFile(script, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nsetInterval(() => {}, 1000);\n`);
    const stop = new AbortController();
    const job = { copyRoot: path.join(dir, 'copy'), outDir: path.join(dir, 'out'), list: new Promise<Buffer[]>(() => {}), codec: 'zstd', sourceDateEpoch: '0', baseImage: null, withRun: null, projectName: null, vendor: false, python: null, recordHashes: false };
    const running = rebuildInChild({ ...self, script }, testContext({ cwd: dir, env: { PATH: process.env.PATH } }), job, stop.signal);
    let pid = 0;
    for (let i = 0; i < 200 && pid === 0; i++) {
      pid = Number(await fs.readFile(pidFile, 'utf8').catch(() => '0'));
      if (pid === 0) await new Promise((r) => setTimeout(r, 25));
    }
    expect(pid).toBeGreaterThan(0);
    stop.abort();
    await expect(running).rejects.toMatchObject({ code: 'E_INTERNAL' }); // it printed no result: it was stopped
    expect(() => process.kill(pid, 0)).toThrow(); // gone by the time the promise settles
  });
});

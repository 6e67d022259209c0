// The built binary, spawned as a user would: exit codes, the --json envelope on stdout, logs on
// stderr, --help that teaches, and the environment variations reprotest uses.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertOthersCanRun, runCli } from '../helpers/cli.js';
import { git, makeProject, tempDir } from '../helpers/project.js';

const FILES = {
  'train.py': 'print("train")\n',
  'run.sh': { content: '#!/bin/sh\necho run\n', mode: 0o755 },
  'data/z.csv': '1\n',
  'data/a.csv': '2\n',
  'Ábc/čo.txt': 'sk\n',
};

describe('repro build (binary)', () => {
  it('prints one JSON envelope on stdout and writes bundle and lock', async () => {
    const root = await makeProject(FILES, { git: true });
    const run = await runCli(['build', root, '--json']);
    expect(run.code).toBe(0);
    const doc = run.json();
    expect(doc).toMatchObject({ schemaVersion: 1, command: 'build', ok: true });
    expect(doc.result.contentDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(doc.result.fileDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(doc.result.integrity).toMatch(/^sha512-/);
    expect(doc.result.bundle).toBe(path.join(root, '.repro', 'bundles', 'proj-0.0.0.repro.tar.zst'));
    expect(doc.result.lock.status).toBe('written');
    const lock = JSON.parse(await fs.readFile(path.join(root, 'repro.lock'), 'utf8'));
    expect(lock).toMatchObject({ schemaVersion: 1, kind: 'repro-lock', contentDigest: doc.result.contentDigest });
  });

  it('gives identical bytes under another TZ, locale, umask, cwd and user', async () => {
    const root = await makeProject(FILES);
    await fs.chmod(path.dirname(root), 0o755);
    const outA = path.join(tempDir(), 'a');
    const outB = path.join(tempDir(), 'b');
    await fs.mkdir(outB, { recursive: true });
    await fs.chmod(outB, 0o777);
    await fs.chmod(path.dirname(outB), 0o755);
    const a = await runCli(['build', root, '-o', outA, '--no-lock', '--json'], { env: { TZ: 'UTC', LC_ALL: 'C' } });
    const asRoot = process.getuid?.() === 0;
    if (asRoot) assertOthersCanRun();
    const b = await runCli(['build', root, '-o', outB, '--no-lock', '--json'], {
      cwd: '/',
      umask: '077',
      env: { TZ: 'Pacific/Chatham', LC_ALL: 'sk_SK.UTF-8', LANG: 'sk_SK.UTF-8' },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(a.code).toBe(0);
    expect(b.code, b.stdout + b.stderr).toBe(0);
    expect(b.json().result.contentDigest).toBe(a.json().result.contentDigest);
    expect(b.json().result.fileDigest).toBe(a.json().result.fileDigest);
  });

  it('--verify rebuilds under variations and says reproducible (a project named after its git remote, as a clone is)', async () => {
    const root = await makeProject(FILES, { git: true });
    git(root, 'remote', 'add', 'origin', 'https://github.com/acme/widget.git');
    const run = await runCli(['build', root, '--verify', '--json']);
    expect(run.code, run.stdout).toBe(0);
    expect(run.json().result.name).toBe('widget');
    const v = run.json().result.verify;
    expect(v.reproducible).toBe(true);
    expect(v.rebuild.contentDigest).toBe(run.json().result.contentDigest);
    // Every copied file's identity was proven by the copy: the rebuild hashed none of them again.
    expect(v.rebuild.hashCache).toMatchObject({ misses: 0 });
    expect(v.rebuild.hashCache.hits).toBe(Object.keys(FILES).length);
    expect(v.variations.map((x: { name: string }) => x.name)).toEqual(['path', 'folder name', 'creation order', 'mtimes', 'umask', 'TZ', 'LC_ALL', 'cwd']);
    const human = await runCli(['build', root, '--verify']);
    expect(human.stdout).toMatch(/verified: reproducible/);
  });

  it('issue 28, finding 9: two clones in folders of different names build the same bundle (named after the git remote); a project with no name at all is warned about, and --verify, which varies the folder name, says why it fails', async () => {
    const a = await makeProject(FILES, { git: true });
    git(a, 'remote', 'add', 'origin', 'git@github.com:acme/widget.git');
    const b = path.join(tempDir(), 'a-clone-elsewhere');
    execFileSync('git', ['clone', '-q', a, b]);
    git(b, 'remote', 'set-url', 'origin', 'https://github.com/acme/widget');
    const [ra, rb] = [await runCli(['build', a, '-o', tempDir(), '--json']), await runCli(['build', b, '-o', tempDir(), '--json'])];
    expect(ra.json().result.name).toBe('widget');
    expect(rb.json().result.contentDigest).toBe(ra.json().result.contentDigest);
    const nameless = await makeProject(FILES);
    const v = await runCli(['build', nameless, '-o', tempDir(), '--verify']);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain('the project has no name of its own');
    expect(v.stderr).toMatch(/\(manifest\)\s+name: /);
    expect(v.stderr).toContain('which the rebuild varies: give it a name of its own');
  });

  it('--locked passes when unchanged and fails with exit 1, naming the entry, when a file changed', async () => {
    const root = await makeProject(FILES, { git: true });
    expect((await runCli(['build', root])).code).toBe(0);
    const lockBefore = await fs.readFile(path.join(root, 'repro.lock'), 'utf8');
    const ok = await runCli(['build', root, '--locked', '--json']);
    expect(ok.code).toBe(0);
    expect(ok.json().result.lock.status).toBe('matched');
    await fs.rm(path.join(root, '.repro'), { recursive: true });
    await fs.writeFile(path.join(root, 'data', 'a.csv'), '3\n');
    const bad = await runCli(['build', root, '--locked', '--json']);
    expect(bad.code).toBe(1);
    const err = bad.json().error;
    expect(err.code).toBe('E_LOCK_MISMATCH');
    expect(err.details.differences).toEqual([{ entry: 'project/data/a.csv', field: 'sha256', a: expect.any(String), b: expect.any(String) }]);
    expect(await fs.readFile(path.join(root, 'repro.lock'), 'utf8')).toBe(lockBefore);
    await expect(fs.readdir(path.join(root, '.repro', 'bundles'))).rejects.toMatchObject({ code: 'ENOENT' });
    const human = await runCli(['build', root, '--locked']);
    expect(human.stderr).toMatch(/E_LOCK_MISMATCH/);
    expect(human.stderr).toMatch(/project\/data\/a\.csv\s+sha256/);
  });

  it('a bad SOURCE_DATE_EPOCH exits 3 with code and hint, on stderr in human mode', async () => {
    const root = await makeProject(FILES);
    const run = await runCli(['build', root], { env: { SOURCE_DATE_EPOCH: '1.5' } });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/E_SOURCE_DATE_EPOCH/);
    expect(run.stderr).toMatch(/hint:/);
  });

  it('usage errors exit 2, with an envelope under --json', async () => {
    const human = await runCli(['build', '--bogus']);
    expect(human.code).toBe(2);
    const json = await runCli(['build', '--bogus', '--json']);
    expect(json.code).toBe(2);
    expect(json.json()).toMatchObject({ ok: false, command: 'build', error: { code: 'E_USAGE' } });
    expect((await runCli(['build', '--compression', 'xz'])).code).toBe(2);
  });
});

describe('repro verify (binary)', () => {
  it('exits 0 for a good bundle and 4 with evidence for a damaged one', async () => {
    const root = await makeProject(FILES);
    const built = (await runCli(['build', root, '--json'])).json().result;
    const ok = await runCli(['verify', built.bundle, '--digest', built.contentDigest, '--json']);
    expect(ok.code).toBe(0);
    expect(ok.json().result).toMatchObject({ contentDigest: built.contentDigest, fileDigest: built.fileDigest, digestMatched: 'contentDigest' });
    const bytes = await fs.readFile(built.bundle);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    const bad = path.join(tempDir(), 'bad.repro.tar.zst');
    await fs.writeFile(bad, bytes);
    const run = await runCli(['verify', bad, '--json']);
    expect(run.code).toBe(4);
    expect(run.json().error.code).toBe('E_INTEGRITY');
    expect(run.json().error.details).toBeTruthy();
  });

  it('a missing bundle is bad input (exit 3)', async () => {
    const run = await runCli(['verify', '/nonexistent/x.repro.tar.zst']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/E_NOT_FOUND/);
  });
});

describe('help', () => {
  it('every command explains itself with examples', async () => {
    for (const cmd of ['build', 'verify']) {
      const run = await runCli([cmd, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Examples:/);
      expect(run.stdout).toMatch(/--json/);
    }
    const top = await runCli(['--help']);
    expect(top.stdout).toMatch(/Exit codes/);
    expect(top.stdout).not.toMatch(/files-from/);
  });

  it('issue 28, finding 10: exec --help says what it does in a paragraph, groups its options, and no line passes 100 characters', async () => {
    const run = await runCli(['exec', '--help']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.filter((l) => l.length > 100)).toEqual([]);
    for (const group of ['Run:', 'Sandbox and limits:', 'Registry and attestations:', 'Slurm (--backend slurm):', 'Signing (--attest):', 'Output and bundle limits:']) expect(lines).toContain(group);
    expect(run.stdout.slice(0, run.stdout.indexOf('Arguments:')).split('\n').length).toBeLessThan(16);
  });
});

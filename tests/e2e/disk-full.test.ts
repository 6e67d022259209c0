// Disk full during build and during exec's extraction: a clear E_IO error (exit 5) that says
// what ran out and where, and nothing partial left behind: no bundle or temp at the output, no
// cache entry or temp tree in the cache, no run directory. Two ways to fill the disk: a tiny
// tmpfs (real ENOSPC; needs root, as CI has) and `ulimit -f` (EFBIG; any user).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, runCli, type CliRun } from '../helpers/cli.js';
import { makeProject, tempDir } from '../helpers/project.js';

const mounted: string[] = [];
afterEach(() => {
  while (mounted.length > 0) execFileSync('umount', ['-l', mounted.pop()!]);
});

const isRoot = process.getuid?.() === 0;

/** A fresh tmpfs of `bytes`: writes beyond it fail with ENOSPC. */
function tinyDisk(bytes: number): string {
  const dir = tempDir('repro-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  mounted.push(dir);
  return dir;
}

/** Runs the CLI with a file size limit (KiB), SIGXFSZ ignored so writes fail with EFBIG. */
function runLimited(kib: number, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `trap '' XFSZ; ulimit -f ${kib}; exec "$@"`, 'sh', process.execPath, CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, json: () => JSON.parse(stdout) }));
  });
}

async function incompressibleProject(): Promise<string> {
  return makeProject({ 'run.sh': 'exit 0\n', 'data/a.bin': randomBytes(6 << 20), 'data/b.bin': randomBytes(4 << 20) });
}

async function listAll(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      out.push(path.relative(dir, path.join(d, e.name)));
      if (e.isDirectory()) await walk(path.join(d, e.name));
    }
  };
  await walk(dir);
  return out.sort();
}

function expectSpaceError(run: CliRun, errno: string): void {
  expect(run.code, run.stderr).toBe(5);
  const err = run.json().error;
  expect(err.code).toBe('E_IO');
  expect(err.details.errno).toBe(errno);
  expect(err.message).toMatch(errno === 'EFBIG' ? /file size limit/ : /no space left/);
  expect(err.hint).toBeTruthy();
}

describe.skipIf(!isRoot)('disk full (a tiny tmpfs)', () => {
  it('build: E_IO, and nothing at the output', async () => {
    const root = await incompressibleProject();
    const disk = tinyDisk(3 << 20);
    const run = await runCli(['build', root, '-o', path.join(disk, 'out'), '--no-lock', '--json']);
    expectSpaceError(run, 'ENOSPC');
    expect(await listAll(disk)).toEqual(['out']);
  });

  it("exec's extraction: E_IO naming the cache, no cache entry, no run directory", async () => {
    const root = await incompressibleProject();
    const built = (await runCli(['build', root, '-o', path.join(tempDir(), 'b'), '--no-lock', '--json'])).json().result.bundle as string;
    const disk = tinyDisk(3 << 20);
    const runDir = path.join(tempDir(), 'run');
    const run = await runCli(['exec', built, 'run.sh', '--backend', 'local', '--out', runDir, '--json'], { env: { REPRO_CACHE: path.join(disk, 'cache') } });
    expectSpaceError(run, 'ENOSPC');
    expect(run.json().error.hint).toMatch(/REPRO_CACHE/);
    expect(await listAll(disk)).toEqual(['cache', 'cache/bundles']);
    expect(existsSync(runDir)).toBe(false);
  });

  it("exec's extraction past the first 512 entries (files made on the worker thread): the same E_IO, no cache entry", async () => {
    // 1,000 files of 4 KiB (3.9 MiB) into a 3 MiB cache: the first 512 (2 MiB) are written in
    // place, and the disk fills while the worker writes the rest.
    const files: Record<string, Buffer | string> = { 'run.sh': 'exit 0\n' };
    for (let i = 0; i < 1000; i++) files[`data/f${String(i).padStart(3, '0')}.bin`] = randomBytes(4 << 10);
    const root = await makeProject(files);
    const built = (await runCli(['build', root, '-o', path.join(tempDir(), 'b'), '--no-lock', '--json'])).json().result.bundle as string;
    const disk = tinyDisk(3 << 20);
    const runDir = path.join(tempDir(), 'run');
    const run = await runCli(['exec', built, 'run.sh', '--backend', 'local', '--out', runDir, '--json'], { env: { REPRO_CACHE: path.join(disk, 'cache') } });
    expectSpaceError(run, 'ENOSPC');
    // A file past the in-place ones: the failure came from the worker.
    const failed = Number(/data\/f(\d{3})\.bin$/.exec(run.json().error.details.path as string)?.[1]);
    expect(failed).toBeGreaterThan(512);
    expect(await listAll(disk)).toEqual(['cache', 'cache/bundles']);
    expect(existsSync(runDir)).toBe(false);
  });

  it('exec with a run directory on a full disk: E_IO, and the run directory removed', async () => {
    const root = await incompressibleProject();
    const built = (await runCli(['build', root, '-o', path.join(tempDir(), 'b'), '--no-lock', '--json'])).json().result.bundle as string;
    const disk = tinyDisk(3 << 20);
    const run = await runCli(['exec', built, 'run.sh', '--backend', 'local', '--out', path.join(disk, 'run'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expectSpaceError(run, 'ENOSPC');
    expect(await listAll(disk)).toEqual([]);
  });
});

describe('file size limit (ulimit -f)', () => {
  it('build: E_IO, and nothing at the output', async () => {
    const root = await incompressibleProject();
    const out = path.join(tempDir(), 'out');
    const run = await runLimited(2048, ['build', root, '-o', out, '--no-lock', '--json']);
    expectSpaceError(run, 'EFBIG');
    expect(await listAll(out)).toEqual([]);
  });

  it("exec's extraction: E_IO, no cache entry, no run directory; the next exec succeeds", async () => {
    const root = await incompressibleProject();
    const built = (await runCli(['build', root, '-o', path.join(tempDir(), 'b'), '--no-lock', '--json'])).json().result.bundle as string;
    const cache = tempDir();
    const runDir = path.join(tempDir(), 'run');
    const args = ['exec', built, 'run.sh', '--backend', 'local', '--out', runDir, '--json'];
    const run = await runLimited(2048, args, { REPRO_CACHE: cache });
    expectSpaceError(run, 'EFBIG');
    expect(await listAll(path.join(cache, 'bundles'))).toEqual([]);
    expect(existsSync(runDir)).toBe(false);
    const again = await runCli(args, { env: { REPRO_CACHE: cache } });
    expect(again.code, again.stderr).toBe(0);
  });

  it('repro.lock too large to write: E_IO, the committed lock unchanged byte for byte, no temp beside it', async () => {
    // 8,000 one-line files: the bundle compresses to a few hundred KiB, the lock is ~1.3 MB.
    const files: Record<string, string> = { 'run.sh': 'exit 0\n' };
    for (let i = 0; i < 8000; i++) files[`d${i % 40}/f${i}.txt`] = `${i}\n`;
    const root = await makeProject(files);
    const first = await runCli(['build', root, '-o', path.join(tempDir(), 'a'), '--json']);
    expect(first.code, first.stderr).toBe(0);
    const lock = await fs.readFile(path.join(root, 'repro.lock'));
    expect(lock.length).toBeGreaterThan(1 << 20);
    await fs.writeFile(path.join(root, 'd0/f0.txt'), 'changed\n'); // the next lock differs
    const out = path.join(tempDir(), 'b');
    const run = await runLimited(1024, ['build', root, '-o', out, '--json']);
    expectSpaceError(run, 'EFBIG');
    // It is the lock that did not fit: the bundle before it was written whole and verifies.
    expect(run.json().error.details.path).toBe(path.join(root, 'repro.lock'));
    const [bundle] = await fs.readdir(out);
    expect((await runCli(['verify', path.join(out, bundle!), '--json'])).code).toBe(0);
    expect((await fs.readFile(path.join(root, 'repro.lock'))).equals(lock)).toBe(true);
    expect((await fs.readdir(root)).filter((n) => n.startsWith('.repro-tmp-'))).toEqual([]);
    const again = await runCli(['build', root, '-o', out, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().result.lock.status).toBe('written');
  });
});

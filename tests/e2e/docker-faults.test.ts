// The Docker backend when the engine misbehaves, against the real daemon: absent, hung, slow,
// gone in the middle of a run, and the user pressing Ctrl-C. Each ends with a clear E_ENV error
// (or success, when merely slow) and no container of ours left on the daemon (one that repro
// could not remove when its engine vanished is removed by the next run). The faults are
// made by a socket proxy in front of the real engine (tests/helpers/docker-proxy.ts), so the
// daemon other tests share keeps running.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { DOCKER_BASE_IMAGE, DOCKER_REASON, SKIP_DOCKER } from '../helpers/docker.js';
import { dockerProxy } from '../helpers/docker-proxy.js';
import { tempDir, writeTree } from '../helpers/project.js';

/** Containers on the real daemon carrying `label` (ours are labelled io.repro.run / io.repro.bundle.digest). */
function containersWith(filter: string): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', filter], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}

describe.skipIf(SKIP_DOCKER)('docker backend faults', () => {
  let bundle = '';
  let digest = '';
  let cache = '';

  // tempDir() is emptied after each test: what the whole suite shares lives in its own dir.
  const shared = mkdtempSync(path.join(os.tmpdir(), 'repro-dfaults-'));
  afterAll(() => rmSync(shared, { recursive: true, force: true }));

  beforeAll(async () => {
    if (!DOCKER_BASE_IMAGE) throw new Error(`CI has no Docker test environment: ${DOCKER_REASON}`);
    const root = path.join(shared, 'project');
    await writeTree(root, {
      'run.sh': 'echo started\nsleep "${NAP:-0}"\necho finished > out/done.txt\n',
      'repro.yaml': 'name: faults\nversion: 0.1.0\nentry_points:\n  main:\n    command: sh run.sh\n  nap:\n    command: "NAP=6 sh run.sh"\noutputs:\n  - out/done.txt\n',
    });
    const built = await runCli(['build', root, '-o', path.join(shared, 'b'), '--no-lock', '--base-image', DOCKER_BASE_IMAGE, '--json']);
    expect(built.code, built.stderr).toBe(0);
    bundle = built.json().result.bundle;
    digest = built.json().result.contentDigest;
    cache = path.join(shared, 'cache');
    // Build the bundle's image once, through the real engine.
    const first = await runCli(['exec', bundle, '--backend', 'docker', '--out', path.join(tempDir(), 'warm'), '--json'], { env: { REPRO_CACHE: cache } });
    expect(first.code, first.stdout + first.stderr.slice(-2000)).toBe(0);
  }, 300_000);

  it('absent: E_ENV (exit 5) with a hint, before any run directory exists', async () => {
    const out = path.join(tempDir(), 'run');
    const run = await runCli(['exec', bundle, '--backend', 'docker', '--out', out, '--json'], { env: { REPRO_CACHE: cache, DOCKER_HOST: `unix://${tempDir()}/no-such.sock` } });
    expect(run.code, run.stderr).toBe(5);
    const err = run.json().error;
    expect(err.code).toBe('E_ENV');
    expect(err.message).toMatch(/no Docker engine answers/);
    expect(err.hint).toMatch(/DOCKER_HOST/);
    expect(existsSync(out)).toBe(false);
    // Without --backend, no engine means the local backend, said on stderr.
    const local = await runCli(['exec', bundle, '--out', path.join(tempDir(), 'local'), '--json'], { env: { REPRO_CACHE: cache, DOCKER_HOST: `unix://${tempDir()}/no-such.sock` } });
    expect(local.code, local.stderr).toBe(0);
    expect(local.json().result.backend).toBe('local');
  });

  it('hung (accepts, never answers): E_ENV after REPRO_DOCKER_TIMEOUT, no hang', async () => {
    const proxy = await dockerProxy({ hang: true });
    try {
      const started = Date.now();
      const run = await runCli(['exec', bundle, '--backend', 'docker', '--out', path.join(tempDir(), 'run'), '--json'], { env: { REPRO_CACHE: cache, DOCKER_HOST: proxy.host, REPRO_DOCKER_TIMEOUT: '2' } });
      expect(run.code, run.stdout + run.stderr).toBe(5);
      expect(run.json().error.message).toMatch(/no answer within 2 s/);
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(proxy.requests.length).toBeGreaterThan(0);
    } finally {
      await proxy.vanish();
    }
  });

  it('slow (every chunk 40 ms late): the run succeeds and its container is removed', async () => {
    const proxy = await dockerProxy({ delayMs: 40 });
    try {
      const run = await runCli(['exec', bundle, '--backend', 'docker', '--out', path.join(tempDir(), 'run'), '--json'], { env: { REPRO_CACHE: cache, DOCKER_HOST: proxy.host } });
      expect(run.code, run.stderr).toBe(0);
      const r = run.json().result;
      expect(r.outputs[0]).toMatchObject({ path: 'out/done.txt', size: 9 });
      expect(await eventually(() => containersWith(`label=io.repro.run=${r.runId}`).length === 0, 20_000)).toBe(true);
    } finally {
      await proxy.vanish();
    }
  });

  it('gone in the middle of a run: E_ENV naming the container, and the next run on this host removes it', async () => {
    const proxy = await dockerProxy();
    const child = spawn(process.execPath, [CLI, 'exec', bundle, 'nap', '--backend', 'docker', '--out', path.join(tempDir(), 'run'), '--json'], {
      env: { ...process.env, REPRO_CACHE: cache, DOCKER_HOST: proxy.host },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    const startedRunning = new Promise<void>((resolve) => child.stderr.on('data', (d) => ((stderr += d), stderr.includes('started') && resolve())));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await startedRunning; // the entry point's output, streamed live
    await proxy.vanish();
    expect(await closed, stderr).toBe(5);
    const err = JSON.parse(stdout).error;
    expect(err.code).toBe('E_ENV');
    expect(err.message).toMatch(/stopped answering during the run/);
    const id = err.details.container as string;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    // The container keeps running on the real engine until its command ends. It is kept after it
    // exits (its outputs come back through the archive API), and repro could not ask for its
    // removal: the next run on this host removes a stopped container whose repro is gone.
    expect(await eventually(() => execFileSync('docker', ['inspect', '-f', '{{.State.Running}}', id], { encoding: 'utf8' }).trim() === 'false', 30_000)).toBe(true);
    const next = await runCli(['exec', bundle, '--backend', 'docker', '--out', path.join(tempDir(), 'next'), '--json'], { env: { REPRO_CACHE: cache } });
    expect(next.code, next.stderr).toBe(0);
    expect(containersWith(`id=${id}`)).toEqual([]);
  }, 60_000);

  it('Ctrl-C during a run stops and removes the container (exit 130)', async () => {
    // Containers of earlier tests are gone first (repro removes its own; a later run removes any left).
    expect(await eventually(() => containersWith(`label=io.repro.bundle.digest=${digest}`).length === 0, 30_000)).toBe(true);
    const child = spawn(process.execPath, [CLI, 'exec', bundle, 'nap', '--backend', 'docker', '--out', path.join(tempDir(), 'run')], {
      env: { ...process.env, REPRO_CACHE: cache },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const startedRunning = new Promise<void>((resolve) => child.stdout.on('data', (d) => ((out += d), out.includes('started') && resolve())));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await startedRunning;
    expect(containersWith(`label=io.repro.bundle.digest=${digest}`).length).toBeGreaterThanOrEqual(1);
    const t = Date.now();
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    expect(Date.now() - t).toBeLessThan(5_000); // stopped, not waited out (the entry naps 6 s)
    expect(containersWith(`label=io.repro.bundle.digest=${digest}`)).toEqual([]);
  }, 60_000);
});

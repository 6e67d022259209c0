// A real Docker engine stopped in the middle of a run, as `systemctl stop docker` does it
// (SIGTERM to dockerd). The engine other tests share must keep running, so this test starts a
// private dockerd of its own (own socket, data root and exec root), pulls the test base image
// into it from the 127.0.0.1 registry, stops it during a run, starts it again and asks it what
// is left. A stopping engine stops every container (signal 15, then 9) and still answers the
// wait with exit 137, so without watching for those kills repro recorded an ordinary run that
// had exited 137.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { DOCKER_BASE_IMAGE, DOCKER_REASON, SKIP_DOCKER } from '../helpers/docker.js';
import { writeTree } from '../helpers/project.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'repro-engine-'));
const sock = path.join(work, 'docker.sock');
const host = `unix://${sock}`;
// stderr is kept, not inherited: engineUp polls while the engine starts, and each refusal would
// print "Cannot connect to the Docker daemon" into the test log.
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: host }, stdio: ['ignore', 'pipe', 'pipe'] });

function startEngine(): ChildProcess {
  const args = ['--host', host, '--data-root', path.join(work, 'data'), '--exec-root', path.join(work, 'exec'), '--pidfile', path.join(work, 'docker.pid'), '--bridge=none', '--iptables=false', '--ip6tables=false'];
  const engine = spawn('dockerd', args, { stdio: 'ignore', detached: true });
  engine.unref();
  return engine;
}

async function engineUp(ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      docker('info', '--format', '{{.ID}}');
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return false;
}

async function stopEngine(engine: ChildProcess): Promise<void> {
  if (engine.exitCode !== null || engine.signalCode !== null) return;
  const gone = new Promise((r) => engine.once('exit', r));
  engine.kill('SIGTERM');
  await gone;
}

describe.skipIf(SKIP_DOCKER)('a real Docker engine stopped during a run', () => {
  let engine: ChildProcess | undefined;
  let bundle = '';

  beforeAll(async () => {
    if (!DOCKER_BASE_IMAGE) throw new Error(`CI has no Docker test environment: ${DOCKER_REASON}`);
    engine = startEngine();
    expect(await engineUp(60_000)).toBe(true);
    docker('pull', '-q', DOCKER_BASE_IMAGE);
    const root = path.join(work, 'project');
    await writeTree(root, {
      'run.sh': 'echo started\nsleep 30\necho finished > out/done.txt\n',
      'repro.yaml': 'name: engine-stop\nversion: 0.1.0\nentry_points:\n  main:\n    command: sh run.sh\noutputs:\n  - out/done.txt\n',
    });
    const built = await runCli(['build', root, '-o', path.join(work, 'b'), '--no-lock', '--base-image', DOCKER_BASE_IMAGE, '--json']);
    expect(built.code, built.stderr).toBe(0);
    bundle = built.json().result.bundle;
  }, 300_000);

  afterAll(async () => {
    if (engine) await stopEngine(engine);
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('E_ENV naming the signals and the container, no result recorded; restarted, the engine holds no container', async () => {
    const child = spawn(process.execPath, [CLI, 'exec', bundle, '--backend', 'docker', '--out', path.join(work, 'run'), '--json'], {
      env: { ...process.env, REPRO_CACHE: path.join(work, 'cache'), DOCKER_HOST: host },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    const running = new Promise<void>((resolve) => child.stderr.on('data', (d) => ((stderr += d), stderr.includes('started') && resolve())));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await running; // the bundle's image is built on this engine first, then the entry point starts
    const pid = Number(readFileSync(path.join(work, 'docker.pid'), 'utf8'));
    process.kill(pid, 'SIGTERM'); // what `systemctl stop docker` sends
    expect(await closed, stderr).toBe(5);
    const err = JSON.parse(stdout).error;
    expect(err.code).toBe('E_ENV');
    expect(err.message).toMatch(/stopped from outside the run \(signal 15/);
    expect(err.details.container).toMatch(/^[0-9a-f]{64}$/);
    expect(err.details.signals[0]).toBe('15');
    expect(err.hint).toMatch(/docker info/);
    expect(existsSync(path.join(work, 'run', 'run.json'))).toBe(false); // no run record claims a result
    // Started again, the engine holds no container: repro removed it while the stopping engine
    // still answered (one it cannot remove is removed by the next exec on this host).
    await new Promise((r) => engine!.exitCode !== null || engine!.signalCode !== null ? r(null) : engine!.once('exit', r));
    engine = startEngine();
    expect(await engineUp(60_000)).toBe(true);
    expect(docker('ps', '-aq').trim()).toBe('');
  }, 180_000);
});

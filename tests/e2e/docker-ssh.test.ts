// DOCKER_HOST=ssh://: how a user sends a bundle to a bigger machine. A real sshd on 127.0.0.1
// stands in for the remote host; the engine is reached through `docker system dial-stdio`
// over SSH, authenticated by the user's key (no agent), as the docker CLI does.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DOCKER_BASE_IMAGE, DOCKER_REASON, SKIP_DOCKER } from '../helpers/docker.js';
import { makeProject, tempDir } from '../helpers/project.js';
import { SKIP_SSHD, SSHD_REASON, startSshd, type Sshd } from '../helpers/sshd.js';

describe.skipIf(SKIP_DOCKER || SKIP_SSHD)('exec with DOCKER_HOST=ssh://', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    if (!DOCKER_BASE_IMAGE) throw new Error(`CI has no Docker test environment: ${DOCKER_REASON}`);
    if (SKIP_SSHD) throw new Error(SSHD_REASON);
    sshd = await startSshd();
  });
  afterAll(() => sshd?.stop());

  it('builds the image and runs the entry point on the engine behind SSH', async () => {
    const root = await makeProject({
      'run.sh': 'mkdir -p out && uname -s > out/where.txt\n',
      'repro.yaml': 'name: over-ssh\nversion: 0.1.0\nentry_points:\n  main:\n    command: sh run.sh\noutputs:\n  - out/where.txt\n',
    });
    const built = await runCli(['build', root, '-o', path.join(tempDir(), 'b'), '--no-lock', '--base-image', DOCKER_BASE_IMAGE!, '--json']);
    expect(built.code, built.stderr).toBe(0);
    const env = { DOCKER_HOST: `ssh://root@127.0.0.1:${sshd.port}`, HOME: sshd.clientHome, SSH_AUTH_SOCK: undefined, REPRO_CACHE: tempDir() };
    const run = await runCli(['exec', built.json().result.bundle, '--backend', 'docker', '--out', path.join(tempDir(), 'run'), '--json'], { env });
    expect(run.code, run.stdout + run.stderr.slice(-3000)).toBe(0);
    const r = run.json().result;
    expect(r.backend).toBe('docker');
    expect(r.image).toMatch(/^sha256:/);
    expect(r.outputs[0]).toMatchObject({ path: 'out/where.txt', size: 6 }); // "Linux\n"
  }, 180_000);

  it('a host that refuses the key: E_ENV (exit 5) naming DOCKER_HOST', async () => {
    const root = await makeProject({ 'run.sh': 'true\n' });
    const built = await runCli(['build', root, '-o', path.join(tempDir(), 'b'), '--no-lock', '--base-image', DOCKER_BASE_IMAGE!, '--json']);
    const stranger = tempDir('repro-nokey-'); // a HOME with no key at all
    const run = await runCli(['exec', built.json().result.bundle, 'run.sh', '--backend', 'docker', '--out', path.join(tempDir(), 'run'), '--json'], {
      env: { DOCKER_HOST: `ssh://root@127.0.0.1:${sshd.port}`, HOME: stranger, SSH_AUTH_SOCK: undefined, REPRO_CACHE: tempDir() },
    });
    expect(run.code, run.stdout).toBe(5);
    expect(run.json().error.code).toBe('E_ENV');
    expect(run.json().error.message).toContain(`ssh://root@127.0.0.1:${sshd.port}`);
  }, 60_000);
});

// DOCKER_HOST=ssh://: how a user sends a bundle to a bigger machine. A real sshd on 127.0.0.1
// stands in for the remote host; the engine is reached through `docker system dial-stdio`
// over SSH, authenticated by the user's key (no agent), as the docker CLI does.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
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

  it('attack (issue 27, finding 8): an impostor presenting another host key is refused before anything is sent (exit 5), as the docker CLI refuses it', async () => {
    const root = await makeProject({ 'run.sh': 'true\n' });
    const built = await runCli(['build', root, '-o', path.join(tempDir(), 'b'), '--no-lock', '--base-image', DOCKER_BASE_IMAGE!, '--json']);
    const fooled = tempDir('repro-fooled-');
    await fs.mkdir(path.join(fooled, '.ssh'), { mode: 0o700 });
    // any key of the user's: the host key is checked before the user's key is offered
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(fooled, '.ssh', 'id_ed25519')]);
    // known_hosts names another key for this address: the server here is the impostor
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(fooled, 'real_host_key')]);
    const real = (await fs.readFile(path.join(fooled, 'real_host_key.pub'), 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
    await fs.writeFile(path.join(fooled, '.ssh', 'known_hosts'), `[127.0.0.1]:${sshd.port} ${real}\n`);
    const env = { DOCKER_HOST: `ssh://root@127.0.0.1:${sshd.port}`, HOME: fooled, SSH_AUTH_SOCK: undefined, REPRO_CACHE: tempDir() };
    const run = await runCli(['exec', built.json().result.bundle, 'run.sh', '--backend', 'docker', '--out', path.join(tempDir(), 'run'), '--json'], { env });
    expect(run.code, run.stdout).toBe(5);
    expect(run.json().error).toMatchObject({ code: 'E_ENV', message: expect.stringContaining('may be an impostor'), hint: expect.stringContaining('known_hosts') });
    // and a host that is in no known_hosts at all
    await fs.writeFile(path.join(fooled, '.ssh', 'known_hosts'), '');
    const unknown = await runCli(['exec', built.json().result.bundle, 'run.sh', '--backend', 'docker', '--out', path.join(tempDir(), 'run2'), '--json'], { env });
    expect(unknown.code).toBe(5);
    expect(unknown.json().error.message).toContain('is not a known host');
  }, 60_000);
});

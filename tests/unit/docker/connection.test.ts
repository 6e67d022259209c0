// How DOCKER_HOST becomes dockerode's connection options, and the time limit of engine requests.
import { describe, expect, it } from 'vitest';
import { controlTimeoutMs, dockerHostOf, hostOptions, within, NoAnswer } from '../../../src/docker/connection.js';
import { compareLayers } from '../../../src/docker/bundle-image.js';

describe('hostOptions', () => {
  it.each([
    ['unix:///run/user/1000/docker.sock', { socketPath: '/run/user/1000/docker.sock' }],
    ['tcp://10.1.2.3:2376', { protocol: 'http', host: '10.1.2.3', port: 2376 }],
    ['tcp://engine', { protocol: 'http', host: 'engine', port: 2375 }],
    ['https://engine:2376', { protocol: 'https', host: 'engine', port: 2376 }],
  ])('%s', async (host, options) => {
    expect((await hostOptions(host, {})).options).toEqual(options);
  });

  it('ssh:// uses the ssh-agent when there is one, the URL\'s user, else $USER', async () => {
    expect((await hostOptions('ssh://me@gpu-box:2222', { SSH_AUTH_SOCK: '/tmp/agent', HOME: '/nonexistent-home' })).options).toEqual({ protocol: 'ssh', host: 'gpu-box', port: 2222, username: 'me', sshOptions: { agent: '/tmp/agent', hostVerifier: expect.any(Function) } });
    expect((await hostOptions('ssh://gpu-box', { SSH_AUTH_SOCK: '/a', USER: 'ana' })).options).toMatchObject({ port: 22, username: 'ana' });
  });

  it('ssh:// without an agent or a key is E_ENV, naming where it looked', async () => {
    await expect(hostOptions('ssh://gpu-box', { HOME: '/nonexistent-home', DOCKER_HOST: 'ssh://gpu-box' })).rejects.toMatchObject({ code: 'E_ENV', message: expect.stringContaining('/nonexistent-home/.ssh') });
  });
});

describe('time limits', () => {
  it.each([
    [{}, 30_000],
    [{ REPRO_DOCKER_TIMEOUT: '5' }, 5_000],
    [{ REPRO_DOCKER_TIMEOUT: '0.5' }, 500],
    [{ REPRO_DOCKER_TIMEOUT: '0' }, 30_000],
    [{ REPRO_DOCKER_TIMEOUT: '-3' }, 30_000],
    [{ REPRO_DOCKER_TIMEOUT: 'soon' }, 30_000],
  ])('%o -> %d ms', (env, ms) => {
    expect(controlTimeoutMs(env)).toBe(ms);
  });

  it('within() gives up with NoAnswer on a request that never settles', async () => {
    await expect(within(20, 'ping', new Promise(() => {}))).rejects.toBeInstanceOf(NoAnswer);
    await expect(within(1000, 'ping', Promise.resolve(7))).resolves.toBe(7);
  });

  it('the engine named in messages is DOCKER_HOST, else the default socket', () => {
    expect(dockerHostOf({})).toBe('unix:///var/run/docker.sock');
    expect(dockerHostOf({ DOCKER_HOST: 'tcp://x:1' })).toBe('tcp://x:1');
  });
});

describe('compareLayers', () => {
  const image = (layers: string[], steps: string[]) => ({ id: 'i', repoDigests: [], repoTags: [], labels: {}, layers, history: steps.map((createdBy) => ({ createdBy, emptyLayer: false })) });

  it('names each differing layer by index and instruction, with both diff_ids', () => {
    const a = image(['sha256:1', 'sha256:2'], ['/bin/sh -c #(nop) ADD file:x in /', 'RUN pip install -r requirements.txt']);
    const b = image(['sha256:1', 'sha256:3', 'sha256:4'], []);
    expect(compareLayers(a, b)).toEqual([
      { entry: 'layer 1: RUN pip install -r requirements.txt', field: 'diff_id', layer: 1, instruction: 'RUN pip install -r requirements.txt', a: 'sha256:2', b: 'sha256:3' },
      { entry: 'layer 2: ?', field: 'diff_id', layer: 2, instruction: null, a: null, b: 'sha256:4' },
    ]);
    expect(compareLayers(a, a)).toEqual([]);
  });
});

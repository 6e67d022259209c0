// Which engines may be another machine (exec warns that bound outputs then land there).
import { describe, expect, it } from 'vitest';
import { isRemoteEngine } from '../../../src/exec/run-docker.js';

describe('isRemoteEngine', () => {
  it.each([
    [undefined, false],
    ['unix:///var/run/docker.sock', false],
    ['npipe:////./pipe/docker_engine', false],
    ['tcp://127.0.0.1:2375', false],
    ['tcp://localhost:2375', false],
    ['tcp://[::1]:2375', false],
    ['ssh://me@localhost', false],
    ['tcp://10.0.0.5:2375', true],
    ['ssh://me@gpu-box', true],
    ['not a url', false],
  ])('%s -> %s', (host, remote) => {
    expect(isRemoteEngine(host)).toBe(remote);
  });
});

// The SSH host key check of DOCKER_HOST=ssh:// (docker/known-hosts.ts), as OpenSSH reads
// known_hosts: plain and [host]:port names, hashed entries, wildcards and negations, markers.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hostKeyAlgorithms, hostKeyProblem, keysFor, knownHostsName, patternsMatch } from '../../../src/docker/known-hosts.js';

const blob = (seed: string) => Buffer.from(`ssh-ed25519-key-${seed}`);
const b64 = (seed: string) => blob(seed).toString('base64');
const hashed = (name: string, salt = Buffer.from('0123456789abcdef0123')) => `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;

describe('known_hosts', () => {
  it('names a host as OpenSSH does: bare on port 22, [host]:port elsewhere', () => {
    expect(knownHostsName('gpu-box', 22)).toBe('gpu-box');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it.each([
    ['gpu-box', 'gpu-box', true],
    ['gpu-box,10.0.0.5', '10.0.0.5', true],
    ['*.lab.example', 'gpu1.lab.example', true],
    ['gpu?', 'gpu7', true],
    ['*.lab.example,!evil.lab.example', 'evil.lab.example', false],
    ['[127.0.0.1]:2222', '[127.0.0.1]:2222', true],
    ['127.0.0.1', '[127.0.0.1]:2222', false],
    [hashed('gpu-box'), 'gpu-box', true],
    [hashed('gpu-box'), 'other-box', false],
  ])('%s names %s: %s', (field, name, want) => {
    expect(patternsMatch(field, name)).toBe(want);
  });

  it('reads the keys for a host, with @revoked marked and @cert-authority left out', () => {
    const text = `# comment\ngpu-box ssh-ed25519 ${b64('a')}\nother ssh-ed25519 ${b64('b')}\n@revoked gpu-box ssh-rsa ${b64('c')}\n@cert-authority *.lab ssh-ed25519 ${b64('d')}\n`;
    const keys = keysFor(text, 'gpu-box', 'kh');
    expect(keys.map((k) => [k.type, k.revoked])).toEqual([['ssh-ed25519', false], ['ssh-rsa', true]]);
    expect(hostKeyAlgorithms(keys)).toEqual(['ssh-ed25519']);
  });

  it('attack: an impostor presenting another key, an unknown host and a revoked key are refused; the known key passes', () => {
    const keys = keysFor(`gpu-box ssh-ed25519 ${b64('real')}\n@revoked gpu-box ssh-ed25519 ${b64('old')}\n`, 'gpu-box', '/home/me/.ssh/known_hosts');
    expect(hostKeyProblem(blob('real'), keys, 'gpu-box', ['/home/me/.ssh/known_hosts'])).toBeNull();
    expect(hostKeyProblem(blob('impostor'), keys, 'gpu-box', [])).toMatch(/not the one .* lists for it: it may be an impostor/);
    expect(hostKeyProblem(blob('old'), keys, 'gpu-box', [])).toMatch(/@revoked/);
    expect(hostKeyProblem(blob('real'), [], 'gpu-box', ['/home/me/.ssh/known_hosts'])).toMatch(/not a known host/);
  });

  it('RSA keys offer the SHA-2 signature algorithms first', () => {
    expect(hostKeyAlgorithms(keysFor(`h ssh-rsa ${b64('r')}`, 'h', 'kh'))).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  });
});

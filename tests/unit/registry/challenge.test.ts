// WWW-Authenticate (RFC 7235 section 4.1) as real registries send it: one table row per registry
// or syntax rule, and the challenge repro answers.
import { describe, expect, it } from 'vitest';
import { parseChallenges, preferredChallenge } from '../../../src/registry/challenge.js';

describe('parseChallenges', () => {
  it.each([
    ['Docker Hub', 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull"', [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/python:pull' } }]],
    ['the distribution spec (a comma inside a quoted scope)', 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"', [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' } }]],
    ['GHCR', 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/iris:pull"', [{ scheme: 'bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:acme/iris:pull' } }]],
    ['Quay (no scope)', 'Bearer realm="https://quay.io/v2/auth",service="quay.io"', [{ scheme: 'bearer', params: { realm: 'https://quay.io/v2/auth', service: 'quay.io' } }]],
    ['distribution with htpasswd', 'Basic realm="repro-test"', [{ scheme: 'basic', params: { realm: 'repro-test' } }]],
    ['Amazon ECR', 'Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"', [{ scheme: 'basic', params: { realm: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com/', service: 'ecr.amazonaws.com' } }]],
    ['case-insensitive scheme and names, spaces around =', 'BEARER Realm = "https://r/t" , Service=reg', [{ scheme: 'bearer', params: { realm: 'https://r/t', service: 'reg' } }]],
    ['a token value, not quoted', 'Bearer realm=https-less,service=reg', [{ scheme: 'bearer', params: { realm: 'https-less', service: 'reg' } }]],
    ['quoted-pair escapes', 'Basic realm="say \\"hi\\" \\\\ there"', [{ scheme: 'basic', params: { realm: 'say "hi" \\ there' } }]],
    ['two challenges in one header', 'Basic realm="simple", Bearer realm="https://t/x",service="s"', [{ scheme: 'basic', params: { realm: 'simple' } }, { scheme: 'bearer', params: { realm: 'https://t/x', service: 's' } }]],
    ['a token68', 'Negotiate dXNlcjpwYXNz==, Basic realm="r"', [{ scheme: 'negotiate', params: {}, token68: 'dXNlcjpwYXNz==' }, { scheme: 'basic', params: { realm: 'r' } }]],
    ['a scheme alone', 'Bearer', [{ scheme: 'bearer', params: {} }]],
    ['empty', '', []],
    ['an unterminated quote keeps what came before', 'Bearer realm="https://r/t",service="oops', [{ scheme: 'bearer', params: { realm: 'https://r/t' } }]],
  ])('%s', (_name, header, expected) => {
    expect(parseChallenges(header)).toEqual(expected);
  });
});

describe('preferredChallenge', () => {
  it('answers Bearer when a registry offers both, as docker does', () => {
    expect(preferredChallenge('Basic realm="simple", Bearer realm="https://t/x"')?.scheme).toBe('bearer');
  });
  it('a Bearer without a realm cannot be answered: Basic is taken', () => {
    expect(preferredChallenge('Bearer service="s", Basic realm="r"')?.scheme).toBe('basic');
  });
  it('null for no challenge', () => {
    expect(preferredChallenge('')).toBeNull();
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CUDA_BASES, chooseCudaBase } from '../../../src/dockerfile/cuda-base.js';
import { generateDockerfile } from '../../../src/dockerfile/generate.js';
import { lintDockerfile } from '../../../src/dockerfile/lint.js';
import { parseImageRef, pinBaseImage } from '../../../src/dockerfile/pin.js';
import { readReproYaml } from '../../../src/project/read-repro-yaml.js';
import type { DockerClient } from '../../../src/docker/client.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseImageRef', () => {
  it.each([
    ['python:3.11-slim', { registry: 'docker.io', repository: 'library/python', tag: '3.11-slim', digest: null }],
    ['nvidia/cuda:12.4.1-runtime-ubuntu22.04', { registry: 'docker.io', repository: 'nvidia/cuda', tag: '12.4.1-runtime-ubuntu22.04' }],
    [`127.0.0.1:5000/team/base:1@${D}`, { registry: '127.0.0.1:5000', repository: 'team/base', tag: '1', digest: D }],
    ['localhost/x', { registry: 'localhost', repository: 'x', tag: null }],
    ['ghcr.io/o/r', { registry: 'ghcr.io', repository: 'o/r', tag: null }],
  ])('%s', (ref, want) => {
    expect(parseImageRef(ref)).toMatchObject(want);
  });

  it('refuses a malformed digest', () => {
    expect(() => parseImageRef('python:3@sha256:abc')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});

describe('chooseCudaBase (one test per table row)', () => {
  it.each(CUDA_BASES.map((r) => [r.cuda, r]))('CUDA %s', (cuda, row) => {
    expect(chooseCudaBase(cuda, true)?.image).toBe(`nvidia/cuda:${row.tag}-${row.cudnn}-runtime-${row.distro}`);
    expect(chooseCudaBase(cuda, false)?.image).toBe(`nvidia/cuda:${row.tag}-runtime-${row.distro}`);
  });

  it('takes the newest base not newer than the CUDA asked for, within its major', () => {
    expect(chooseCudaBase('12.5', true)?.row.cuda).toBe('12.4');
    expect(chooseCudaBase('13.1', false)?.row.cuda).toBe('13.0');
    expect(chooseCudaBase('10.2', false)).toBeNull();
  });
});

describe('pinBaseImage', () => {
  const engine = (digests: string[]): DockerClient => ({
    ping: async () => {},
    inspectImage: async () => ({ id: 'sha256:x', repoDigests: digests, repoTags: [], layers: [], history: [], labels: {} }),
    buildImage: async () => 'x',
    removeImage: async () => {},
  });

  it('keeps a digest already in the reference', async () => {
    expect(await pinBaseImage(`python:3.11@${D}`, {})).toEqual({ ref: `python:3.11@${D}`, digest: D, source: 'reference' });
  });

  it("takes the engine's repository digest", async () => {
    const r = await pinBaseImage('python:3.11', { docker: engine([`python@${D}`]) });
    expect(r).toEqual({ ref: `python:3.11@${D}`, digest: D, source: 'engine' });
  });

  /** A registry on 127.0.0.1 that the test scripts: each request is logged and answered by `answer`. */
  async function fakeRegistry(answer: (req: http.IncomingMessage, res: http.ServerResponse, base: string) => void): Promise<{ host: string; calls: string[]; close: () => void }> {
    const calls: string[] = [];
    let base = '';
    const server = http.createServer((req, res) => {
      calls.push(`${req.method} ${req.url}${req.headers.authorization ? ` [${req.headers.authorization.split(' ')[0]}]` : ''}`);
      answer(req, res, base);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    base = `http://${host}`;
    return { host, calls, close: () => server.close() };
  }

  it("asks the registry (HEAD manifests, Docker-Content-Digest) after an engine that has no digest", async () => {
    const reg = await fakeRegistry((_req, res) => res.writeHead(200, { 'docker-content-digest': D }).end());
    try {
      const r = await pinBaseImage(`${reg.host}/team/base:1`, { docker: engine([]) });
      expect(r).toEqual({ ref: `${reg.host}/team/base:1@${D}`, digest: D, source: 'registry' });
      expect(reg.calls.filter((c) => c.startsWith('HEAD'))).toEqual(['HEAD /v2/team/base/manifests/1']);
    } finally {
      reg.close();
    }
  });

  it('follows a registry bearer challenge (the one registry client: token from the realm, then the manifest)', async () => {
    const reg = await fakeRegistry((req, res, base) => {
      if (req.url?.startsWith('/token')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'T' }));
      if (req.headers.authorization !== 'Bearer T') return void res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="reg",scope="repository:team/base:pull"` }).end();
      res.writeHead(200, { 'docker-content-digest': D }).end();
    });
    try {
      expect((await pinBaseImage(`${reg.host}/team/base:1`, { docker: null })).digest).toBe(D);
      expect(reg.calls).toContain('GET /token?service=reg&scope=repository%3Ateam%2Fbase%3Apull');
    } finally {
      reg.close();
    }
  });

  it('a bundle\'s own Dockerfile never asks the registry (registry: false)', async () => {
    const reg = await fakeRegistry((_req, res) => res.writeHead(200, { 'docker-content-digest': D }).end());
    try {
      const err = await pinBaseImage(`${reg.host}/team/base:1`, { docker: null, registry: false }).catch((e) => e);
      expect(err).toMatchObject({ code: 'E_ENV' });
      expect(err.details.tried[1]).toMatch(/not asked/);
      expect(reg.calls).toEqual([]);
    } finally {
      reg.close();
    }
  });

  it('with nothing that knows the digest: E_ENV with every place it asked and what each answered', async () => {
    const reg = await fakeRegistry((_req, res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}'));
    try {
      const err = await pinBaseImage(`${reg.host}/team/base:1`, { docker: engine([]) }).catch((e) => e);
      expect(err).toMatchObject({ code: 'E_ENV', hint: expect.stringContaining('--base-image') });
      expect(err.details.tried).toHaveLength(2);
      expect(err.details.tried[1]).toContain('answered 404 to HEAD /manifests/1'); // a HEAD answer has no body to keep
    } finally {
      reg.close();
    }
  });

  it('the registry timeout is REPRO_REGISTRY_TIMEOUT, as for push and pull', async () => {
    const reg = await fakeRegistry(() => {}); // never answers
    try {
      const err = await pinBaseImage(`${reg.host}/team/base:1`, { docker: null, env: { REPRO_REGISTRY_TIMEOUT: '0.3' } }).catch((e) => e);
      expect(err.details.tried[1]).toMatch(/REPRO_REGISTRY_TIMEOUT/);
    } finally {
      reg.close();
    }
  });
});

const manifest = readReproYaml(`name: m
version: 1.0.0
entry_points:
  main:
    command: "python3 train.py --seed {seed}"
    parameters:
      seed: {type: int, default: 0}
environment:
  system_packages: [python3-numpy=1:1.24.2-1]
env:
  OMP_NUM_THREADS: 1
  MSG: "hello world"
`);

describe('generateDockerfile', () => {
  const input = { name: 'm', version: '1.0.0', kind: 'python' as const, baseImage: `debian:bookworm-slim@${D}`, sourceDateEpoch: 946684800, manifest, install: '' };

  it('is deterministic and pinned, with the determinism settings and the main entry point', () => {
    const a = generateDockerfile(input);
    expect(generateDockerfile(input)).toBe(a);
    expect(a).toContain(`FROM debian:bookworm-slim@${D}`);
    expect(a).toContain('PYTHONHASHSEED=0');
    expect(a).toContain('MSG="hello world"');
    expect(a).toContain('OMP_NUM_THREADS=1');
    expect(a).toContain('apt-get install -y --no-install-recommends python3-numpy=1:1.24.2-1');
    expect(a).toContain("http://snapshot.debian.org/archive/debian/20000101T000000Z/ bookworm main");
    expect(a).toContain('USER 65534:65534');
    expect(a).toContain('CMD ["python3 train.py --seed 0"]');
    expect(lintDockerfile(a)).toEqual([]);
  });

  it('writes the install lines it is given, after the project is copied', () => {
    const withInstall = generateDockerfile({ ...input, install: 'RUN pip install --require-hashes -r requirements.txt\n' });
    expect(withInstall.indexOf('RUN pip install')).toBeGreaterThan(withInstall.indexOf('WORKDIR /project'));
    expect(generateDockerfile({ ...input, kind: 'node', install: '' })).not.toContain('npm ci');
  });

  it('refuses unpinned system packages', () => {
    const loose = readReproYaml('name: x\nentry_points:\n  main:\n    command: x\nenvironment:\n  system_packages: [curl]\n');
    expect(() => generateDockerfile({ ...input, manifest: loose })).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringContaining('curl') }));
  });

  it('the CUDA template sets CUBLAS_WORKSPACE_CONFIG', () => {
    expect(generateDockerfile({ ...input, kind: 'python-cuda', baseImage: `nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04@${D}` })).toContain('CUBLAS_WORKSPACE_CONFIG=:4096:8');
  });
});

describe('lintDockerfile', () => {
  it('finds every coded problem, with its line', () => {
    const text = [
      'FROM python:latest',
      'RUN apt-get update && apt-get install -y curl git=1:2.39.5-0+deb12u1',
      'RUN pip install numpy torch==2.3.1',
      'RUN pip install -r requirements.txt',
      'ADD https://example.com/data.tgz /data/',
      'RUN npm install',
      'FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04',
    ].join('\n');
    expect(lintDockerfile(text).map((f) => `${f.line} ${f.code}`)).toEqual([
      '1 UNPINNED_FROM',
      '1 LATEST_TAG',
      '2 APT_UNPINNED',
      '3 PIP_UNPINNED',
      '4 PIP_NO_HASHES',
      '5 ADD_URL',
      '6 NPM_INSTALL',
      '7 UNPINNED_FROM',
      '0 MISSING_DETERMINISM_ENV',
      '0 MISSING_DETERMINISM_ENV',
    ]);
  });

  it('joins continuation lines', () => {
    expect(lintDockerfile(`FROM debian:12@${D}\nRUN apt-get install -y \\\n    curl=7.88.1-10 \\\n    wget\n`).map((f) => f.code)).toEqual(['APT_UNPINNED']);
  });
});

describe('the CUDA base from the snapshot (real H100 snapshot)', () => {
  it("follows the framework's CUDA build and its cuDNN", async () => {
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const { REPO_ROOT } = await import('../../helpers/cli.js');
    const { gpuEvidence, chooseKind, defaultBaseImage } = await import('../../../src/dockerfile/plan.js');
    const snap = JSON.parse(readFileSync(path.join(REPO_ROOT, 'tests/fixtures/gpu/h100/snapshot.json'), 'utf8'));
    const gpu = gpuEvidence(snap);
    expect(gpu).toEqual({ cuda: '13.0', cudnn: true, source: 'torch 2.11.0+cu130 built with CUDA 13.0' });
    expect(chooseKind('/nonexistent', null, gpu)).toBe('python-cuda');
    expect(defaultBaseImage('python-cuda', null, gpu).image).toBe('nvidia/cuda:13.0.2-cudnn-runtime-ubuntu24.04');
    expect(chooseKind('/nonexistent', readReproYaml('name: x\nentry_points:\n  main:\n    command: x\ngpu: {required: false}\n'), gpu)).toBe('python');
    const noFramework = { ...snap, identity: { ...snap.identity, python: { ...snap.identity.python, frameworks: {} } } };
    expect(gpuEvidence(noFramework)).toEqual({ cuda: '13.0.88', cudnn: true, source: 'CUDA toolkit 13.0.88' });
  });
});

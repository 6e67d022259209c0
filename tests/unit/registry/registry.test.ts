// References as docker spells them, the artifact's bytes (a golden digest: a change to the
// format shows here), the hostile-manifest checks, and credentials found where docker keeps them.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactManifest, ARTIFACT_TYPE, bundleLayer } from '../../../src/registry/artifact.js';
import { findCredentials } from '../../../src/registry/credentials.js';
import { apiBase, parseReference, plainAllowed } from '../../../src/registry/reference.js';

describe('parseReference', () => {
  it.each([
    ['ghcr.io/acme/iris:v1', { registry: 'ghcr.io', repository: 'acme/iris', tag: 'v1', digest: null }],
    ['127.0.0.1:5000/iris', { registry: '127.0.0.1:5000', repository: 'iris', tag: null, digest: null }],
    ['localhost/a/b:t@sha256:' + 'a'.repeat(64), { registry: 'localhost', repository: 'a/b', tag: 't', digest: 'sha256:' + 'a'.repeat(64) }],
    ['iris:v1', { registry: 'docker.io', repository: 'library/iris', tag: 'v1', digest: null }],
    ['oci://acme/iris', { registry: 'docker.io', repository: 'acme/iris', tag: null, digest: null }],
  ])('%s', (text, want) => {
    expect(parseReference(text)).toEqual(want);
  });

  it('refuses what is not a reference', () => {
    for (const bad of ['UPPER/case', 'a/b@sha256:short', 'a/b:bad tag', '', 'a//b']) expect(parseReference(bad), bad).toBeNull();
  });

  it('plain HTTP is allowed only for loopback and the registries named insecure (HTTPS is tried first)', () => {
    expect(apiBase(parseReference('127.0.0.1:5000/x')!, {})).toBe('https://127.0.0.1:5000');
    expect(plainAllowed(parseReference('127.0.0.1:5000/x')!, {})).toBe(true);
    expect(plainAllowed(parseReference('localhost:5000/x')!, {})).toBe(true);
    expect(plainAllowed(parseReference('reg.example:5000/x')!, {})).toBe(false);
    expect(plainAllowed(parseReference('reg.example:5000/x')!, { REPRO_INSECURE_REGISTRIES: 'other, reg.example:5000' })).toBe(true);
    expect(apiBase(parseReference('x')!, {})).toBe('https://registry-1.docker.io');
  });
});

describe('the artifact', () => {
  const facts = { name: 'iris-demo', version: '0.1.0', codec: 'zstd' as const, contentDigest: 'sha256:' + '1'.repeat(64), fileDigest: 'sha256:' + '2'.repeat(64), fileSize: 3190, sourceDateEpoch: 946684800 };

  it('is a function of the bundle alone: the same facts, the same bytes and digest', () => {
    const a = artifactManifest(facts);
    expect(artifactManifest({ ...facts }).bytes).toEqual(a.bytes);
    expect(a.manifest.artifactType).toBe(ARTIFACT_TYPE);
    expect(a.manifest.layers[0]).toMatchObject({ digest: facts.fileDigest, size: 3190, mediaType: 'application/vnd.repro.bundle.v1.tar+zstd' });
    expect(a.manifest.annotations['org.opencontainers.image.created']).toBe('2000-01-01T00:00:00Z');
    // Golden: the format's bytes, written out here as docs/OCI.md describes them.
    expect(a.bytes.toString()).toBe(GOLDEN_BYTES);
    expect(a.digest).toBe(`sha256:${createHash('sha256').update(GOLDEN_BYTES).digest('hex')}`);
  });

  it('hostile manifests are refused field by field', () => {
    const good = artifactManifest(facts).manifest;
    expect(bundleLayer(good).codec).toBe('zstd');
    const bad = (patch: object) => () => bundleLayer({ ...good, ...patch });
    expect(bad({ artifactType: 'application/vnd.oci.image.config.v1+json' })).toThrow(/not a repro bundle/);
    expect(bad({ layers: [] })).toThrow(/exactly one layer/);
    expect(bad({ layers: [{ ...good.layers[0], mediaType: 'application/x-sh' }] })).toThrow(/unknown layer media type/);
    expect(bad({ layers: [{ ...good.layers[0], digest: 'sha256:../../etc' }] })).toThrow(/not a sha256 digest/);
    expect(bad({ layers: [{ ...good.layers[0], size: -1 }] })).toThrow(/not a size/);
  });
});

const GOLDEN_BYTES = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  artifactType: 'application/vnd.repro.bundle.v1',
  config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
  layers: [{ mediaType: 'application/vnd.repro.bundle.v1.tar+zstd', digest: `sha256:${'2'.repeat(64)}`, size: 3190, annotations: { 'org.opencontainers.image.title': 'iris-demo-0.1.0.repro.tar.zst' } }],
  annotations: {
    'io.repro.bundle.content-digest': `sha256:${'1'.repeat(64)}`,
    'io.repro.bundle.name': 'iris-demo',
    'io.repro.bundle.version': '0.1.0',
    'org.opencontainers.image.created': '2000-01-01T00:00:00Z',
    'org.opencontainers.image.title': 'iris-demo',
    'org.opencontainers.image.version': '0.1.0',
  },
});

describe('findCredentials', () => {
  function config(json: object): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-docker-config-'));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(json));
    return dir;
  }

  it('auths[host].auth, as docker login writes it', async () => {
    const dir = config({ auths: { 'reg.example': { auth: Buffer.from('ci:s3cret:with:colons').toString('base64') } } });
    expect((await findCredentials('reg.example', { DOCKER_CONFIG: dir })).credentials).toEqual({ username: 'ci', password: 's3cret:with:colons' });
    expect((await findCredentials('other.example', { DOCKER_CONFIG: dir })).credentials).toBeNull();
  });

  it('credHelpers through docker-credential-<name> get', async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'repro-cred-helper-'));
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'docker-credential-test'), '#!/bin/sh\nread host\necho "{\\"Username\\":\\"u-$host\\",\\"Secret\\":\\"tok\\"}"\n');
    chmodSync(path.join(bin, 'docker-credential-test'), 0o755);
    const dir = config({ credHelpers: { 'reg.example': 'test' } });
    const found = await findCredentials('reg.example', { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` });
    expect(found.credentials).toEqual({ username: 'u-reg.example', password: 'tok' });
    expect(found.searched).toEqual([path.join(dir, 'config.json'), 'docker-credential-test']);
  });
});

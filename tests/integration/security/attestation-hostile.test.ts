// Attestations and what carries them are hostile input. Each test is named after an attack:
// a huge attestation file, a bundle whose snapshot entry is huge, a registry that serves other
// bytes for an attestation layer, or more bytes than the manifest declares, or a manifest that
// is not the digest asked for.
import { createHash } from 'node:crypto';
import { closeSync, openSync, ftruncateSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReferrerLayer } from '../../../src/registry/referrers.js';
import { MAX_DOCUMENT_BYTES } from '../../../src/bundle/limits.js';
import { parseReference } from '../../../src/registry/reference.js';
import { buildWithCli } from '../../helpers/build.js';
import { runCli } from '../../helpers/cli.js';
import { testContext } from '../../helpers/context.js';
import { tempDir } from '../../helpers/project.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('hostile attestation files', () => {
  it('hostile attestation: a 65 MiB file is refused unread (exit 4, E_LIMIT)', async () => {
    const bundle = await buildWithCli({ 'a.txt': 'a\n' });
    const file = path.join(tempDir(), 'huge.json');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 65 * 1024 * 1024); // sparse: reading it whole is what must not happen
    closeSync(fd);
    const r = await runCli(['verify', bundle, '--attestation', file, '--json']);
    expect(r.code).toBe(4);
    expect(r.json().error.code).toBe('E_LIMIT');
  });

  it('hostile attestation: a document that is not JSON, or JSON of another kind, is exit 4 naming the file', async () => {
    const bundle = await buildWithCli({ 'a.txt': 'a\n' });
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(dir, 'junk.json'), '\u0000\u0001not json');
    writeFileSync(path.join(dir, 'other.json'), '{"_type":"https://in-toto.io/Statement/v0.1","subject":[]}');
    for (const name of ['junk.json', 'other.json']) {
      const r = await runCli(['verify', bundle, '--attestation', path.join(dir, name)]);
      expect(r.code, name).toBe(4);
      expect(r.stderr).toContain(`${name}:`);
    }
  });
});

describe('hostile bundles and secrets', () => {
  it('hostile bundle: a 65 MiB snapshot entry is refused before it is read whole (E_LIMIT)', async () => {
    const bundle = await buildWithCli({ 'a.py': 'print(1)\n', 'repro.snapshot.json': Buffer.alloc(65 * 1024 * 1024) });
    const r = await runCli(['attest', bundle, '-o', path.join(tempDir(), 'docs'), '--json']);
    expect(r.code).toBe(4);
    expect(r.json().error).toMatchObject({ code: 'E_LIMIT', details: { path: 'project/repro.snapshot.json' } });
  });

  it('secrets: a token given as a parameter and one in the environment never reach the reproduced-run attestation', async () => {
    const { makeProject } = await import('../../helpers/project.js');
    const { readFileSync, readdirSync } = await import('node:fs');
    const root = await makeProject({
      'repro.yaml': 'name: s\nentry_points:\n  main:\n    command: "sh run.sh {api_token}"\n    parameters:\n      api_token: {type: string, default: none}\noutputs:\n  - out/x.txt\n',
      'run.sh': 'mkdir -p out && echo fixed > out/x.txt\n',
    });
    const work = tempDir();
    const env = { REPRO_CACHE: path.join(work, 'cache'), HF_TOKEN: 'hf_env_secret_value_123456' };
    const b1 = (await runCli(['build', root, '-o', path.join(work, 'b1'), '--no-lock', '--json'], { env })).json().result.bundle;
    expect((await runCli(['exec', b1, '--backend', 'local', '--out', path.join(work, 'ref')], { env })).code).toBe(0);
    const b2 = (await runCli(['build', root, '-o', path.join(work, 'b2'), '--no-lock', '--with-run', path.join(work, 'ref'), '--json'], { env })).json().result.bundle;
    const run = await runCli(['exec', b2, '--backend', 'local', '-P', 'api_token=tok_param_secret_value_987', '--env', 'HF_TOKEN', '--out', path.join(work, 'r'), '--expect-reproduced', '--attest', '--json'], { env });
    expect(run.code, run.stderr).toBe(0);
    const att = readFileSync(path.join(work, 'r', 'reproduced-run.json'), 'utf8');
    expect(JSON.parse(att).predicate.run.parameters.api_token).toBe('[redacted]');
    for (const name of readdirSync(path.join(work, 'r'))) {
      if (!name.endsWith('.json')) continue;
      const text = readFileSync(path.join(work, 'r', name), 'utf8');
      expect(text, name).not.toContain('tok_param_secret_value_987');
      expect(text, name).not.toContain('hf_env_secret_value_123456');
    }
  });
});

describe('hostile registry serving attestations', () => {
  let server: http.Server;
  let host = '';
  let mode: 'other-bytes' | 'too-long' | 'other-manifest' | 'huge-declared' = 'other-bytes';
  const doc = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}\n');
  const manifestFor = (layer: { digest: string; size: number }) => Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.in-toto+json', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(Buffer.from('{}')), size: 2 }, layers: [{ mediaType: 'application/vnd.in-toto+json', ...layer }] }));
  let manifest = manifestFor({ digest: sha(doc), size: doc.length });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = req.url ?? '';
      if (url === '/v2/') return res.writeHead(200).end('{}');
      if (url.includes('/manifests/')) {
        const body = mode === 'other-manifest' ? Buffer.from(manifest.toString().replace('in-toto+json"', 'in-toto+json" ')) : manifest;
        return res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(body);
      }
      if (url.includes('/blobs/')) {
        if (mode === 'other-bytes') return res.writeHead(200).end(Buffer.from(doc.toString().replace('v1', 'v2')));
        if (mode === 'too-long') {
          res.writeHead(200);
          const chunk = Buffer.alloc(1 << 20, 0x20);
          let sent = 0;
          const pump = () => {
            while (sent < 32 && res.write(chunk)) sent++;
            if (sent < 32) res.once('drain', pump);
            else res.end();
          };
          res.on('error', () => {});
          return pump();
        }
        return res.writeHead(200).end(doc);
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const read = () => {
    const digest = sha(mode === 'other-manifest' ? manifestFor({ digest: sha(doc), size: doc.length }) : manifest);
    return readReferrerLayer(parseReference(`${host}/evil/att@${digest}`)!, digest, testContext());
  };

  it('hostile registry: other bytes for an attestation layer are refused (its digest)', async () => {
    mode = 'other-bytes';
    manifest = manifestFor({ digest: sha(doc), size: doc.length });
    await expect(read()).rejects.toMatchObject({ code: 'E_INTEGRITY', message: expect.stringContaining('is not its digest') });
  });

  it('hostile registry: an endless attestation layer is cut at its declared size, never read whole', async () => {
    mode = 'too-long';
    manifest = manifestFor({ digest: sha(doc), size: doc.length });
    await expect(read()).rejects.toMatchObject({ code: 'E_INTEGRITY', message: expect.stringContaining('more than the') });
  });

  it('hostile registry: a manifest declaring a layer over the limit is refused before any blob is asked for', async () => {
    mode = 'huge-declared';
    manifest = manifestFor({ digest: sha(doc), size: MAX_DOCUMENT_BYTES + 1 });
    await expect(read()).rejects.toMatchObject({ code: 'E_INTEGRITY', message: expect.stringContaining('one-layer artifact of at most') });
  });

  it('hostile registry: a manifest that is not the digest asked for is refused', async () => {
    mode = 'other-manifest';
    await expect(read()).rejects.toMatchObject({ code: 'E_INTEGRITY', message: expect.stringContaining('is not those bytes') });
  });
});

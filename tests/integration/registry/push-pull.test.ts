// Bundles through a real registry (Debian's docker-registry on 127.0.0.1:5000, set up with the
// Docker test environment): push gives one manifest digest per bundle, pull gives the identical
// file, exec and verify take a reference. A proxy in front of the registry plays the hostile
// registry: other bytes for the layer, another manifest for a digest; nothing reaches the
// cache and nothing runs.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactManifest } from '../../../src/registry/artifact.js';
import { attachRun } from '../../../src/registry/ledger.js';
import { pullBundle } from '../../../src/registry/pull.js';
import { pushBundle } from '../../../src/registry/push.js';
import { parseReference } from '../../../src/registry/reference.js';
import { testContext } from '../../helpers/context.js';
import { runCli } from '../../helpers/cli.js';
import { DOCKER_REASON, SKIP_DOCKER } from '../../helpers/docker.js';
import { makeProject, tempDir } from '../../helpers/project.js';

const REGISTRY = '127.0.0.1:5000';
const PROJECT = {
  'repro.yaml': 'name: travel\nversion: 1.0.0\nentry_points:\n  main:\n    command: "python3 say.py {word}"\n    parameters:\n      word: {type: string, default: hello}\n',
  'say.py': 'import sys\nprint("said", sys.argv[1])\n',
};

async function buildBundle(root: string): Promise<{ file: string; result: any }> {
  const r = await runCli(['build', root, '-o', path.join(root, 'out'), '--json', '--no-progress']);
  expect(r.code, r.stderr).toBe(0);
  return { file: r.json().result.bundle, result: r.json().result };
}

type Tamper = 'none' | 'blob' | 'manifest' | 'hang' | 'huge-manifest';

describe.skipIf(SKIP_DOCKER)(`push, pull and exec by reference through a real registry${SKIP_DOCKER ? `: skipped, ${DOCKER_REASON}` : ''}`, () => {
  let proxy: http.Server;
  let proxyHost = '';
  let tamper: Tamper = 'none';
  const repo = `repro-test/travel-${process.pid}`;

  beforeAll(async () => {
    // The hostile registry: forwards to the real one, and can change what comes back.
    proxy = http.createServer((req, res) => {
      if (tamper === 'hang') return; // never answers
      if (tamper === 'huge-manifest' && req.method === 'GET' && /\/manifests\//.test(req.url ?? '')) {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
        const chunk = Buffer.alloc(1 << 20, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < 64 && res.write(chunk)) sent++;
          if (sent < 64) res.once('drain', pump);
          else res.end();
        };
        pump();
        return;
      }
      const up = http.request({ host: '127.0.0.1', port: 5000, path: req.url, method: req.method, headers: req.headers }, (upRes) => {
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          let body = Buffer.concat(chunks);
          if (tamper === 'blob' && req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '') && body.length > 100) {
            body = Buffer.from(body);
            body[body.length - 40] ^= 0xff;
          }
          if (tamper === 'manifest' && req.method === 'GET' && /\/manifests\//.test(req.url ?? '')) {
            const doc = JSON.parse(body.toString());
            doc.annotations['io.repro.bundle.name'] = 'evil';
            body = Buffer.from(JSON.stringify(doc));
          }
          res.writeHead(upRes.statusCode ?? 502, { ...upRes.headers, 'content-length': String(body.length) });
          res.end(body);
        });
      });
      req.pipe(up);
      up.on('error', () => res.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    proxyHost = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    proxy?.close();
  });

  it('push: one manifest digest per bundle, from any checkout; a second push uploads nothing; pull gives the identical file', async () => {
    const a = await makeProject(PROJECT, { name: 'checkout-a' });
    const b = path.join(tempDir(), 'elsewhere', 'checkout-b');
    cpSync(a, b, { recursive: true });
    const ba = await buildBundle(a);
    const bb = await buildBundle(b);
    const cache = tempDir('repro-cache-');
    const env = { REPRO_CACHE: cache };
    const p1 = await runCli(['push', ba.file, `${REGISTRY}/${repo}:v1`, '--json'], { env });
    expect(p1.code, p1.stderr).toBe(0);
    const r1 = p1.json().result;
    expect(r1.blobs).toEqual({ uploaded: 2, skipped: 0, mounted: 0 });
    expect(r1.fileDigest).toBe(ba.result.fileDigest);
    const expected = artifactManifest({ name: 'travel', version: '1.0.0', codec: 'zstd', contentDigest: ba.result.contentDigest, fileDigest: ba.result.fileDigest, fileSize: readFileSync(ba.file).length, sourceDateEpoch: ba.result.sourceDateEpoch });
    expect(r1.digest).toBe(expected.digest);
    expect(r1.reference).toBe(`${REGISTRY}/${repo}:v1@${expected.digest}`);
    const p2 = await runCli(['push', bb.file, `${REGISTRY}/${repo}:v2`, '--json'], { env });
    expect(p2.json().result.digest).toBe(r1.digest);
    expect(p2.json().result.blobs).toEqual({ uploaded: 0, skipped: 2, mounted: 0 });
    const out = tempDir('repro-pulled-');
    const pulled = await runCli(['pull', `${REGISTRY}/${repo}@${r1.digest}`, '-o', out, '--json'], { env });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(readFileSync(pulled.json().result.bundle)).toEqual(readFileSync(ba.file));
    expect(pulled.json().result).toMatchObject({ digest: r1.digest, contentDigest: ba.result.contentDigest, fileDigest: ba.result.fileDigest, cached: false });
    const again = await runCli(['pull', `${REGISTRY}/${repo}:v1`, '--json'], { env });
    expect(again.json().result.cached).toBe(true);
  });

  it('push and pull show their bytes as they go: an upload and a download bar, each told every byte once', async () => {
    const root = await makeProject(PROJECT, { name: 'progress' });
    const { file } = await buildBundle(root);
    const size = readFileSync(file).length;
    const seen: Array<{ label: string; total: number; ticked: number; stopped: boolean }> = [];
    const progress = {
      start: (label: string, total: number) => void seen.push({ label, total, ticked: 0, stopped: false }),
      tick: (n: number) => void (seen.at(-1)!.ticked += n),
      stop: () => void (seen.at(-1) && (seen.at(-1)!.stopped = true)),
    };
    const ctx = testContext({ env: { REPRO_CACHE: tempDir('repro-cache-') }, progress });
    const pushed = await pushBundle({ bundle: file, reference: `${REGISTRY}/${repo}-progress:v1` }, ctx);
    expect(seen).toEqual([{ label: 'uploading', total: size, ticked: size, stopped: true }]);
    seen.length = 0;
    await pullBundle({ reference: pushed.reference }, ctx);
    expect(seen).toEqual([{ label: 'downloading', total: size, ticked: size, stopped: true }]);
  });

  it('bug: a scoped npm name (@acme/Iris) is attested and pushed under the one file name repro build wrote', async () => {
    // Before: build wrote acme-iris-1.0.0-rc.1.repro.tar.zst, attest joined `@acme/Iris-…` onto the
    // output directory (exit 3) and the OCI title named a file nobody wrote.
    const root = await makeProject({ 'package.json': JSON.stringify({ name: '@acme/Iris', version: '1.0.0+rc.1' }), 'index.js': 'console.log(1)\n' });
    const { file } = await buildBundle(root);
    expect(path.basename(file)).toBe('acme-iris-1.0.0-rc.1.repro.tar.zst');
    const attested = await runCli(['attest', file, '--json']);
    expect(attested.code, attested.stderr).toBe(0);
    const names = attested.json().result.documents.map((d: { file: string }) => path.basename(d.file)).sort();
    expect(names).toEqual(['acme-iris-1.0.0-rc.1.cdx.json', 'acme-iris-1.0.0-rc.1.provenance.json']);
    const statement = JSON.parse(readFileSync(path.join(path.dirname(file), 'acme-iris-1.0.0-rc.1.provenance.json'), 'utf8'));
    expect(statement.subject[0].name).toBe(path.basename(file));
    const env = { REPRO_CACHE: tempDir('repro-cache-') };
    const pushed = await runCli(['push', file, `${REGISTRY}/${repo}:scoped`, '--json'], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
    const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${REGISTRY}/${repo}:scoped`], { encoding: 'utf8' });
    expect(JSON.parse(raw).layers[0].annotations['org.opencontainers.image.title']).toBe(path.basename(file));
    const pulled = await runCli(['pull', `${REGISTRY}/${repo}:scoped`, '-o', tempDir('repro-pulled-'), '--json'], { env });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(path.basename(pulled.json().result.bundle)).toBe(path.basename(file));
  });

  it('exec and verify take a reference; the digest is printed', async () => {
    const root = await makeProject(PROJECT);
    const { file } = await buildBundle(root);
    const env = { REPRO_CACHE: tempDir('repro-cache-') };
    const pushed = (await runCli(['push', file, `${REGISTRY}/${repo}:exec`, '--json'], { env })).json().result;
    const verified = await runCli(['verify', `${REGISTRY}/${repo}:exec`, '--json'], { env });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stderr).toContain(pushed.reference);
    const ran = await runCli(['exec', `oci://${REGISTRY}/${repo}@${pushed.digest}`, '--backend', 'local', '-P', 'word=anywhere', '--out', path.join(tempDir(), 'run'), '--json'], { env });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toContain('said anywhere');
    expect(ran.json().result.bundle.contentDigest).toBe(pushed.contentDigest);
    expect(ran.json().result.bundle.reference).toBe(`${REGISTRY}/${repo}@${pushed.digest}`);
    expect(JSON.parse(readFileSync(path.join(ran.json().result.runDir, 'run.json'), 'utf8')).bundle.reference).toBe(`${REGISTRY}/${repo}@${pushed.digest}`);
    expect(ran.json().result.bundle.file).toContain(path.join('pulled', pushed.fileDigest.slice(7)));
  });

  it('unknown reference: E_NOT_FOUND (exit 3) naming it', async () => {
    const r = await runCli(['pull', `${REGISTRY}/${repo}:no-such-tag`, '--json'], { env: { REPRO_CACHE: tempDir('repro-cache-') } });
    expect(r.code).toBe(3);
    expect(r.json().error).toMatchObject({ code: 'E_NOT_FOUND' });
    expect(r.json().error.hint).toContain('no-such-tag');
  });

  it('hostile registry: other bytes for the bundle layer are refused (exit 4); nothing is kept in the cache and nothing runs', async () => {
    const root = await makeProject(PROJECT);
    const { file } = await buildBundle(root);
    const cache = tempDir('repro-cache-');
    const pushed = (await runCli(['push', file, `${REGISTRY}/${repo}:hostile`, '--json'], { env: { REPRO_CACHE: cache } })).json().result;
    tamper = 'blob';
    try {
      const pulled = await runCli(['pull', `${proxyHost}/${repo}@${pushed.digest}`, '--json'], { env: { REPRO_CACHE: cache } });
      expect(pulled.code, pulled.stderr).toBe(4);
      expect(pulled.json().error.message).toMatch(/the registry sent (other bytes|bytes for sha256:[0-9a-f]{64} that are not a sound bundle)/);
      const ran = await runCli(['exec', `${proxyHost}/${repo}:hostile`, '--backend', 'local', '--json'], { env: { REPRO_CACHE: cache } });
      expect(ran.code).toBe(4);
      expect(ran.stderr).not.toContain('said');
    } finally {
      tamper = 'none';
    }
    const pulledDir = path.join(cache, 'pulled', pushed.fileDigest.slice(7));
    expect(existsSync(pulledDir) ? readdirSync(pulledDir) : []).toEqual([]);
  });

  it('hostile registry: a manifest other than the digest asked for is refused (exit 4)', async () => {
    const root = await makeProject(PROJECT);
    const { file } = await buildBundle(root);
    const cache = tempDir('repro-cache-');
    const pushed = (await runCli(['push', file, `${REGISTRY}/${repo}:swap`, '--json'], { env: { REPRO_CACHE: cache } })).json().result;
    tamper = 'manifest';
    try {
      const pulled = await runCli(['pull', `${proxyHost}/${repo}@${pushed.digest}`, '--json'], { env: { REPRO_CACHE: cache } });
      expect(pulled.code).toBe(4);
      expect(pulled.json().error.details).toMatchObject({ expected: pushed.digest });
    } finally {
      tamper = 'none';
    }
  });

  it('a reference to something that is not a repro bundle (a container image) is refused (exit 4)', async () => {
    const base = readFileSync(path.join(import.meta.dirname, '..', '..', '..', '.cache', 'docker-base-image'), 'utf8').trim().split('@')[0]!;
    const r = await runCli(['pull', base, '--json'], { env: { REPRO_CACHE: tempDir('repro-cache-') } });
    expect(r.code).toBe(4);
    expect(r.json().error.message).toMatch(/not a repro bundle/);
  });

  it('the ledger: exec --attach records the run beside the bundle, and repro runs lists it', async () => {
    const root = await makeProject(PROJECT);
    const { file } = await buildBundle(root);
    const env = { REPRO_CACHE: tempDir('repro-cache-') };
    const pushed = (await runCli(['push', file, `${REGISTRY}/${repo}:ledger`, '--json'], { env })).json().result;
    const ran = await runCli(['exec', `${REGISTRY}/${repo}:ledger`, '--backend', 'local', '--attach', '--out', path.join(tempDir(), 'run'), '--json'], { env });
    expect(ran.code, ran.stderr).toBe(0);
    const attached = ran.json().result.attached;
    expect(attached.referrersApi).toBe(false); // Debian's docker-registry 2.8 has no referrers API
    expect(attached.tag).toBe(`${pushed.digest.replace(':', '-')}.run-${ran.json().result.runId}`);
    const listed = await runCli(['runs', `${REGISTRY}/${repo}@${pushed.digest}`, '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json().result.runs).toEqual([expect.objectContaining({ digest: attached.digest, runId: ran.json().result.runId, exitCode: 0, backend: 'local', reproduced: null })]);
    const text = await runCli(['runs', `${REGISTRY}/${repo}:ledger`], { env });
    expect(text.stdout).toContain(`1 run of ${REGISTRY}/${repo}:ledger@${pushed.digest}`);
    const fromFile = await runCli(['exec', file, '--backend', 'local', '--attach'], { env });
    expect(fromFile.code).toBe(2);
  });

  it('16 concurrent attaches to one bundle lose none', async () => {
    // Its own bundle: the ledger test above attached a run to PROJECT's.
    const root = await makeProject({ ...PROJECT, 'crowd.txt': `crowd ${process.pid}\n` });
    const { file } = await buildBundle(root);
    const env = { REPRO_CACHE: tempDir('repro-cache-') };
    const pushed = (await runCli(['push', file, `${REGISTRY}/${repo}:crowd`, '--json'], { env })).json().result;
    const ref = parseReference(`${REGISTRY}/${repo}:crowd`)!;
    const subject = { digest: pushed.digest, size: artifactSize(pushed) };
    const base = JSON.parse((await runCli(['exec', `${REGISTRY}/${repo}:crowd`, '--backend', 'local', '--out', path.join(tempDir(), 'run'), '--json'], { env })).stdout).result;
    const ids = Array.from({ length: 16 }, (_, i) => `crowd-${String(i).padStart(2, '0')}`);
    await Promise.all(ids.map((runId, i) => {
      const record = { ...base, runId, endedAt: `2026-01-01T00:00:${String(i).padStart(2, '0')}.000Z` };
      return attachRun(ref, subject, Buffer.from(JSON.stringify(record)), record, testContext());
    }));
    const listed = await runCli(['runs', `${REGISTRY}/${repo}:crowd`, '--json'], { env });
    expect(listed.json().result.runs.map((r: { runId: string }) => r.runId)).toEqual(ids);
  });

  it('--from mounts blobs another repository of the registry has, instead of uploading them', async () => {
    const root = await makeProject({ ...PROJECT, 'mount.txt': `mount ${process.pid}\n` });
    const { file } = await buildBundle(root);
    const first = await runCli(['push', file, `${REGISTRY}/${repo}-a:v1`, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(['push', file, `${REGISTRY}/${repo}-b:v1`, '--from', `${REGISTRY}/${repo}-a`, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.json().result.blobs).toEqual({ uploaded: 0, skipped: 0, mounted: 2 });
    expect(second.json().result.digest).toBe(first.json().result.digest);
  });

  it('diff takes references too: a bundle carrying a snapshot, compared with itself through the registry', async () => {
    const root = await makeProject(PROJECT);
    expect((await runCli(['snapshot', root, '--no-import', '--json'])).code).toBe(0);
    const { file } = await buildBundle(root);
    const env = { REPRO_CACHE: tempDir('repro-cache-') };
    const pushed = (await runCli(['push', file, `${REGISTRY}/${repo}:snap`, '--json'], { env })).json().result;
    const d = await runCli(['diff', `${REGISTRY}/${repo}@${pushed.digest}`, file, '--json'], { env });
    expect(d.code, d.stderr).toBe(0);
    expect(d.json().result).toMatchObject({ identical: true, changes: [] });
    expect(d.json().result.a.snapshotDigest).toBe(d.json().result.b.snapshotDigest);
  });

  it('interop: skopeo reads the pushed artifact; its manifest is the one repro computed and its layer is the bundle file byte for byte', async () => {
    const root = await makeProject({ ...PROJECT, 'skopeo.txt': `skopeo ${process.pid}\n` });
    const { file } = await buildBundle(root);
    const pushed = (await runCli(['push', file, `${REGISTRY}/${repo}:skopeo`, '--json'])).json().result;
    const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${REGISTRY}/${repo}:skopeo`]);
    expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(pushed.digest);
    const out = path.join(tempDir('repro-skopeo-'), 'copy');
    execFileSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${REGISTRY}/${repo}:skopeo`, `dir:${out}`], { stdio: 'pipe' });
    expect(readFileSync(path.join(out, pushed.fileDigest.slice(7))).equals(readFileSync(file))).toBe(true);
  });

  it('hostile registry: an answer that never comes: exit 5 within REPRO_REGISTRY_TIMEOUT, nothing kept', async () => {
    const cache = tempDir('repro-cache-');
    tamper = 'hang';
    try {
      const started = Date.now();
      const r = await runCli(['pull', `${proxyHost}/${repo}:v1`, '--json'], { env: { REPRO_CACHE: cache, REPRO_REGISTRY_TIMEOUT: '1' } });
      expect(r.code).toBe(5);
      expect(r.json().error.message).toContain('no answer within 1 s');
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      tamper = 'none';
    }
    expect(existsSync(path.join(cache, 'pulled')) ? readdirSync(path.join(cache, 'pulled')) : []).toEqual([]);
  });

  it('hostile registry: a 64 MiB manifest is refused (exit 4) at the 4 MiB limit', async () => {
    tamper = 'huge-manifest';
    try {
      const r = await runCli(['pull', `${proxyHost}/${repo}:v1`, '--json'], { env: { REPRO_CACHE: tempDir('repro-cache-') } });
      expect(r.code).toBe(4);
      expect(r.json().error.message).toMatch(/manifest is larger than 4194304 bytes/);
    } finally {
      tamper = 'none';
    }
  });
});

/** The size of the manifest push wrote (what a referrer's subject descriptor carries). */
function artifactSize(pushed: { digest: string; fileDigest: string; contentDigest: string; size: number }): number {
  const m = artifactManifest({ name: 'travel', version: '1.0.0', codec: 'zstd', contentDigest: pushed.contentDigest, fileDigest: pushed.fileDigest, fileSize: pushed.size, sourceDateEpoch: 946684800 });
  expect(m.digest).toBe(pushed.digest);
  return m.bytes.length;
}

// A registry that fails part-way, played by a fault-injecting proxy in front of the real one
// (Debian's docker-registry on 127.0.0.1:5000): a connection cut during the upload, a 5xx on a
// chunk, a registry that refuses chunked uploads, a connection cut during the download. Push
// and pull end correctly or fail cleanly: never a tag naming an incomplete artifact, never a
// partial file in the cache.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { DOCKER_REASON, SKIP_DOCKER } from '../../helpers/docker.js';
import { makeProject, tempDir } from '../../helpers/project.js';

type Fault = { kind: 'pass' } | { kind: 'status'; status: number } | { kind: 'cut-request'; after: number } | { kind: 'cut-response'; after: number } | { kind: 'delay'; ms: number };
type Rule = (method: string, url: string, nth: number) => Fault;

const REGISTRY = '127.0.0.1:5000';

describe.skipIf(SKIP_DOCKER)(`push and pull through a failing registry${SKIP_DOCKER ? `: skipped, ${DOCKER_REASON}` : ''}`, () => {
  let proxy: http.Server;
  let host = '';
  let rule: Rule = () => ({ kind: 'pass' });
  const seen = new Map<string, number>();
  const repo = `repro-test/faults-${process.pid}`;

  beforeAll(async () => {
    proxy = http.createServer((req, res) => {
      const key = `${req.method} ${(req.url ?? '').replace(/\?.*$/, '').replace(/[0-9a-f-]{36}/, 'UUID')}`;
      const nth = (seen.get(key) ?? 0) + 1;
      seen.set(key, nth);
      const fault = rule(req.method ?? 'GET', req.url ?? '', nth);
      if (fault.kind === 'status') {
        req.resume();
        res.writeHead(fault.status, { 'content-type': 'application/json' });
        res.end('{"errors":[{"code":"UNSUPPORTED","message":"injected"}]}');
        return;
      }
      const up = http.request({ host: '127.0.0.1', port: 5000, path: req.url, method: req.method, headers: req.headers }, async (upRes) => {
        if (fault.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let sent = 0;
        upRes.on('data', (c: Buffer) => {
          if (fault.kind === 'cut-response' && sent + c.length > fault.after) {
            res.write(c.subarray(0, Math.max(0, fault.after - sent)));
            res.socket?.destroy();
            upRes.destroy();
            return;
          }
          sent += c.length;
          res.write(c);
        });
        upRes.on('end', () => res.end());
      });
      up.on('error', () => res.socket?.destroy());
      let received = 0;
      req.on('data', (c: Buffer) => {
        received += c.length;
        if (fault.kind === 'cut-request' && received > fault.after) {
          up.destroy();
          req.socket.destroy();
          return;
        }
        up.write(c);
      });
      req.on('end', () => up.end());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(() => proxy?.close());

  /** A bundle of about `mb` MB of random bytes (incompressible), so its layer is that big. */
  async function bigBundle(mb: number): Promise<string> {
    const root = await makeProject({ 'repro.yaml': 'name: faults\nversion: 1.0.0\nentry_points:\n  main:\n    command: "true"\n' });
    writeFileSync(path.join(root, 'weights.bin'), randomBytes(mb * 1024 * 1024));
    const r = await runCli(['build', root, '-o', path.join(root, 'out'), '--json', '--no-progress']);
    expect(r.code, r.stderr).toBe(0);
    return r.json().result.bundle;
  }

  async function tagExists(tag: string): Promise<boolean> {
    const res = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    return res.status === 200;
  }

  it('a connection cut in the middle of the upload: push fails (exit 5) and the tag names nothing', async () => {
    const bundle = await bigBundle(4);
    rule = (method, url) => (method === 'PUT' && /\/blobs\/uploads\//.test(url) && /digest=/.test(url) ? { kind: 'cut-request', after: 1024 * 1024 } : { kind: 'pass' });
    try {
      const r = await runCli(['push', bundle, `${host}/${repo}:cut-upload`, '--json'], { env: { REPRO_CACHE: tempDir('repro-cache-') } });
      expect(r.code, r.stdout).toBe(5);
      expect(r.json().error.code).toBe('E_ENV');
    } finally {
      rule = () => ({ kind: 'pass' });
    }
    expect(await tagExists('cut-upload')).toBe(false);
    // The same push, unhindered, succeeds afterwards.
    const again = await runCli(['push', bundle, `${host}/${repo}:cut-upload`, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(await tagExists('cut-upload')).toBe(true);
  });

  it('a 5xx on a chunk of a large upload: push fails cleanly, no tag', async () => {
    const bundle = await bigBundle(40);
    rule = (method, _url, nth) => (method === 'PATCH' && nth >= 2 ? { kind: 'status', status: 500 } : { kind: 'pass' });
    seen.clear();
    try {
      const r = await runCli(['push', bundle, `${host}/${repo}:chunk-5xx`, '--json']);
      expect(r.code, r.stdout).toBe(5);
      expect(r.json().error.message).toContain('500');
    } finally {
      rule = () => ({ kind: 'pass' });
    }
    expect(await tagExists('chunk-5xx')).toBe(false);
  });

  it('hostile bundle: one that does not verify is never committed while it uploads: no PUT with its digest, the session abandoned, no blob, no tag (exit 4)', async () => {
    // push verifies the bundle while its chunks go up; only the last request (a PUT carrying
    // the digest) makes the registry keep the blob, and it waits for the verdict.
    const good = await bigBundle(40);
    const bytes = readFileSync(good);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01; // one byte of the weights, mid-file
    const bad = path.join(path.dirname(good), `tampered-${path.basename(good)}`);
    writeFileSync(bad, bytes);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const requests: string[] = [];
    rule = (method, url) => {
      requests.push(`${method} ${url}`);
      return { kind: 'pass' };
    };
    try {
      const r = await runCli(['push', bad, `${host}/${repo}:tampered`, '--json']);
      expect(r.code, r.stdout).toBe(4);
      expect(r.json().error.code).toBe('E_INTEGRITY');
    } finally {
      rule = () => ({ kind: 'pass' });
    }
    expect(requests.filter((q) => q.startsWith('PUT ') && /digest=/.test(q))).toEqual([]);
    expect(requests.some((q) => q.startsWith('DELETE ') && /\/blobs\/uploads\//.test(q))).toBe(true);
    expect((await fetch(`http://${REGISTRY}/v2/${repo}/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404);
    expect(await tagExists('tampered')).toBe(false);
  });

  it('a registry that refuses chunked uploads: push falls back to one PUT, and pull gives the identical file', async () => {
    const bundle = await bigBundle(40);
    rule = (method) => (method === 'PATCH' ? { kind: 'status', status: 405 } : { kind: 'pass' });
    try {
      const r = await runCli(['push', bundle, `${host}/${repo}:no-chunks`, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().result.blobs.uploaded).toBeGreaterThanOrEqual(1);
    } finally {
      rule = () => ({ kind: 'pass' });
    }
    const out = tempDir('repro-pulled-');
    const pulled = await runCli(['pull', `${REGISTRY}/${repo}:no-chunks`, '-o', out, '--json'], { env: { REPRO_CACHE: tempDir('repro-cache-') } });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(readFileSync(pulled.json().result.bundle).equals(readFileSync(bundle))).toBe(true);
  });

  it('a connection cut in the middle of the download: pull fails and the cache holds no partial file', async () => {
    const bundle = await bigBundle(4);
    const pushed = await runCli(['push', bundle, `${REGISTRY}/${repo}:cut-download`, '--json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const cache = tempDir('repro-cache-');
    rule = (method, url) => (method === 'GET' && /\/blobs\/sha256:/.test(url) ? { kind: 'cut-response', after: 512 * 1024 } : { kind: 'pass' });
    try {
      const r = await runCli(['pull', `${host}/${repo}:cut-download`, '--json'], { env: { REPRO_CACHE: cache } });
      expect([4, 5]).toContain(r.code);
    } finally {
      rule = () => ({ kind: 'pass' });
    }
    const dir = path.join(cache, 'pulled', pushed.json().result.fileDigest.slice(7));
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    const again = await runCli(['pull', `${host}/${repo}:cut-download`, '--json'], { env: { REPRO_CACHE: cache } });
    expect(again.code, again.stderr).toBe(0);
  });

  it('a connection cut once, during the first upload: push starts a new upload session and succeeds', async () => {
    const bundle = await bigBundle(4);
    seen.clear();
    rule = (method, url, nth) => (method === 'PUT' && /\/blobs\/uploads\//.test(url) && /digest=/.test(url) && nth === 1 ? { kind: 'cut-request', after: 1024 * 1024 } : { kind: 'pass' });
    try {
      const r = await runCli(['push', bundle, `${host}/${repo}:retried`, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('trying again (2 of 3)');
    } finally {
      rule = () => ({ kind: 'pass' });
    }
    expect(await tagExists('retried')).toBe(true);
  });

  it('a registry that refuses a blob in one request (413): push sends it in chunks instead', async () => {
    const bundle = await bigBundle(4);
    const layer = `sha256:${createHash('sha256').update(readFileSync(bundle)).digest('hex')}`;
    let refusedOnce = false;
    rule = (method, url) => {
      // The PUT that carries the bundle in one request is too large for this registry.
      if (method === 'PUT' && url.includes(`digest=${encodeURIComponent(layer)}`) && !refusedOnce) {
        refusedOnce = true;
        return { kind: 'status', status: 413 };
      }
      return { kind: 'pass' };
    };
    try {
      const r = await runCli(['push', bundle, `${host}/${repo}:chunked-instead`, '--json']);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      rule = () => ({ kind: 'pass' });
    }
    expect(refusedOnce).toBe(true);
    const pulled = await runCli(['pull', `${REGISTRY}/${repo}:chunked-instead`, '-o', tempDir('repro-pulled-'), '--json'], { env: { REPRO_CACHE: tempDir('repro-cache-') } });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(readFileSync(pulled.json().result.bundle).equals(readFileSync(bundle))).toBe(true);
  });

  it('a slow registry (every answer held back): push and pull still end with the identical file', async () => {
    const bundle = await bigBundle(2);
    rule = () => ({ kind: 'delay', ms: 300 });
    try {
      const pushed = await runCli(['push', bundle, `${host}/${repo}:slow`, '--json']);
      expect(pushed.code, pushed.stderr).toBe(0);
      const pulled = await runCli(['pull', `${host}/${repo}:slow`, '-o', tempDir('repro-pulled-'), '--json'], { env: { REPRO_CACHE: tempDir('repro-cache-') } });
      expect(pulled.code, pulled.stderr).toBe(0);
      expect(readFileSync(pulled.json().result.bundle).equals(readFileSync(bundle))).toBe(true);
    } finally {
      rule = () => ({ kind: 'pass' });
    }
  });
});

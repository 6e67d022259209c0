// httpGet: the GET behind the index's pages and the wheels repro fetches itself. Redirects are
// followed, credentials never leave their origin, and a silent server is given up on.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpGet } from '../../../src/pyindex/http-get.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const text = async (body: AsyncIterable<Buffer>) => {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c);
  return Buffer.concat(parts).toString();
};

describe('httpGet', () => {
  it('follows a redirect on the same origin with the credentials, and answers with the final URL', async () => {
    const seen: Array<string | undefined> = [];
    const base = await serve((req, res) => {
      seen.push(req.headers.authorization);
      if (req.url === '/a') res.writeHead(302, { location: '/b' }).end();
      else res.end('here');
    });
    const r = await httpGet(`${base}/a`, { authorization: 'Basic dTpw', idleMs: 5000 });
    expect(r.status).toBe(200);
    expect(r.url).toBe(`${base}/b`);
    expect(await text(r.body)).toBe('here');
    expect(seen).toEqual(['Basic dTpw', 'Basic dTpw']);
  });

  it('attack: a redirect to another origin does not carry the index\'s credentials there', async () => {
    const elsewhere: Array<string | undefined> = [];
    const other = await serve((req, res) => {
      elsewhere.push(req.headers.authorization);
      res.end('file');
    });
    const index = await serve((_req, res) => res.writeHead(307, { location: `${other}/files/x.whl` }).end());
    const r = await httpGet(`${index}/simple/x/`, { authorization: 'Basic c2VjcmV0OnRva2Vu', idleMs: 5000 });
    expect(await text(r.body)).toBe('file');
    expect(elsewhere).toEqual([undefined]);
  });

  it('attack: a redirect to a file: URL is refused; an endless redirect loop stops, answering with the redirect', async () => {
    const toFile = await serve((_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    await expect(httpGet(`${toFile}/x`, { idleMs: 5000 })).rejects.toThrow(/redirected to a file: URL/);
    const loop = await serve((_req, res) => res.writeHead(302, { location: '/again' }).end());
    const r = await httpGet(`${loop}/x`, { idleMs: 5000 });
    r.cancel();
    expect(r.status).toBe(302);
  });

  it('a server that never answers is given up on after idleMs', async () => {
    const silent = await serve(() => {});
    const started = Date.now();
    await expect(httpGet(`${silent}/x`, { idleMs: 300 })).rejects.toThrow(/no answer from .* for 0.3 s/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a server that closes the connection after the body (HTTP/1.0) while it is read slowly: the whole body arrives', async () => {
    const big = Buffer.alloc(8 << 20, 0x61);
    const base = await serve((req, res) => {
      res.writeHead(200, { connection: 'close', 'content-length': String(big.length) });
      res.end(big);
    });
    const r = await httpGet(`${base}/big`, { idleMs: 5000 });
    let n = 0;
    for await (const c of r.body as AsyncIterable<Buffer>) {
      n += c.length;
      await new Promise((resume) => setTimeout(resume, 1));
    }
    expect(n).toBe(big.length);
  });
});

// A registry serving npm tarballs is hostile input: one that declares a huge body, one that
// streams without end (chunked, no length), and one that never answers are each cut short with
// the reason, never buffered whole or waited on forever.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadTarball } from '../../../src/npm/fetch.js';

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.closeAllConnections(), s.close();
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/pkg/-/pkg-1.0.0.tgz`;
}

describe('downloadTarball against a hostile registry', () => {
  it('attack: a declared length past the bound is refused before any byte is read', async () => {
    let written = 0;
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(10 * 1024 ** 3) });
      written = 1;
      res.write(Buffer.alloc(1024));
    });
    await expect(downloadTarball(url, { timeoutMs: 5000, maxBytes: 1 << 20 })).rejects.toThrow(/declares 10737418240 bytes, more than 1048576/);
    expect(written).toBe(1);
  });

  it('attack: a chunked body that never ends is cut at the bound, not buffered whole', async () => {
    let sent = 0;
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      const chunk = Buffer.alloc(64 * 1024);
      const pump = () => {
        while (sent < 64 * 1024 ** 2 && res.write(chunk)) sent += chunk.length;
        if (sent < 64 * 1024 ** 2) res.once('drain', pump);
      };
      pump();
    });
    await expect(downloadTarball(url, { timeoutMs: 10_000, maxBytes: 1 << 20 })).rejects.toThrow(/more than 1048576 bytes/);
    expect(sent).toBeLessThan(64 * 1024 ** 2);
  });

  it('attack: a registry that accepts the connection and never answers: the time limit, said', async () => {
    const url = await serve(() => {});
    const started = Date.now();
    await expect(downloadTarball(url, { timeoutMs: 500, maxBytes: 1 << 20 })).rejects.toThrow(/no answer within 0.5 s/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('attack: a registry that sends headers and then stalls mid-body: the time limit, said', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(10));
    });
    await expect(downloadTarball(url, { timeoutMs: 500, maxBytes: 1 << 20 })).rejects.toThrow(/did not arrive within 0.5 s/);
  });

  it('a tarball within the bounds arrives whole', async () => {
    const body = Buffer.from('a real tarball would be here');
    const url = await serve((_req, res) => res.end(body));
    expect((await downloadTarball(url, { timeoutMs: 5000, maxBytes: 1 << 20 })).equals(body)).toBe(true);
  });
});

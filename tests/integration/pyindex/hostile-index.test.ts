// A package index is hostile input (pyindex/simple.ts): a page that says it is huge, or streams
// past the bound without saying so, is refused before it is held; an index that wants credentials
// is E_ENV with the status; a project it does not know is null, not an error.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles, MAX_PAGE_BYTES } from '../../../src/pyindex/simple.js';

let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/simple/declared/') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(MAX_PAGE_BYTES + 1) });
      res.end(); // says more than the bound; never sends it
      return;
    }
    if (req.url === '/simple/streamed/') {
      res.writeHead(200, { 'content-type': 'text/html' }); // chunked, no length
      const chunk = Buffer.alloc(1 << 20, 'a');
      let sent = 0;
      const push = () => {
        while (sent <= MAX_PAGE_BYTES) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', push);
        }
        res.end();
      };
      push();
      return;
    }
    if (req.url === '/simple/private/') {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end();
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('a hostile package index', () => {
  it('attack: a page whose Content-Length is past the bound is refused before a byte is read', async () => {
    await expect(listFiles(base, 'declared')).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringContaining('larger than 32 MiB') });
  });

  it('attack: a page streamed past the bound without a length is cut off and refused', async () => {
    await expect(listFiles(base, 'streamed')).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringContaining('larger than 32 MiB') });
  });

  it('an index that wants credentials is E_ENV with its status; an unknown project is null', async () => {
    await expect(listFiles(base, 'private')).rejects.toMatchObject({ code: 'E_ENV', details: { status: 401 } });
    expect(await listFiles(base, 'nothing-here')).toBeNull();
  });
});

// The one registry client against registries that misbehave (issue 27, Low): credentials never
// leave the registry's origin or go in plain text off this machine, bodies are bounded, and a
// body that trickles is given up on. Fake registries on 127.0.0.1, scripted per test.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mayReceivePassword, RegistryClient } from '../../../src/registry/client.js';
import { parseReference } from '../../../src/registry/reference.js';

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<string> {
  const server = http.createServer(answer);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A DOCKER_CONFIG whose config.json holds a password for `registry`. */
function dockerConfig(registry: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-dc-'));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { [registry]: { auth: Buffer.from('ci:hunter2').toString('base64') } } }));
  return dir;
}

describe('credentials stay with the registry', () => {
  it.each([
    ['https://auth.docker.io/token', true],
    ['http://127.0.0.1:9999/token', true],
    ['http://localhost/token', true],
    ['http://auth.example/token', false],
    ['http://10.0.0.5/token', false],
  ])('attack: the password goes to a token realm %s: %s', (realm, ok) => {
    expect(mayReceivePassword(new URL(realm))).toBe(ok);
  });

  it('attack: an upload Location on another host gets no Authorization header', async () => {
    const seenElsewhere: Array<string | undefined> = [];
    const elsewhere = await serve((req, res) => {
      seenElsewhere.push(req.headers.authorization);
      res.writeHead(201).end();
    });
    const registry = await serve((req, res) => {
      if (!req.headers.authorization) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
      res.writeHead(202, { location: `http://${elsewhere}/upload/1` }).end();
    });
    const client = new RegistryClient(parseReference(`${registry}/team/x`)!, { DOCKER_CONFIG: dockerConfig(registry) }, 'pull,push');
    const started = await client.request('POST', '/blobs/uploads/', { ok: [202] });
    await client.request('PUT', started.headers.get('location')!, { ok: [201] });
    expect(seenElsewhere).toEqual([undefined]);
  });
});

describe('bodies are bounded and must keep coming', () => {
  it('attack: a 10 MiB answer to a small read is refused as it arrives', async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(1 << 20, 0x20);
      for (let i = 0; i < 10; i++) res.write(chunk);
      res.end();
    });
    const client = new RegistryClient(parseReference(`${registry}/team/x`)!, {}, 'pull');
    const res = await client.request('GET', '/tags/list', { ok: [200] });
    await expect(client.body(res, 4 * 1024 * 1024, 'the tag list')).rejects.toMatchObject({ code: 'E_INTEGRITY', message: expect.stringContaining('more than the 4194304 bytes') });
  });

  it('attack: a registry that sends a byte at a time, slowly, is given up on within REPRO_REGISTRY_TIMEOUT windows (E_ENV)', async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'), 200);
      res.on('close', () => clearInterval(timer));
    });
    const client = new RegistryClient(parseReference(`${registry}/team/x`)!, { REPRO_REGISTRY_TIMEOUT: '1' }, 'pull');
    const res = await client.request('GET', '/blobs/sha256:x', { ok: [200] });
    const started = Date.now();
    await expect(client.body(res, 1 << 20, 'the blob')).rejects.toMatchObject({ code: 'E_ENV', message: expect.stringContaining('slower than 1024 bytes in 1 s') });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('a file range as an upload body (node:http, read as the registry takes it)', () => {
  it('sends exactly the range, and a 401 is answered by sending the range again with credentials', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-range-'));
    const file = path.join(dir, 'blob');
    writeFileSync(file, Buffer.from('0123456789abcdef'));
    const bodies: Array<{ auth: string | undefined; body: string }> = [];
    const host = await serve((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        bodies.push({ auth: req.headers.authorization, body: Buffer.concat(parts).toString() });
        if (!req.headers.authorization) {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' });
          res.end();
          return;
        }
        res.writeHead(202, { location: '/v2/r/blobs/uploads/next' });
        res.end();
      });
    });
    const client = new RegistryClient(parseReference(`${host}/r:v1`)!, { DOCKER_CONFIG: dockerConfig(host) }, 'pull,push');
    const res = await client.request('PATCH', '/blobs/uploads/x', { ok: [202], body: { file, start: 4, end: 10 } });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe('/v2/r/blobs/uploads/next');
    expect(bodies).toEqual([{ auth: undefined, body: '456789' }, { auth: `Basic ${Buffer.from('ci:hunter2').toString('base64')}`, body: '456789' }]);
  });

  it('attack: a file cut short while it is uploaded fails at once (E_CHANGED_DURING_BUILD), instead of leaving the registry waiting for bytes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-range-'));
    const file = path.join(dir, 'blob');
    writeFileSync(file, Buffer.alloc(100, 1));
    const host = await serve((req, res) => {
      req.resume();
      req.on('end', () => res.end());
    });
    const client = new RegistryClient(parseReference(`${host}/r:v1`)!, {}, 'pull,push');
    const started = Date.now();
    await expect(client.request('PATCH', '/blobs/uploads/x', { ok: [202], body: { file, start: 0, end: 4096 } })).rejects.toMatchObject({ code: 'E_CHANGED_DURING_BUILD' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

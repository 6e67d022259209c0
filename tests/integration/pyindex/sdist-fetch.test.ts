// --allow-build's sdist comes from the index by the lock's hash (pyindex/sdist-fetch.ts), and the
// index is hostile input: a page that lists the locked hash but serves other bytes is E_INTEGRITY
// naming the package, the hash expected and the one got, with nothing kept; a page with no sdist
// of that hash is E_ENV naming the indexes asked; the right bytes land in the store by sha256.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchSdist, lockIndexes } from '../../../src/pyindex/sdist-fetch.js';
import { tempDir } from '../../helpers/project.js';

const GOOD = Buffer.from('the real sdist bytes');
const EVIL = Buffer.from('something else entirely');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const page = (files: string) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body>${files}</body></html>`);
    // Both list the locked hash; "liar" serves other bytes under it.
    if (req.url === '/simple/good/') return page(`<a href="/files/good-1.0.tar.gz#sha256=${sha(GOOD)}">good-1.0.tar.gz</a>`);
    if (req.url === '/simple/liar/') return page(`<a href="/files/liar-1.0.tar.gz#sha256=${sha(GOOD)}">liar-1.0.tar.gz</a>`);
    if (req.url === '/simple/other/') return page(`<a href="/files/other-2.0.tar.gz#sha256=${sha(GOOD)}">other-2.0.tar.gz</a>`);
    if (req.url === '/files/good-1.0.tar.gz') return res.writeHead(200).end(GOOD);
    if (req.url === '/files/liar-1.0.tar.gz') return res.writeHead(200).end(EVIL);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const request = (name: string, version: string, store: string) => ({ name, version, hashes: new Set([sha(GOOD)]), requirementsText: `--index-url ${base}\n${name}==${version} --hash=sha256:${sha(GOOD)}\n`, env: {}, store, lock: 'requirements.lock.txt', who: 'build: --vendor' });

describe('fetchSdist', () => {
  it('the locked sdist lands in the store under its sha256', async () => {
    const store = tempDir();
    const got = await fetchSdist(request('good', '1.0', store));
    expect(got).toMatchObject({ file: 'good-1.0.tar.gz', sha256: sha(GOOD), size: GOOD.length, source: path.join(store, sha(GOOD), 'good-1.0.tar.gz') });
  });

  it('attack: an index that lists the locked hash and serves other bytes is E_INTEGRITY naming expected and got; nothing kept', async () => {
    const store = tempDir();
    await expect(fetchSdist(request('liar', '1.0', store))).rejects.toMatchObject({ code: 'E_INTEGRITY', details: { mismatches: [{ package: 'liar', expected: [sha(GOOD)], got: sha(EVIL) }] } });
    expect(readdirSync(store)).toEqual([]);
  });

  it('no sdist of that version and hash on any index: E_ENV naming the indexes asked', async () => {
    const store = tempDir();
    await expect(fetchSdist(request('other', '1.0', store))).rejects.toMatchObject({ code: 'E_ENV', details: { indexes: [base] } });
    expect(existsSync(path.join(store, sha(GOOD)))).toBe(false);
  });
});

describe('lockIndexes', () => {
  it('the lock\'s --index-url first, else PIP_INDEX_URL, else PyPI; then the extra ones', () => {
    expect(lockIndexes('--index-url http://a/simple\n--extra-index-url http://b/simple\nx==1\n', { PIP_INDEX_URL: 'http://env/simple', PIP_EXTRA_INDEX_URL: 'http://c/simple http://d/simple' })).toEqual(['http://a/simple', 'http://b/simple', 'http://c/simple', 'http://d/simple']);
    expect(lockIndexes('x==1\n', { PIP_INDEX_URL: 'http://env/simple' })).toEqual(['http://env/simple']);
    expect(lockIndexes('x==1\n', {})).toEqual(['https://pypi.org/simple']);
  });
});

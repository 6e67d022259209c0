// verify must accept an intact bundle and refuse one with any byte flipped, anywhere, with a
// coded error that names what is wrong; never an internal error, never a pass.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyBundle } from '../../../src/bundle/verify.js';
import { ReproError } from '../../../src/core/errors.js';
import { build } from '../../helpers/build.js';
import { makeProject, tempDir } from '../../helpers/project.js';

const FILES = {
  'train.py': 'import numpy as np\nprint(np.arange(3))\n',
  'run.sh': { content: '#!/bin/sh\nexec python3 train.py\n', mode: 0o755 },
  'data/x.csv': '1,2\n3,4\n',
  'link': { symlink: 'train.py' },
  [`deep/${'d'.repeat(120)}/f.txt`]: 'pax\n',
};

const ACCEPTED_CODES = new Set(['E_INTEGRITY', 'E_UNSAFE_ENTRY', 'E_LIMIT', 'E_SCHEMA_VERSION']);

async function rejectCode(file: string): Promise<string | null> {
  try {
    await verifyBundle(file);
    return null;
  } catch (err) {
    if (!(err instanceof ReproError)) return `not a ReproError: ${String(err)}`;
    return err.code;
  }
}

describe.each(['none', 'gzip', 'zstd'] as const)('verify (%s)', (codec) => {
  it('accepts the intact bundle and reports its digests', async () => {
    const root = await makeProject(FILES);
    const r = await build(root, { compression: codec });
    const report = await verifyBundle(r.bundle, { digest: r.contentDigest });
    expect(report).toMatchObject({ codec, contentDigest: r.contentDigest, fileDigest: r.fileDigest, integrity: r.integrity, entries: r.entries, digestMatched: 'contentDigest' });
    // Uncompressed, the file is the tar: both digests are the same value.
    expect((await verifyBundle(r.bundle, { digest: r.fileDigest })).digestMatched).toBe(codec === 'none' ? 'contentDigest' : 'fileDigest');
    expect((await verifyBundle(r.bundle, { digest: r.integrity })).digestMatched).toBe('integrity');
  });

  it('refuses the bundle with one byte flipped, at every sampled position', async () => {
    const root = await makeProject(FILES);
    const r = await build(root, { compression: codec });
    const bytes = await fs.readFile(r.bundle);
    const positions = new Set<number>();
    for (let i = 0; i < Math.min(64, bytes.length); i++) positions.add(i);
    for (let i = Math.max(0, bytes.length - 64); i < bytes.length; i++) positions.add(i);
    const step = Math.max(1, Math.floor(bytes.length / 400));
    for (let i = 0; i < bytes.length; i += step) positions.add(i);
    const dir = tempDir();
    const file = path.join(dir, `flipped${path.extname(r.bundle)}`);
    const failures: string[] = [];
    for (const pos of positions) {
      const copy = Buffer.from(bytes);
      copy[pos] = copy[pos]! ^ 0x01;
      await fs.writeFile(file, copy);
      const code = await rejectCode(file);
      if (code === null || !ACCEPTED_CODES.has(code)) failures.push(`${pos}: ${code ?? 'accepted'}`);
    }
    expect(failures).toEqual([]);
    expect(positions.size).toBeGreaterThan(100);
  });

  it('refuses a truncated bundle and one with bytes appended', async () => {
    const root = await makeProject(FILES);
    const r = await build(root, { compression: codec });
    const bytes = await fs.readFile(r.bundle);
    const file = path.join(tempDir(), 'x');
    for (const cut of [1, 100, 1024, Math.floor(bytes.length / 2)]) {
      await fs.writeFile(file, bytes.subarray(0, bytes.length - cut));
      expect(ACCEPTED_CODES.has((await rejectCode(file)) ?? '')).toBe(true);
    }
    await fs.writeFile(file, Buffer.concat([bytes, Buffer.from('trailing garbage')]));
    expect(ACCEPTED_CODES.has((await rejectCode(file)) ?? '')).toBe(true);
  });
});

describe('verify evidence', () => {
  it('a wrong --digest fails with both digests as evidence', async () => {
    const root = await makeProject(FILES);
    const r = await build(root);
    const err = await verifyBundle(r.bundle, { digest: `sha256:${'0'.repeat(64)}` }).catch((e) => e);
    expect(err).toMatchObject({ code: 'E_INTEGRITY', details: { problems: [{ field: 'digest', expected: `sha256:${'0'.repeat(64)}`, actual: { contentDigest: r.contentDigest, fileDigest: r.fileDigest } }] } });
  });

  it('a malformed --digest is a usage error', async () => {
    const root = await makeProject(FILES);
    const r = await build(root);
    await expect(verifyBundle(r.bundle, { digest: 'md5:abc' })).rejects.toMatchObject({ code: 'E_USAGE' });
  });

  it('content changed in place names the entry and both hashes', async () => {
    const root = await makeProject({ 'a.txt': 'AAAA' });
    const r = await build(root, { compression: 'none' });
    const bytes = await fs.readFile(r.bundle);
    const at = bytes.indexOf('AAAA');
    bytes.write('AAAB', at);
    const file = path.join(tempDir(), 'x.repro.tar');
    await fs.writeFile(file, bytes);
    const err = await verifyBundle(file).catch((e) => e);
    expect(err.code).toBe('E_INTEGRITY');
    expect(err.details.problems).toEqual([{ entry: 'project/a.txt', field: 'sha256', expected: expect.stringMatching(/^[0-9a-f]{64}$/), actual: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });

  it('a header mtime changed (checksum fixed up) is named as a header field', async () => {
    const root = await makeProject({ 'a.txt': 'x' });
    const r = await build(root, { compression: 'none' });
    const bytes = await fs.readFile(r.bundle);
    const { Header } = await import('tar');
    // Find the header of project/a.txt, rewrite its mtime and re-encode (valid checksum).
    for (let off = 0; off < bytes.length; off += 512) {
      const h = new Header(bytes, off);
      if (h.path === 'project/a.txt') {
        h.mtime = new Date(1_600_000_000_000);
        h.encode(bytes, off);
        break;
      }
    }
    const file = path.join(tempDir(), 'x.repro.tar');
    await fs.writeFile(file, bytes);
    const err = await verifyBundle(file).catch((e) => e);
    expect(err.code).toBe('E_INTEGRITY');
    expect(err.details.problems).toEqual([{ entry: 'project/a.txt', field: 'header', expected: { mtime: 946684800 }, actual: { mtime: 1600000000 } }]);
  });

  it('a file that is not a bundle', async () => {
    const file = path.join(tempDir(), 'notes.txt');
    await fs.writeFile(file, 'hello');
    await expect(verifyBundle(file)).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    await expect(verifyBundle(path.join(tempDir(), 'missing'))).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});

describe('verify of a large bundle (its tar hashed on a worker thread)', () => {
  it('gives the digests the build recorded; integrity: false skips only the sha512; a flipped byte is still refused', async () => {
    // 40 MiB of random bytes: incompressible, so the bundle is past the 32 MiB at which verify
    // hashes the tar on a worker instead of on its own thread.
    const root = await makeProject({ 'repro.yaml': 'name: big\nversion: 1.0.0\nentry_points:\n  main:\n    command: "true"\n' });
    await fs.writeFile(path.join(root, 'weights.bin'), randomBytes(40 << 20));
    const r = await build(root, { compression: 'zstd' });
    expect((await fs.stat(r.bundle)).size).toBeGreaterThan(32 << 20);
    const full = await verifyBundle(r.bundle);
    expect(full).toMatchObject({ contentDigest: r.contentDigest, fileDigest: r.fileDigest, integrity: r.integrity });
    const lean = await verifyBundle(r.bundle, { integrity: false });
    expect(lean).toMatchObject({ contentDigest: r.contentDigest, fileDigest: r.fileDigest, integrity: null });
    // An ssri --digest still needs the sha512, and gets it.
    expect((await verifyBundle(r.bundle, { integrity: false, digest: r.integrity })).digestMatched).toBe('integrity');
    const bytes = await fs.readFile(r.bundle);
    const file = path.join(tempDir(), 'flipped.repro.tar.zst');
    for (const pos of [Math.floor(bytes.length / 2), bytes.length - 40]) {
      const copy = Buffer.from(bytes);
      copy[pos] = copy[pos]! ^ 0x01;
      await fs.writeFile(file, copy);
      expect(await rejectCode(file)).toBe('E_INTEGRITY');
    }
  }, 60_000);
});

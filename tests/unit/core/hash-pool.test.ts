import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFileList, hashFiles, type FileHash } from '../../../src/core/hash-pool.js';
import { tempDir } from '../../helpers/project.js';

async function files(n: number, sizeOf: (i: number) => number): Promise<Array<{ path: string; size: number; bytes: Buffer }>> {
  const dir = tempDir();
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const bytes = Buffer.alloc(sizeOf(i), i % 251);
      const file = path.join(dir, `f${i}`);
      await fs.writeFile(file, bytes);
      return { path: file, size: bytes.length, bytes };
    }),
  );
}

describe('hashFiles: many files on worker threads, each result handed over as it comes', () => {
  it('hands every index its own file\'s sha256 once, across batches of many small and a few large files', async () => {
    const list = await files(700, (i) => (i % 233 === 0 ? (9 << 20) + i : i)); // > 256 files and > 8 MiB per batch both happen
    const seen = new Map<number, FileHash>();
    let progress = 0;
    await hashFiles(list.length, (i) => list[i]!, (i, h) => {
      expect(seen.has(i)).toBe(false);
      seen.set(i, h);
    }, { threads: 3, onProgress: (n) => (progress += n) });
    expect(seen.size).toBe(list.length);
    for (const [i, h] of seen) expect(h).toEqual({ sha256: createHash('sha256').update(list[i]!.bytes).digest('hex'), size: list[i]!.size });
    expect(progress).toBe(list.reduce((s, f) => s + f.size, 0));
  });

  it('does nothing for no files, and hashFileList keeps the list\'s order', async () => {
    let called = false;
    await hashFiles(0, () => { throw new Error('not asked'); }, () => (called = true));
    expect(called).toBe(false);
    const list = await files(5, (i) => i * 1000);
    expect((await hashFileList(list)).map((h) => h.sha256)).toEqual(list.map((f) => createHash('sha256').update(f.bytes).digest('hex')));
  });

  it('fails with the unreadable file named, and stops when onHash throws', async () => {
    const list = await files(3, () => 10);
    const missing = [...list, { path: path.join(path.dirname(list[0]!.path), 'gone'), size: 10, bytes: Buffer.alloc(0) }];
    await expect(hashFiles(missing.length, (i) => missing[i]!, () => {})).rejects.toMatchObject({ code: 'E_NOT_FOUND', details: { path: missing[3]!.path } });
    await expect(hashFiles(list.length, (i) => list[i]!, () => { throw new Error('file changed'); })).rejects.toThrow('file changed');
  });
});

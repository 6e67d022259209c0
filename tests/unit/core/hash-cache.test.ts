import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_FILE, HashCache, HashCacheWriter } from '../../../src/core/hash-cache.js';
import { tempDir } from '../../helpers/project.js';

const stat = { size: 3, mtimeMs: 1_000_000, ctimeMs: 1_000_000, ino: 42 };

describe('HashCache', () => {
  it('returns a saved hash only while size, mtime, ctime and inode are unchanged', async () => {
    const root = tempDir();
    const a = await new HashCache(root).load();
    expect(a.get('x', stat)).toBeUndefined();
    a.set('x', stat, 'f'.repeat(64));
    expect(await a.save(10_000_000)).toBe(true);
    const b = await new HashCache(root).load();
    expect(b.get('x', stat)).toBe('f'.repeat(64));
    expect(b.get('x', { ...stat, size: 4 })).toBeUndefined();
    expect(b.get('x', { ...stat, mtimeMs: stat.mtimeMs + 1 })).toBeUndefined();
    expect(b.get('x', { ...stat, ctimeMs: stat.ctimeMs + 1 })).toBeUndefined();
    expect(b.get('x', { ...stat, ino: 43 })).toBeUndefined();
    expect(b.get('y', stat)).toBeUndefined();
  });

  it('distrusts racy entries: files modified within 2 s before the cache was written', async () => {
    const root = tempDir();
    const a = await new HashCache(root).load();
    a.set('x', stat, 'f'.repeat(64));
    await a.save(stat.mtimeMs + 500);
    expect((await new HashCache(root).load()).get('x', stat)).toBeUndefined();
  });

  it('treats a corrupt cache file as empty', async () => {
    const root = tempDir();
    await fs.mkdir(path.dirname(path.join(root, CACHE_FILE)), { recursive: true });
    await fs.writeFile(path.join(root, CACHE_FILE), '{not json');
    expect((await new HashCache(root).load()).get('x', stat)).toBeUndefined();
  });

  it('never throws when the cache cannot be written', async () => {
    const root = path.join(tempDir(), 'file-not-dir');
    await fs.writeFile(root, 'x');
    const c = await new HashCache(root).load();
    c.set('x', stat, 'f'.repeat(64));
    expect(await c.save(10_000_000)).toBe(false);
  });
});

describe('HashCacheWriter', () => {
  it('writes, from rows given one at a time, the very file HashCache.save writes', async () => {
    const [a, b] = [tempDir(), tempDir()];
    const rows: Array<[string, typeof stat, string]> = [['x', stat, 'a'.repeat(64)], ['dir/"quoted" ü', { ...stat, ino: 7 }, 'b'.repeat(64)]];
    const cache = await new HashCache(a).load();
    for (const [k, s, h] of rows) cache.set(k, s, h);
    expect(await cache.save(10_000_000)).toBe(true);
    const writer = new HashCacheWriter(b);
    for (const [k, s, h] of rows) writer.add(k, s, h);
    expect(await writer.save(10_000_000)).toBe(true);
    expect(await fs.readFile(path.join(b, CACHE_FILE), 'utf8')).toBe(await fs.readFile(path.join(a, CACHE_FILE), 'utf8'));
    expect((await new HashCache(b).load()).get('dir/"quoted" ü', { ...stat, ino: 7 })).toBe('b'.repeat(64));
    const empty = tempDir();
    expect(await new HashCacheWriter(empty).save(1)).toBe(true);
    expect(JSON.parse(await fs.readFile(path.join(empty, CACHE_FILE), 'utf8'))).toEqual({ schemaVersion: 1, writtenAtMs: 1, files: {} });
  });
});

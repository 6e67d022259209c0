import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEMP_PREFIX, writeChunksAtomic } from '../../../src/core/atomic-write.js';
import { tempDir } from '../../helpers/project.js';

const chunksOf = (...parts: string[]) => parts.map((p) => Buffer.from(p));

describe('writeChunksAtomic', () => {
  it('writes the chunks in order and leaves no temp file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'out.json');
    expect(await writeChunksAtomic(file, chunksOf('{"a":', '1', '}'))).toBe(true);
    expect(await fs.readFile(file, 'utf8')).toBe('{"a":1}');
    expect(await fs.readdir(dir)).toEqual(['out.json']);
  });

  it('with keepIfSame, leaves a target holding the same bytes untouched and says so', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'lock');
    await fs.writeFile(file, 'same bytes');
    const before = await fs.stat(file);
    expect(await writeChunksAtomic(file, chunksOf('same ', 'bytes'), { keepIfSame: true })).toBe(false);
    expect((await fs.stat(file)).ino).toBe(before.ino);
    expect(await fs.readdir(dir)).toEqual(['lock']);
    // Same size, other bytes: replaced.
    expect(await writeChunksAtomic(file, chunksOf('SAME ', 'bytes'), { keepIfSame: true })).toBe(true);
    expect(await fs.readFile(file, 'utf8')).toBe('SAME bytes');
  });

  it('when the chunks fail part-way, keeps the old file and removes the temp file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'cache.json');
    await fs.writeFile(file, 'old');
    function* failing(): Generator<Buffer> {
      yield Buffer.from('new, half');
      throw new Error('row source broke');
    }
    await expect(writeChunksAtomic(file, failing())).rejects.toThrow(/row source broke|cannot write/);
    expect(await fs.readFile(file, 'utf8')).toBe('old');
    expect((await fs.readdir(dir)).filter((n) => n.startsWith(TEMP_PREFIX))).toEqual([]);
  });
});

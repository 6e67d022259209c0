import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoByBinary } from '../../../src/snapshot/binary-memo.js';
import { tempDir } from '../../helpers/project.js';

const isString = (v: unknown): v is string => typeof v === 'string';

describe('memoByBinary', () => {
  it('asks once per binary, and again when the binary changes', async () => {
    const dir = tempDir();
    const bin = path.join(dir, 'tool');
    await fs.writeFile(bin, 'v1');
    let asked = 0;
    const ask = () => memoByBinary(path.join(dir, 'memo'), bin, '--version', isString, async () => `answer ${++asked}`);
    expect(await ask()).toBe('answer 1');
    expect(await ask()).toBe('answer 1');
    expect(asked).toBe(1);
    await fs.writeFile(bin, 'version two'); // another size (and mtime): another binary
    expect(await ask()).toBe('answer 2');
    expect(asked).toBe(2);
  });

  it('keeps questions apart, never remembers a failure, and recomputes a damaged memo', async () => {
    const dir = tempDir();
    const bin = path.join(dir, 'tool');
    await fs.writeFile(bin, 'x');
    const memo = path.join(dir, 'memo');
    expect(await memoByBinary(memo, bin, 'a', isString, async () => 'A')).toBe('A');
    expect(await memoByBinary(memo, bin, 'b', isString, async () => 'B')).toBe('B');
    let calls = 0;
    expect(await memoByBinary(memo, bin, 'c', isString, async () => (calls++, null))).toBeNull();
    expect(await memoByBinary(memo, bin, 'c', isString, async () => (calls++, null))).toBeNull();
    expect(calls).toBe(2);
    for (const f of await fs.readdir(memo)) await fs.writeFile(path.join(memo, f), '{not json');
    expect(await memoByBinary(memo, bin, 'a', isString, async () => 'A again')).toBe('A again');
  });

  it('without a cache directory, or for a binary that is not there, always asks', async () => {
    const dir = tempDir();
    let calls = 0;
    await memoByBinary(undefined, path.join(dir, 'x'), 'q', isString, async () => `${++calls}`);
    await memoByBinary(path.join(dir, 'memo'), path.join(dir, 'missing'), 'q', isString, async () => `${++calls}`);
    await memoByBinary(path.join(dir, 'memo'), path.join(dir, 'missing'), 'q', isString, async () => `${++calls}`);
    expect(calls).toBe(3);
    await expect(fs.readdir(path.join(dir, 'memo'))).rejects.toThrow();
  });
});

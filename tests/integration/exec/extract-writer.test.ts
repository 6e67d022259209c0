// extract-writer.ts on a real folder: what the worker writes is what in-place writes would have
// been (files, modes, links, folders, bytes across batches), and a failure on the worker (a path
// that exists, no parent) is reported by finish() at the path it happened, like an in-place one.
import { lstatSync, readFileSync, readlinkSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExtractWriter } from '../../../src/exec/extract-writer.js';
import { tempDir } from '../../helpers/project.js';

const failure = (at: string, err: NodeJS.ErrnoException) => Object.assign(new Error(`failed at ${at}: ${err.code}`), { at, errCode: err.code });

function writeTree(writer: ExtractWriter, root: string): void {
  writer.dir(path.join(root, 'd'), 0o755);
  for (let i = 0; i < 300; i++) {
    const f = writer.file(path.join(root, 'd', `f${i}.txt`), i % 2 === 0 ? 0o644 : 0o755);
    f.write(Buffer.from(`file ${i}\n`));
    f.write(Buffer.from('second slice\n'));
    f.end();
  }
  // One file larger than a batch: sent alone.
  const big = writer.file(path.join(root, 'big.bin'), 0o644);
  big.write(Buffer.alloc(3 << 20, 7));
  big.write(Buffer.from('tail'));
  big.end();
  writer.link('d/f0.txt', path.join(root, 'link'));
}

describe('ExtractWriter', () => {
  it.each([
    ['in place (no worker)', 100_000],
    ['all on the worker', 0],
    ['in place, then on the worker', 50],
  ])('%s: the same tree', async (_what, direct) => {
    const root = tempDir();
    const writer = new ExtractWriter(failure, direct);
    writeTree(writer, root);
    await writer.finish();
    expect(readdirSync(path.join(root, 'd'))).toHaveLength(300);
    expect(readFileSync(path.join(root, 'd', 'f7.txt'), 'utf8')).toBe('file 7\nsecond slice\n');
    expect(lstatSync(path.join(root, 'd', 'f7.txt')).mode & 0o777).toBe(0o755 & ~process.umask());
    const big = readFileSync(path.join(root, 'big.bin'));
    expect(big.length).toBe((3 << 20) + 4);
    expect(big.subarray(-4).toString()).toBe('tail');
    expect(big[12345]).toBe(7);
    expect(readlinkSync(path.join(root, 'link'))).toBe('d/f0.txt');
  });

  it('past the in-place entries, a last batch smaller than any flush is still written by finish()', async () => {
    const root = tempDir();
    const writer = new ExtractWriter(failure, 10);
    for (let i = 0; i < 40; i++) {
      const f = writer.file(path.join(root, `f${i}`), 0o644);
      f.write(Buffer.from(String(i)));
      f.end();
    }
    await writer.finish();
    expect(readdirSync(root)).toHaveLength(40);
    expect(readFileSync(path.join(root, 'f39'), 'utf8')).toBe('39');
  });

  it('attack: a path that already exists fails on the worker (O_EXCL, nothing written through it), reported at that path', async () => {
    const root = tempDir();
    const writer = new ExtractWriter(failure, 0);
    writer.file(path.join(root, 'a'), 0o644).end();
    const again = writer.file(path.join(root, 'a'), 0o644);
    again.write(Buffer.from('overwrite'));
    again.end();
    writer.file(path.join(root, 'after'), 0o644).end();
    await expect(writer.finish()).rejects.toMatchObject({ at: path.join(root, 'a'), errCode: 'EEXIST' });
    expect(readFileSync(path.join(root, 'a'), 'utf8')).toBe('');
    // Nothing after the failure was written.
    expect(readdirSync(root)).toEqual(['a']);
  });

  it('a folder that is not there: ENOENT at the file\'s path', async () => {
    const root = tempDir();
    const writer = new ExtractWriter(failure, 0);
    writer.file(path.join(root, 'missing', 'x'), 0o644).end();
    await expect(writer.finish()).rejects.toMatchObject({ at: path.join(root, 'missing', 'x'), errCode: 'ENOENT' });
  });
});

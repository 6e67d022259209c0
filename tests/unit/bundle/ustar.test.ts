import { describe, expect, it } from 'vitest';
import { Header } from 'tar';
import type { BundleEntry } from '../../../src/bundle/entry.js';
import { encodeEntryHeader, encodeWithTar } from '../../../src/bundle/tar-header.js';
import { encodeUstar } from '../../../src/bundle/ustar.js';
import { tarName } from '../../../src/bundle/entry.js';

// node-tar's Header.encode is the reference: wherever the direct encoder takes an entry, its
// 512 bytes must be node-tar's, and it must take every entry node-tar writes without PAX.

function fieldsOf(e: BundleEntry, mtime: number) {
  return { name: tarName(e), mode: e.mode, size: e.type === 'file' ? e.size : 0, mtime, type: e.type, linkpath: e.type === 'symlink' ? (e.target ?? '') : '' };
}

/** Direct vs node-tar on one entry; returns whether the direct encoder took it. */
function compare(e: BundleEntry, mtime: number): boolean {
  const block = Buffer.alloc(512, 0xaa); // dirty scratch: every byte must be written
  const took = encodeUstar(fieldsOf(e, mtime), block);
  const reference = encodeWithTar(e, tarName(e), mtime);
  if (took) {
    expect(reference.length, `${e.path}: node-tar needed PAX where the direct encoder did not`).toBe(512);
    expect(block.toString('hex'), JSON.stringify({ e, mtime })).toBe(reference.toString('hex'));
    expect(new Header(block).cksumValid).toBe(true);
  }
  return took;
}

const ascii = (n: number, c = 'a') => c.repeat(n);

describe('encodeUstar against node-tar', () => {
  it('writes node-tar\'s bytes for names of every length up to the ustar limit, and declines from 100 bytes on', () => {
    for (let n = 1; n <= 110; n++) {
      const file = { path: ascii(n), type: 'file' as const, mode: 0o644, size: n };
      expect(compare(file, 1_700_000_000), `file name of ${n}`).toBe(n < 100);
      // a directory's name carries a trailing slash: 99 characters with it is the longest
      expect(compare({ path: ascii(n), type: 'directory', mode: 0o755, size: 0 }, 0), `dir name of ${n}`).toBe(n + 1 < 100);
    }
  });

  it('link targets up to 100 bytes are ustar\'s own, longer ones are left to node-tar', () => {
    for (const n of [0, 1, 99, 100, 101, 200]) {
      expect(compare({ path: 'project/l', type: 'symlink', mode: 0o777, size: 0, target: ascii(n, 't') }, 0), `target of ${n}`).toBe(n <= 100);
    }
  });

  it('sizes, modes and mtimes at the edges of the octal fields', () => {
    const sizes = [0, 1, 7, 8, 511, 512, 0o7777777, 0o10000000, 2 ** 31, 0o7777777777, 0o10000000000, 0o77777777777, 0o77777777777 + 1, 2 ** 40];
    for (const size of sizes) expect(compare({ path: 'project/f', type: 'file', mode: 0o644, size }, 0), `size ${size}`).toBe(size <= 0o77777777777);
    for (const mode of [0, 0o600, 0o644, 0o700, 0o755, 0o777, 0o4755, 0o7777]) expect(compare({ path: 'project/f', type: 'file', mode, size: 3 }, 0), `mode ${mode.toString(8)}`).toBe(true);
    for (const mtime of [0, 1, 315532800, 946684800, 2 ** 31, 2 ** 32, 0o77777777777]) expect(compare({ path: 'project/f', type: 'file', mode: 0o644, size: 3 }, mtime), `mtime ${mtime}`).toBe(true);
    // what the direct encoder does not hold, node-tar still writes (or the caller refuses)
    for (const mtime of [-1, 1.5, 2 ** 33]) expect(encodeUstar(fieldsOf({ path: 'project/f', type: 'file', mode: 0o644, size: 3 }, mtime), Buffer.alloc(512))).toBe(false);
  });

  it('declines non-ASCII, NUL and lone surrogates (node-tar writes those with PAX)', () => {
    for (const path of ['project/dáta.csv', 'project/日本', 'project/e\u0301', 'project/\ud800x', 'project/a\u0000b']) {
      expect(compare({ path, type: 'file', mode: 0o644, size: 1 }, 0), JSON.stringify(path)).toBe(false);
    }
    // DEL and other control characters are ASCII: written as node-tar writes them
    for (const path of ['project/\u007f', 'project/\u0001tab\tnl\n', 'project/ space "quote" \\']) {
      expect(compare({ path, type: 'file', mode: 0o644, size: 1 }, 0), JSON.stringify(path)).toBe(true);
    }
  });

  it('agrees with node-tar on 5,000 random entries, and takes every one node-tar writes without PAX', () => {
    let seed = 20261206;
    const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789._-/ ~+=ABCXYZ';
    let took = 0;
    let plain = 0;
    for (let i = 0; i < 5000; i++) {
      const length = 1 + (next() % 130);
      let path = 'project/';
      for (let k = 0; k < length; k++) path += alphabet[next() % alphabet.length];
      if (next() % 20 === 0) path += 'é';
      const kind = next() % 3;
      const e: BundleEntry = kind === 0 ? { path, type: 'file', mode: next() % 2 ? 0o644 : 0o755, size: next() % 3 === 0 ? next() * 4096 : next() % 70_000 }
        : kind === 1 ? { path, type: 'directory', mode: 0o755, size: 0 }
        : { path, type: 'symlink', mode: 0o777, size: 0, target: '../'.repeat(next() % 40) + 'x' };
      const mtime = next() % 2 ? 0 : next() * 128;
      if (compare(e, mtime)) took++;
      if (encodeWithTar(e, tarName(e), mtime).length === 512 && Buffer.byteLength(tarName(e)) < 100) plain++;
    }
    expect(took).toBe(plain);
    expect(took).toBeGreaterThan(1000);
  });

  it('encodeEntryHeader gives the direct bytes when it can and node-tar\'s PAX otherwise, into the scratch or not', () => {
    const scratch = Buffer.alloc(512, 0x55);
    const short = { path: 'project/a.py', type: 'file' as const, mode: 0o644, size: 5 };
    expect(encodeEntryHeader(short, 0, scratch)).toBe(scratch);
    expect(scratch.equals(encodeWithTar(short, 'project/a.py', 0))).toBe(true);
    const long = { path: `project/${'x'.repeat(150)}`, type: 'file' as const, mode: 0o644, size: 5 };
    expect(encodeEntryHeader(long, 0, scratch).equals(encodeWithTar(long, long.path, 0))).toBe(true);
  });
});

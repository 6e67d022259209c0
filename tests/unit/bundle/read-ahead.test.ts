import { lstatSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceEntry } from '../../../src/bundle/entry-table.js';
import { ReadAhead, readsAhead } from '../../../src/bundle/read-ahead.js';
import { tempDir } from '../../helpers/project.js';

function fileEntry(dir: string, name: string, bytes: Buffer): SourceEntry {
  const source = path.join(dir, name);
  writeFileSync(source, bytes);
  const st = lstatSync(source);
  return { path: `project/${name}`, type: 'file', mode: 0o644, size: st.size, source, stat: { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino } };
}

/** Takes every entry the reader reads, in order, as the tar writer does. */
async function drain(ahead: ReadAhead, entries: SourceEntry[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const e of entries) {
    if (!readsAhead(e)) continue;
    out.push(Buffer.from(await ahead.take(e)));
    ahead.release();
  }
  return out;
}

let open: ReadAhead | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

describe('ReadAhead', () => {
  it('hands over every small file\'s bytes in the writer\'s order, through a ring far smaller than the files', async () => {
    const dir = tempDir();
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const entries: SourceEntry[] = [];
    for (let i = 0; i < 1500; i++) {
      const size = i % 97 === 0 ? 0 : i % 101 === 0 ? 65536 + (next() % 1000) : i % 13 === 0 ? 65535 : next() % 9000;
      const bytes = Buffer.alloc(size);
      for (let j = 0; j < size; j += 4) bytes.writeUInt32LE(next(), j - (j + 4 > size ? j + 4 - size : 0));
      entries.push(fileEntry(dir, `f${i}`, bytes));
      if (i % 50 === 0) entries.push({ path: `project/d${i}`, type: 'directory', mode: 0o755, size: 0 });
      if (i % 77 === 0) entries.push({ path: `project/g${i}`, type: 'file', mode: 0o644, size: 3, content: Buffer.from('gen') });
    }
    open = new ReadAhead(entries);
    const got = await drain(open, entries);
    const want = entries.filter(readsAhead).map((e) => readFileSync(e.source!));
    expect(got.length).toBe(want.length);
    expect(got.length).toBeGreaterThan(1300); // the ring's 128 slots reused ten times over
    for (let i = 0; i < want.length; i++) expect(got[i]!.equals(want[i]!), `file ${i}`).toBe(true);
    // never the worker's: empty files, 64 KiB and more, generated content, directories
    expect(entries.filter((e) => e.type === 'file' && e.size >= 65536).every((e) => !readsAhead(e))).toBe(true);
    expect(readsAhead({ path: 'project/e', type: 'file', mode: 0o644, size: 0, source: '/x', stat: { size: 0, mtimeMs: 0, ctimeMs: 0, ino: 1 } })).toBe(false);
  });

  it('a file that changed after planning (size, mtime or inode) is refused as changed, as the writer refuses it', async () => {
    const dir = tempDir();
    const cases: Array<[string, (e: SourceEntry) => void]> = [
      ['size', (e) => writeFileSync(e.source!, 'longer than before\n')],
      ['mtime', (e) => utimesSync(e.source!, 1, 1)],
      ['inode', (e) => (rmSync(e.source!), writeFileSync(e.source!, 'abc'))],
    ];
    for (const [what, change] of cases) {
      const entries = [fileEntry(dir, `ok-${what}`, Buffer.from('fine')), fileEntry(dir, `x-${what}`, Buffer.from('abc'))];
      change(entries[1]!);
      const ahead = new ReadAhead(entries);
      try {
        expect((await ahead.take(entries[0]!)).toString()).toBe('fine');
        ahead.release();
        await expect(ahead.take(entries[1]!), what).rejects.toThrow(expect.objectContaining({ code: 'E_CHANGED_DURING_BUILD', details: { path: entries[1]!.source } }));
      } finally {
        await ahead.close();
      }
    }
  });

  it('a file gone since planning is the writer\'s own error (E_NOT_FOUND with its path), not a crash or a hang', async () => {
    const dir = tempDir();
    const entries = [fileEntry(dir, 'gone', Buffer.from('abc'))];
    rmSync(entries[0]!.source!);
    open = new ReadAhead(entries);
    await expect(open.take(entries[0]!)).rejects.toThrow(expect.objectContaining({ code: 'E_NOT_FOUND', details: expect.objectContaining({ path: entries[0]!.source, errno: 'ENOENT' }) }));
  });
});

describe('ReadAhead when its worker dies', () => {
  it('the build fails with E_INTERNAL instead of waiting forever', async () => {
    const dir = tempDir();
    const entries = Array.from({ length: 300 }, (_, i) => fileEntry(dir, `f${i}`, Buffer.from(`file ${i}`)));
    open = new ReadAhead(entries);
    expect((await open.take(entries[0]!)).toString()).toBe('file 0');
    open.release();
    await open.close(); // the worker is gone, at most 128 files past the first read (the ring's slots)
    const dead = open;
    open = undefined;
    for (let i = 1; i < 200; i++) dead.release(); // the writer moves past everything the ring could hold
    await expect(dead.take(entries[200]!)).rejects.toThrow(expect.objectContaining({ code: 'E_INTERNAL' }));
  });
});

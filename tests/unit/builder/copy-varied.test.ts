// build --verify's copy: the rebuild is told the hash of each copy whose bytes were proven equal
// to what the first build hashed, and of no other (a source edited since the first build, a
// generated entry, a large file copied without reading it).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EntryTable } from '../../../src/bundle/entry-table.js';
import { copyVaried, removeCopy } from '../../../src/builder/variations.js';
import { tempDir } from '../../helpers/project.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('copyVaried tells the rebuild what it proved', () => {
  it('a copy read and hashed equal is seeded with its new stat; an edited source, a generated file and a large file are not', async () => {
    const src = tempDir();
    const files: Record<string, Buffer> = { 'a.py': Buffer.from('print(1)\n'), 'edited.py': Buffer.from('old\n'), 'big.bin': Buffer.alloc((1 << 20) + 1, 7) };
    const t = new EntryTable(src, 'project');
    for (const [name, data] of Object.entries(files)) {
      writeFileSync(path.join(src, name), data);
      const st = statSync(path.join(src, name));
      const row = t.addFile(`project/${name}`, name, 0o644, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino });
      t.setSha256(row, sha(data));
    }
    t.addContent('project/MLproject', Buffer.from('name: x\n'), 0o644);
    // Edited after the first build hashed it:
    writeFileSync(path.join(src, 'edited.py'), 'new\n');
    const copy = path.join(tempDir(), 'copy');
    const seen: Record<string, { sha256: string; ino: number; mtimeMs: number }> = {};
    const list = await copyVaried(t, copy, (rel, stat, sha256) => (seen[rel] = { sha256, ino: stat.ino, mtimeMs: stat.mtimeMs }));
    expect(Buffer.concat(list).toString().split('\0').filter(Boolean).sort()).toEqual(['a.py', 'big.bin', 'edited.py']); // the generated MLproject is made again, not copied
    expect(Object.keys(seen)).toEqual(['a.py']);
    const st = statSync(path.join(copy, 'a.py'));
    expect(seen['a.py']).toEqual({ sha256: sha(files['a.py']!), ino: st.ino, mtimeMs: st.mtimeMs });
    expect(readFileSync(path.join(copy, 'edited.py'), 'utf8')).toBe('new\n');
  });
});

describe('copyVaried on two threads (2,000 files or more)', () => {
  function project(count: number): { src: string; table: EntryTable; data: (i: number) => Buffer; name: (i: number) => string } {
    const src = tempDir();
    const table = new EntryTable(src, 'project');
    const name = (i: number) => `d${String(i % 40).padStart(2, '0')}/f${String(i).padStart(5, '0')}.py`;
    const data = (i: number) => Buffer.from(`print(${i})\n`);
    const names = Array.from({ length: count }, (_, i) => i).sort((a, b) => (name(a) < name(b) ? -1 : 1));
    for (let d = 0; d < 40; d++) table.addDirectory(`project/d${String(d).padStart(2, '0')}`);
    for (const i of names) {
      const file = path.join(src, name(i));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, data(i), { mode: i % 7 === 0 ? 0o755 : 0o644 });
      const st = statSync(file);
      const row = table.addFile(`project/${name(i)}`, name(i), i % 7 === 0 ? 0o755 : 0o644, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino });
      table.setSha256(row, sha(data(i)));
    }
    table.addDirectory('project');
    return { src, table, data, name };
  }

  it('copies every file with its bytes, its umask-077 mode and a distinct mtime, and proves every one', async () => {
    const { table, data, name } = project(2500);
    const copy = path.join(tempDir(), 'copy');
    const seen = new Map<string, { ino: number; mtimeMs: number; size: number }>();
    const list = await copyVaried(table, copy, (rel, stat) => seen.set(rel, { ino: stat.ino, mtimeMs: stat.mtimeMs, size: stat.size }));
    const listed = Buffer.concat(list).toString().split('\0').filter(Boolean);
    expect(listed).toHaveLength(2500);
    expect(seen.size).toBe(2500);
    const mtimes = new Set<number>();
    for (let i = 0; i < 2500; i++) {
      const file = path.join(copy, name(i));
      const st = statSync(file);
      expect(readFileSync(file).equals(data(i))).toBe(true);
      expect(st.mode & 0o777).toBe(i % 7 === 0 ? 0o700 : 0o600);
      expect(seen.get(name(i))).toEqual({ ino: st.ino, mtimeMs: st.mtimeMs, size: st.size });
      mtimes.add(st.mtimeMs);
    }
    expect(mtimes.size).toBe(2500);
  });

  it('removeCopy removes a large copy on two threads, every file of both halves', async () => {
    const { table } = project(2500);
    const copy = path.join(tempDir(), 'copy');
    await copyVaried(table, copy);
    expect(readdirSync(copy)).toHaveLength(40);
    await removeCopy(copy, 2500);
    expect(existsSync(copy)).toBe(false);
    await removeCopy(copy, 2500); // already gone: nothing to do, no error
  });

  it('a file gone from the half the worker copies: the copy fails with the system error, naming the file', async () => {
    const { src, table, name } = project(2500);
    // The worker takes the second half of the reversed list: the first files in name order.
    rmSync(path.join(src, name(0)));
    const copy = path.join(tempDir(), 'copy');
    await expect(copyVaried(table, copy)).rejects.toMatchObject({ code: 'ENOENT', path: path.join(src, name(0)) });
  });

  it('a file grown past the planned 1 MiB in the worker\'s half: E_CHANGED_DURING_BUILD', async () => {
    const { src, table, name } = project(2500);
    writeFileSync(path.join(src, name(40)), Buffer.alloc((1 << 20) + 10, 1));
    await expect(copyVaried(table, path.join(tempDir(), 'copy'))).rejects.toMatchObject({ code: 'E_CHANGED_DURING_BUILD' });
  });
});

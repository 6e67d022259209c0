// build --verify's copy: the rebuild is told the hash of each copy whose bytes were proven equal
// to what the first build hashed, and of no other (a source edited since the first build, a
// generated entry, a large file copied without reading it).
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EntryTable } from '../../../src/bundle/entry-table.js';
import { copyVaried } from '../../../src/builder/variations.js';
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

import { createHash } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryTable } from '../../../src/bundle/entry-table.js';
import { compareUtf8 } from '../../../src/core/utf8-order.js';

const stat = (size: number, i = 0) => ({ size, mtimeMs: 1_700_000_000_123.456 + i, ctimeMs: 1_700_000_001_000.5 + i, ino: 2 ** 40 + i });
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('EntryTable: a build plan held in columns', () => {
  it('gives back each kind of row as the entry the writer and the manifest read', () => {
    const t = new EntryTable('/src/proj', 'project');
    const file = t.addFile('project/a/x.py', 'a/x.py', 0o755, stat(12, 1));
    t.setSha256(file, sha('x'));
    const link = t.addSymlink('project/a/l', 0o777, 'x.py');
    const dir = t.addDirectory('project/a');
    const gen = t.addContent('project/MLproject', Buffer.from('name: x\n'), 0o644);
    expect(t.length).toBe(4);
    expect(t.entryOf(file)).toEqual({ path: 'project/a/x.py', type: 'file', mode: 0o755, size: 12, sha256: sha('x'), source: path.join('/src/proj', 'a/x.py'), stat: stat(12, 1) });
    expect(t.entryOf(link)).toEqual({ path: 'project/a/l', type: 'symlink', mode: 0o777, size: 0, target: 'x.py' });
    expect(t.entryOf(dir)).toEqual({ path: 'project/a', type: 'directory', mode: 0o755, size: 0 });
    expect(t.entryOf(gen)).toEqual({ path: 'project/MLproject', type: 'file', mode: 0o644, size: 8, sha256: sha('name: x\n'), content: Buffer.from('name: x\n') });
    expect(t.has('project/a/l')).toBe(true);
    expect(t.has('project/a/')).toBe(false);
  });

  it('bundleEntries: the manifest\'s fields of every row, in sorted order, as often as asked', () => {
    const t = new EntryTable('/src/proj', 'project');
    t.setSha256(t.addFile('project/b.py', 'b.py', 0o644, stat(3)), sha('b'));
    t.addSymlink('project/a-link', 0o777, 'b.py');
    t.addDirectory('project');
    t.addContent('project/MLproject', Buffer.from('name: x\n'), 0o644);
    t.sort();
    const lean = ({ path: p, type, mode, size, sha256, target }: ReturnType<EntryTable['entryOf']>) => ({ path: p, type, mode, size, ...(sha256 ? { sha256 } : {}), ...(target ? { target } : {}) });
    const expected = [...t].map(lean);
    expect(expected.map((e) => e.path)).toEqual(['project', 'project/MLproject', 'project/a-link', 'project/b.py']);
    const entries = t.bundleEntries();
    expect([...entries]).toEqual(expected);
    expect([...entries]).toEqual(expected); // again: encodeManifest reads it twice
  });

  it('keeps a source name that is not the archive name (an NFD name on disk, a backslash)', () => {
    const t = new EntryTable('/r', 'project');
    const nfd = t.addFile('project/caf\u00e9.txt', 'cafe\u0301.txt', 0o644, stat(1));
    const plain = t.addFile('project/b.txt', 'b.txt', 0o644, stat(1));
    expect(t.sourceOf(nfd)).toBe('/r/cafe\u0301.txt');
    expect(t.sourceOf(plain)).toBe('/r/b.txt');
    expect(t.sourceOf(t.addDirectory('project'))).toBeUndefined();
  });

  it('replaces a file row\'s content (a copy with credentials cut) and keeps its source', () => {
    const t = new EntryTable('/r', 'project');
    const row = t.addFile('project/.npmrc', '.npmrc', 0o644, stat(40));
    t.replaceContent(row, Buffer.from('registry=x\n'));
    expect(t.entryOf(row)).toMatchObject({ size: 11, sha256: sha('registry=x\n'), source: '/r/.npmrc', content: Buffer.from('registry=x\n') });
    expect(t.hasSource(row) && t.hasContent(row)).toBe(true);
  });

  it('refuses a hash that is not 64 hex digits', () => {
    const t = new EntryTable('/r', 'project');
    const row = t.addFile('project/a', 'a', 0o644, stat(1));
    expect(() => t.setSha256(row, 'abc')).toThrow(TypeError);
    expect(t.sha256Of(row)).toBeUndefined();
  });

  it('grows past its first capacity without losing a row, stat numbers exact', () => {
    const t = new EntryTable('/r', 'project');
    for (let i = 0; i < 5000; i++) t.setSha256(t.addFile(`project/f${i}`, `f${i}`, 0o644, stat(i, i)), sha(String(i)));
    expect(t.length).toBe(5000);
    for (const i of [0, 1023, 1024, 2047, 4999]) expect(t.entryOf(i)).toMatchObject({ path: `project/f${i}`, size: i, sha256: sha(String(i)), stat: stat(i, i) });
  });

  it('sorts by UTF-8 bytes: "a-b" before "a/b", "Z" before "a", and as compareUtf8 orders any names (fast-check)', () => {
    const fixed = new EntryTable('/r', 'project');
    for (const p of ['a/b', 'a-b', 'a', 'Z', '\u00e9']) fixed.addDirectory(p);
    expect([...fixed.sort()].map((e) => e.path)).toEqual(['Z', 'a', 'a-b', 'a/b', '\u00e9']);
    const name = fc.stringMatching(/^[a-zA-Z0-9._\- /éß\u{1F600}\uFF21]{1,12}$/u);
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 60 }), (names) => {
        const t = new EntryTable('/r', 'project');
        names.forEach((n, i) => (i % 3 === 0 ? t.addDirectory(`project/${n}`) : t.addFile(`project/${n}`, n, 0o644, stat(i))));
        t.sort();
        const expected = names.map((n) => `project/${n}`).sort(compareUtf8);
        expect([...t].map((e) => e.path)).toEqual(expected);
        expect(Array.from({ length: t.length }, (_, i) => t.at(i)!.path)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('appends rows added after a sort at the end, in order, until sorted again', () => {
    const t = new EntryTable('/r', 'project');
    t.addDirectory('project/b');
    t.addDirectory('project/a');
    t.sort();
    t.addContent('Dockerfile', Buffer.from('FROM x\n'), 0o644);
    expect([...t].map((e) => e.path)).toEqual(['project/a', 'project/b', 'Dockerfile']);
    t.sort();
    expect([...t].map((e) => e.path)).toEqual(['Dockerfile', 'project/a', 'project/b']);
    expect(t.at(3)).toBeUndefined();
    expect(t.at(-1)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { CollisionCheck, isInTreeLinkTarget, parentDirectories, toArchivePath, type NamedSource } from '../../../src/bundle/paths.js';

/** Adds every item in order; throws as CollisionCheck does at the first twin. */
function assertNoCollisions(items: readonly NamedSource[]): void {
  const check = new CollisionCheck((i) => items[i]!);
  for (const item of items) check.add(item);
}

describe('toArchivePath', () => {
  it('normalizes to NFC and forward slashes', () => {
    expect(toArchivePath('cafe\u0301/./x.txt')).toBe('caf\u00e9/x.txt');
    expect(toArchivePath('a\\b//c')).toBe('a/b/c');
  });

  it('returns a name that is already an archive path as it is, and cleans every other one', () => {
    const general = (r: string) => r.split(/[\\/]+/).filter((p) => p !== '' && p !== '.').join('/').normalize('NFC');
    const names = ['a/b.py', 'a b/c d', ' lead', 'trail ', '.hidden/.x', 'a/.b/c.', '..', 'a/../b', '.', './a', 'a/.', 'a/./b', '/abs', 'a/', 'a//b', 'a\\b', 'x/\u00e9', 'cafe\u0301', 'tab\there', '~/q?*[]'];
    for (const name of names) expect(toArchivePath(name), name).toBe(general(name));
    expect(toArchivePath('./a//b/.')).toBe('a/b');
    expect(toArchivePath('d0001/f1.py')).toBe('d0001/f1.py');
  });
});

describe('assertNoCollisions', () => {
  it('refuses NFC/NFD twins, naming both source paths', () => {
    const items = ['caf\u00e9.txt', 'cafe\u0301.txt'].map((source) => ({ source, path: toArchivePath(source) }));
    expect(() => assertNoCollisions(items)).toThrow(expect.objectContaining({ code: 'E_PATH_COLLISION', details: expect.objectContaining({ rule: 'unicode-normalization' }) }));
  });

  it('refuses names that differ only in case', () => {
    const items = ['Data/a.csv', 'data/A.csv'].map((source) => ({ source, path: source }));
    expect(() => assertNoCollisions(items)).toThrow(expect.objectContaining({ code: 'E_PATH_COLLISION', details: expect.objectContaining({ rule: 'case-folding', paths: ['Data/a.csv', 'data/A.csv'] }) }));
  });

  it('accepts distinct names', () => {
    expect(() => assertNoCollisions(['a', 'b', 'a/b'].map((p) => ({ source: p, path: p })))).not.toThrow();
  });

  it('finds a twin among many names as they arrive, naming the earlier one from the caller\'s list', () => {
    const sources = Array.from({ length: 20_000 }, (_, i) => `d${i % 97}/file-${i}.txt`);
    sources.push('d26/FILE-123.txt'); // twin of an early name (123 % 97 = 26)
    const check = new CollisionCheck((i) => ({ source: sources[i]!, path: sources[i]! }));
    let thrown: unknown;
    try {
      for (const s of sources) check.add({ source: s, path: s });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'E_PATH_COLLISION', details: { rule: 'case-folding', paths: ['d26/file-123.txt', 'd26/FILE-123.txt'] } });
  });
});

describe('parentDirectories', () => {
  it('lists every ancestor once', () => {
    expect(parentDirectories(['a/b/c.txt', 'a/b/d.txt', 'a/e', 'f']).sort()).toEqual(['a', 'a/b']);
  });
});

describe('isInTreeLinkTarget', () => {
  it.each([
    ['a.txt', 'b.txt', true],
    ['dir/link', '../b.txt', true],
    ['dir/link', './x/y', true],
    ['d/e/link', '../../top', true],
    ['link', '../outside', false],
    ['dir/link', '../../outside', false],
    ['dir/link', '/etc/passwd', false],
    ['dir/link', 'x/../../../etc', false],
    ['dir/link', 'C:/Windows', false],
    ['dir/link', 'a\\..\\b', false],
    ['dir/link', '', false],
  ])('%s -> %s is in tree: %s', (link, target, ok) => {
    expect(isInTreeLinkTarget(link, target)).toBe(ok);
  });
});

import { describe, expect, it } from 'vitest';
import { NameTable } from '../../../src/bundle/name-table.js';
import { foldCase } from '../../../src/bundle/paths.js';

const add = (t: NameTable, name: string, ordinal: number) => t.add(name, foldCase(name), ordinal);
const find = (t: NameTable, name: string) => t.find(name, foldCase(name));

describe('NameTable', () => {
  it('finds a name again, exactly, and its case or Unicode twin, not exactly', () => {
    const t = new NameTable();
    add(t, 'project/README.md', 7);
    expect(find(t, 'project/README.md')).toEqual({ ordinal: 7, exact: true });
    expect(find(t, 'project/readme.md')).toEqual({ ordinal: 7, exact: false });
    add(t, 'project/stra\u00dfe', 8);
    expect(find(t, 'project/STRASSE')).toEqual({ ordinal: 8, exact: false });
    expect(find(t, 'project/other')).toBeNull();
  });

  it('keeps the first ordinal for a name added twice', () => {
    const t = new NameTable();
    add(t, 'a', 1);
    add(t, 'A', 2);
    expect(find(t, 'a')).toEqual({ ordinal: 1, exact: true });
    expect(t.size).toBe(1);
  });

  it('grows past its first size and finds every one of 300,000 names, and no name it was not given', () => {
    const t = new NameTable();
    const name = (i: number) => `project/d${i % 977}/file-${i}.txt`;
    for (let i = 0; i < 300_000; i++) {
      expect(find(t, name(i))).toBeNull();
      add(t, name(i), i);
    }
    expect(t.size).toBe(300_000);
    for (let i = 0; i < 300_000; i += 7) expect(find(t, name(i))).toEqual({ ordinal: i, exact: true });
    for (let i = 300_000; i < 310_000; i++) expect(find(t, name(i))).toBeNull();
  });
});

describe('NameTable against a Map of folded names (fast-check)', () => {
  it('answers every find as the Map does, for names with case and Unicode twins', async () => {
    const { default: fc } = await import('fast-check');
    const piece = fc.constantFrom('a', 'A', 'ß', 'SS', 'ss', 'é', 'e\u0301', 'İ', 'i', 'Ω', 'ω', 'x', '/', '-', '1');
    const name = fc.array(piece, { minLength: 1, maxLength: 6 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.array(name, { maxLength: 200 }), (names) => {
        const table = new NameTable();
        const model = new Map<string, { ordinal: number; name: string }>();
        names.forEach((n, i) => {
          const folded = foldCase(n);
          const want = model.get(folded);
          expect(table.find(n, folded)).toEqual(want ? { ordinal: want.ordinal, exact: want.name === n } : null);
          table.add(n, folded, i);
          if (!want) model.set(folded, { ordinal: i, name: n });
        });
        expect(table.size).toBe(model.size);
      }),
      { numRuns: 300, seed: 20261122 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/core/canonical-json.js';
import { decodeEntriesDocument, encodeEntriesDocument, entryText } from '../../../src/bundle/entries-json.js';

const encode = (skeleton: Record<string, unknown>, entries: object[]) => Buffer.concat([...encodeEntriesDocument({ ...skeleton, entries: [] }, entries)]);
const all = (doc: NonNullable<ReturnType<typeof decodeEntriesDocument>>) => Array.from({ length: doc.count }, (_, i) => doc.entry(i));

describe('entries-json: a canonical document written and read an entry at a time', () => {
  it('writes exactly the bytes canonicalJson writes for the whole document', () => {
    const skeleton = { name: 'x', zeta: { b: 1, a: [1, 2] }, alpha: null };
    const entries = [{ path: 'a', size: 1 }, { type: 'file', path: 'b/ü', nested: { y: [], x: 'q' } }];
    expect(encode(skeleton, entries).toString()).toBe(canonicalJson({ ...skeleton, entries }));
    expect(encode(skeleton, []).toString()).toBe(canonicalJson({ ...skeleton, entries: [] }));
  });

  it('spans the 1 MiB pieces it writes into (an entry larger than a piece included)', () => {
    const entries = Array.from({ length: 9000 }, (_, i) => ({ path: `d/${'x'.repeat(i % 300)}${i}`, size: i }));
    entries.push({ path: 'big', size: 0, blob: 'y'.repeat(3 << 20) } as never);
    const chunks = [...encodeEntriesDocument({ entries: [] }, entries)];
    expect(chunks.length).toBeGreaterThan(2);
    expect(encode({}, entries).toString()).toBe(canonicalJson({ entries }));
  });

  it('yields each 1 MiB piece as soon as it is full, before the later entries are read', () => {
    let pulled = 0;
    const total = 50_000;
    function* entries() {
      for (let i = 0; i < total; i++) {
        pulled++;
        yield { path: `project/d${i % 100}/file-${i}.txt`, size: i, sha256: 'a'.repeat(64) };
      }
    }
    const chunks = encodeEntriesDocument({ entries: [] }, entries());
    const first = chunks.next();
    expect(first.done).toBe(false);
    expect((first.value as Buffer).length).toBeGreaterThan(1 << 19);
    expect(pulled).toBeLessThan(total / 4);
    let rest = 0;
    for (const c of chunks) rest += c.length;
    expect(pulled).toBe(total);
    expect(rest).toBeGreaterThan(0);
  });

  it('reads back the skeleton and every entry, keeping offsets rather than objects', () => {
    const entries = [{ path: 'a', mode: '0644' }, { path: 'b', target: '../x' }];
    const bytes = encode({ kind: 'k', version: 1 }, entries);
    const seen: unknown[] = [];
    const doc = decodeEntriesDocument(bytes, (e, i) => seen.push([i, e]))!;
    expect(doc.skeleton).toEqual({ kind: 'k', version: 1, entries: [] });
    expect(doc.count).toBe(2);
    expect(all(doc)).toEqual(entries);
    expect(seen).toEqual([[0, entries[0]], [1, entries[1]]]);
    expect(bytes.toString('utf8', doc.tailStart)).toBe(',\n  "kind": "k",\n  "version": 1\n}\n');
    expect(() => doc.entry(2)).toThrow(RangeError);
  });

  it('does not decode what is not in canonical layout (the caller parses it whole)', () => {
    const entries = [{ path: 'a', size: 1 }];
    const good = encode({ kind: 'k' }, entries).toString();
    const variants = {
      compact: JSON.stringify({ entries, kind: 'k' }),
      'extra space inside an entry': good.replace('"size": 1', '"size":  1'),
      'unsorted keys inside an entry': good.replace('"path": "a",\n      "size": 1', '"size": 1,\n      "path": "a"'),
      'unsorted skeleton': good.replace('{\n  "entries"', '{\n  "kind": "k",\n  "entries"').replace(',\n  "kind": "k"\n}', '\n}'),
      'a second entries member after the first': good.replace('\n}\n', ',\n  "entries": []\n}\n'),
      'an entry that is not an object': good.replace(/ {4}\{[^]*?\n {4}\}/, '    [\n      1\n    ]'),
      'no entries': canonicalJson({ entries: [], kind: 'k' }),
      'trailing text': `${good}x`,
    };
    for (const [what, text] of Object.entries(variants)) expect(decodeEntriesDocument(Buffer.from(text), () => {}), what).toBeNull();
    // Bytes that are not UTF-8 inside an entry's string.
    const bytes = Buffer.from(good);
    bytes[bytes.indexOf('"a"') + 1] = 0xff;
    expect(decodeEntriesDocument(bytes, () => {})).toBeNull();
  });

  it('entryText is the entry as it sits two levels deep', () => {
    expect(entryText({ b: 1, a: 'x' })).toBe('    {\n      "a": "x",\n      "b": 1\n    }');
  });

  it('round-trips any skeleton and any non-empty object entries (fast-check)', async () => {
    const { default: fc } = await import('fast-check');
    const entry = fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1, maxKeys: 5 });
    const skeleton = fc.dictionary(fc.string().filter((k) => k !== 'entries'), fc.jsonValue(), { maxKeys: 5 });
    fc.assert(
      fc.property(skeleton, fc.array(entry, { minLength: 1, maxLength: 20 }), (s, entries) => {
        const bytes = encode(s, entries);
        expect(bytes.toString()).toBe(canonicalJson({ ...s, entries }));
        const doc = decodeEntriesDocument(bytes, () => {});
        expect(doc).not.toBeNull();
        expect(JSON.parse(canonicalJson(all(doc!)))).toEqual(JSON.parse(canonicalJson(entries)));
      }),
      { numRuns: 300, seed: 20261122 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/core/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and ends with a newline', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      3,\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  it('gives equal bytes for equal data built in another key order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('orders keys by code point, not by locale or UTF-16 unit', () => {
    const doc = JSON.parse(canonicalJson({ 'é': 1, z: 2, 'Z': 3, '\u{1F600}': 4, '\uFF5E': 5 }));
    expect(Object.keys(doc)).toEqual(['Z', 'z', 'é', '\uFF5E', '\u{1F600}']);
  });

  it('drops undefined members and refuses values JSON cannot carry', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{\n  "b": 1\n}\n');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/NaN at \$\.a/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });
});

describe('canonicalJson is JSON.stringify of the key-sorted value', () => {
  it('for any JSON value (fast-check)', async () => {
    const { default: fc } = await import('fast-check');
    const { compareUtf8 } = await import('../../../src/core/utf8-order.js');
    const sorted = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort(compareUtf8).map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(`${JSON.stringify(sorted(v), null, 2)}\n`);
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});

describe('canonicalJson key order', () => {
  it('puts integer-like keys first, as JSON.stringify does (a fixed quirk of the form)', () => {
    expect(canonicalJson({ b: 1, '10': 2, '': 3, '9': 4 })).toBe('{\n  "9": 4,\n  "10": 2,\n  "": 3,\n  "b": 1\n}\n');
  });

  it('names the path of a value it cannot hold', () => {
    expect(() => canonicalJson({ a: [1, { b: Number.NaN }] })).toThrow('canonical JSON cannot hold NaN at $.a[1].b');
  });

  it('round-trips any JSON value', async () => {
    const { default: fc } = await import('fast-check');
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v))); // -0 reads back as 0, as in any JSON
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});

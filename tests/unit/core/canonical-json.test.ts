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

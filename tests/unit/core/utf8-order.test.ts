import { describe, expect, it } from 'vitest';
import { compareUtf8 } from '../../../src/core/utf8-order.js';

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('compareUtf8', () => {
  it.each([
    ['a', 'b'],
    ['B', 'a'],
    ['a', 'a/b'],
    ['a-b', 'a/b'],
    ['z', 'é'],
    ['\uFF5E', '\u{1F600}'],
    ['\u{1F600}a', '\u{1F600}b'],
    ['ab', 'a'],
  ])('orders %j and %j as their UTF-8 bytes do', (a, b) => {
    expect(Math.sign(compareUtf8(a, b))).toBe(Math.sign(byBytes(a, b)));
    expect(Math.sign(compareUtf8(b, a))).toBe(Math.sign(byBytes(b, a)));
  });

  it('sorts a mixed list exactly as a byte sort does, whatever the locale', () => {
    const names = ['ch', 'c', 'h', 'Č', 'é', 'e', '\u{1F600}', '\uFF5E', 'Z', 'a/b', 'a-b', 'a.b'];
    const expected = [...names].sort(byBytes);
    expect([...names].sort(compareUtf8)).toEqual(expected);
    expect([...names].sort((a, b) => a.localeCompare(b, 'sk'))).not.toEqual(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { compareDotted, dottedParts } from '../../../src/core/dotted-version.js';

describe('compareDotted', () => {
  it('orders CUDA versions numerically, not as text', () => {
    expect(compareDotted('12.10', '12.9')).toBe(1);
    expect(compareDotted('12.2', '13.0')).toBe(-1);
    expect(compareDotted('13.0', '13')).toBe(0);
    expect(compareDotted('N/A', '13')).toBeNull();
  });
});

describe('dottedParts', () => {
  it('reads the leading numbers of a kernel release and a v-prefixed version', () => {
    expect(dottedParts('6.8.0-1020-aws')).toEqual([6, 8, 0]);
    expect(dottedParts('v12.4')).toEqual([12, 4]);
    expect(dottedParts('2.28')).toEqual([2, 28]);
    expect(dottedParts('unknown')).toBeNull();
  });
});

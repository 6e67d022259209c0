// Comparable or not, before any output is compared (issue 28, finding 1): same entry point, same
// parameters, seeds excepted.
import { describe, expect, it } from 'vitest';
import { comparability, describeIncomparability } from '../../../src/run-record/comparable.js';
import type { ParameterSpec } from '../../../src/project/types.js';

const declared: ParameterSpec[] = [
  { name: 'steps', type: 'int', default: '1', required: false },
  { name: 'seed', type: 'int', default: '0', required: false, role: 'seed' },
];
const ref = { entry: 'main', parameters: { steps: '1', seed: '0' } };

describe('comparability', () => {
  it('the same entry point and parameters: comparable', () => {
    expect(comparability(ref, { entry: 'main', parameters: { seed: '0', steps: '1' } }, declared)).toEqual({ comparable: true, differences: [], seeds: [] });
  });

  it('finding 1: -P steps=2 against a steps=1 reference is not comparable, naming the parameter', () => {
    const c = comparability(ref, { entry: 'main', parameters: { steps: '2', seed: '0' } }, declared);
    expect(c.comparable).toBe(false);
    expect(c.differences.map(describeIncomparability)).toEqual(['parameter steps 2 vs 1']);
  });

  it('finding 1: another entry point (prepare against main) is not comparable', () => {
    const c = comparability(ref, { entry: 'prepare', parameters: {} }, declared);
    expect(c.differences.map(describeIncomparability)).toEqual(['entry point prepare vs main']);
  });

  it('a seed parameter (role: seed) may differ: still comparable, and named', () => {
    const c = comparability(ref, { entry: 'main', parameters: { steps: '1', seed: '7' } }, declared);
    expect(c).toEqual({ comparable: true, differences: [], seeds: [{ what: 'parameter', name: 'seed', reference: '0', rerun: '7' }] });
  });

  it('a parameter named seed but not declared role: seed is a parameter like any other', () => {
    const c = comparability(ref, { entry: 'main', parameters: { steps: '1', seed: '7' } }, declared.map((p) => ({ ...p, role: undefined })));
    expect(c.comparable).toBe(false);
  });

  it('a parameter given on one side only, and values with spaces, are shown unambiguously', () => {
    const c = comparability({ entry: 'main', parameters: { a: 'x y' } }, { entry: 'main', parameters: { b: '1' } }, []);
    expect(c.differences.map(describeIncomparability)).toEqual(['parameter a (not given) vs "x y"', 'parameter b 1 vs (not given)']);
  });

  it('redacted values (credentials) compare as equal: neither record holds them', () => {
    expect(comparability({ entry: 'main', parameters: { token: '[redacted]' } }, { entry: 'main', parameters: { token: '[redacted]' } }, []).comparable).toBe(true);
  });
});

// Sweep grids: ranges, lists, the cartesian product's order, and the limits.
import { describe, expect, it } from 'vitest';
import { MAX_POINTS, parseSweep, sweepPoints } from '../../../src/exec/sweep.js';

describe('parseSweep', () => {
  it('integer ranges (inclusive, either direction) and lists', () => {
    expect(parseSweep('seed=0..3')).toEqual({ name: 'seed', values: ['0', '1', '2', '3'] });
    expect(parseSweep('k=2..-1')).toEqual({ name: 'k', values: ['2', '1', '0', '-1'] });
    expect(parseSweep('lr=1e-3,1e-2')).toEqual({ name: 'lr', values: ['1e-3', '1e-2'] });
    expect(parseSweep('mode=a=b')).toEqual({ name: 'mode', values: ['a=b'] });
  });

  it('refuses what cannot be a sweep, with a usage error', () => {
    for (const bad of ['seed', '=1,2', 'lr=1,,2', 'lr=', `n=0..${MAX_POINTS}`]) expect(() => parseSweep(bad), bad).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});

describe('sweepPoints', () => {
  it('is the cartesian product, the first axis varying slowest', () => {
    expect(sweepPoints([parseSweep('a=0..1'), parseSweep('b=x,y,z')])).toEqual([
      [['a', '0'], ['b', 'x']], [['a', '0'], ['b', 'y']], [['a', '0'], ['b', 'z']],
      [['a', '1'], ['b', 'x']], [['a', '1'], ['b', 'y']], [['a', '1'], ['b', 'z']],
    ]);
  });

  it('refuses an axis given twice and a grid past the limit', () => {
    expect(() => sweepPoints([parseSweep('a=1,2'), parseSweep('a=3')])).toThrow(/given twice/);
    expect(() => sweepPoints([parseSweep('a=1..1000'), parseSweep('b=1..1000')])).toThrow(/at most/);
  });
});

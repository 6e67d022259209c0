// "Did you mean …?": the distance and the nearest declared name, as a table.
import { describe, expect, it } from 'vitest';
import { editDistance, nearestName } from '../../../src/core/nearest.js';

describe('editDistance (optimal string alignment)', () => {
  it.each([
    ['alpha', 'alpha', 0],
    ['alhpa', 'alpha', 1], // one swap of neighbours
    ['alph', 'alpha', 1],
    ['alphaa', 'alpha', 1],
    ['beta', 'alpha', 4],
    ['', 'abc', 3],
  ])('%s vs %s: %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('nearestName', () => {
  it.each([
    ['alhpa', ['alpha', 'l1_ratio'], 'alpha'],
    ['l1ratio', ['alpha', 'l1_ratio'], 'l1_ratio'],
    ['SEED', ['seed', 'steps'], 'seed'],
    ['stesp', ['seed', 'steps'], 'steps'],
    ['learning_rate', ['alpha', 'l1_ratio'], null],
    ['x', ['y'], 'y'], // one letter: a distance of 1 is allowed
    ['zz', [], null],
  ] as const)('%s among %j: %s', (name, candidates, expected) => {
    expect(nearestName(name, candidates)).toBe(expected);
  });
});

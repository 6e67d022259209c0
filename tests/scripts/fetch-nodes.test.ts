// The Node release matrix the determinism tests build under (scripts/fetch-nodes.mjs).
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, without type declarations
import { resolveMatrix } from '../../scripts/fetch-nodes.mjs';

const published = ['20.19.0', '22.14.0', '22.15.0', '22.15.1', '22.23.5', '23.11.1', '24.0.0', '24.22.3', '25.9.0', '26.0.0-rc.1', '26.12.1', '27.0.0'];

describe('resolveMatrix', () => {
  it('takes the oldest release engines allows and the newest of each even major line', () => {
    expect(resolveMatrix(published, '>=22.15')).toEqual([
      { version: '22.15.0', role: 'engines minimum (>=22.15)' },
      { version: '22.23.5', role: 'newest 22.x' },
      { version: '24.22.3', role: 'newest 24.x' },
      { version: '26.12.1', role: 'newest 26.x' },
    ]);
  });

  it('follows a new major line the day it is published, and skips prereleases', () => {
    const later = [...published, '28.0.0', '28.1.0', '28.2.0-nightly'];
    expect(resolveMatrix(later, '>=22.15').at(-1)).toEqual({ version: '28.1.0', role: 'newest 28.x' });
  });

  it('refuses an engines range that no release satisfies', () => {
    expect(() => resolveMatrix(published, '>=99')).toThrow(/no published Node release satisfies engines >=99/);
  });
});

import { describe, expect, it } from 'vitest';
import { parseLimits } from '../../../src/cli/parse.js';
import { DEFAULT_LIMITS } from '../../../src/bundle/limits.js';

describe('parseLimits', () => {
  it('defaults when no flag is given, and takes whole numbers', () => {
    expect(parseLimits({})).toEqual(DEFAULT_LIMITS);
    expect(parseLimits({ maxEntries: '10', maxBytes: '67108864' })).toEqual({ maxEntries: 10, maxTotalBytes: 67108864 });
  });

  it.each(['abc', '-1', '0', '1.5', '1e9', '', ' 5', '99999999999999999999'])('refuses %j as a usage error (never "no limit")', (value) => {
    expect(() => parseLimits({ maxBytes: value })).toThrow(expect.objectContaining({ code: 'E_USAGE', details: { flag: '--max-bytes', value } }));
    expect(() => parseLimits({ maxEntries: value })).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});

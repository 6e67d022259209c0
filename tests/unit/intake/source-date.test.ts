import { describe, expect, it } from 'vitest';
import { DEFAULT_SOURCE_DATE_EPOCH, parseSourceDateEpoch } from '../../../src/intake/source-date.js';
import { ReproError } from '../../../src/core/errors.js';

describe('parseSourceDateEpoch', () => {
  it('uses the documented default when unset or empty', () => {
    expect(parseSourceDateEpoch(undefined)).toBe(DEFAULT_SOURCE_DATE_EPOCH);
    expect(parseSourceDateEpoch('')).toBe(946684800);
  });

  it.each([['0', 0], ['1700000000', 1700000000], [' 42 ', 42]])('accepts %j', (raw, value) => {
    expect(parseSourceDateEpoch(raw)).toBe(value);
  });

  it.each(['abc', '-1', '1.5', '1e9', '0x10', '12abc'])('rejects %j with E_SOURCE_DATE_EPOCH and a hint', (raw) => {
    let caught: unknown;
    try {
      parseSourceDateEpoch(raw);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ReproError);
    const e = caught as ReproError;
    expect(e.code).toBe('E_SOURCE_DATE_EPOCH');
    expect(e.exitCode).toBe(3);
    expect(e.hint).toMatch(/seconds/);
    expect(e.details.value).toBe(raw);
  });

  it('rejects a value beyond what a tar header holds, naming the range', () => {
    expect(() => parseSourceDateEpoch(String(2 ** 40))).toThrow(expect.objectContaining({ code: 'E_SOURCE_DATE_EPOCH', hint: expect.stringContaining('8589934591') }));
  });
});

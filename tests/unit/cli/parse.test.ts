import { describe, expect, it } from 'vitest';
import { parseLimits, parseMs, parsePositiveInt, refuseWithout } from '../../../src/cli/parse.js';
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

describe('parsePositiveInt: the one whole-number rule of every flag', () => {
  it.each([
    ['--max-parallel', '4', 4],
    ['--probe-timeout (milliseconds)', '10000', 10000],
  ])('%s %s', (flag, value, want) => {
    expect(parsePositiveInt(flag, value, 1)).toBe(want);
  });

  it.each(['0', '-3', '2.5', '1e4', 'ten', '', ' 4'])('refuses %j with the flag named and an example', (value) => {
    expect(() => parsePositiveInt('--max-parallel', value, 4)).toThrow(expect.objectContaining({ code: 'E_USAGE', message: `--max-parallel must be a positive whole number, not ${JSON.stringify(value)}`, hint: 'e.g. --max-parallel 4' }));
  });

  it('parseMs is the same rule', () => {
    expect(() => parseMs('--probe-timeout', '0')).toThrow(expect.objectContaining({ code: 'E_USAGE', details: { flag: '--probe-timeout (milliseconds)', value: '0' } }));
  });
});

describe('refuseWithout: the one refusal of a flag given without the one it needs', () => {
  it('names every given flag in kebab case, once, with why and a hint', () => {
    expect(() => refuseWithout({ fulcioUrl: 'x', rekorUrl: undefined, identityToken: 't' }, ['fulcioUrl', 'rekorUrl', 'identityToken'], '--keyless')).toThrow(
      expect.objectContaining({ code: 'E_USAGE', message: '--fulcio-url, --identity-token only mean something with --keyless', hint: 'Add --keyless, or drop them.', details: { flags: ['--fulcio-url', '--identity-token'], needs: '--keyless' } }),
    );
    expect(() => refuseWithout({ attest: true }, ['attest'], '--verify', { why: 'it records the rebuild' })).toThrow(expect.objectContaining({ message: '--attest only means something with --verify: it records the rebuild', hint: 'Add --verify, or drop it.' }));
  });

  it('flags not given (undefined or false) are not refused', () => {
    expect(() => refuseWithout({ attest: false, key: undefined }, ['attest', 'key'], '--verify')).not.toThrow();
  });
});

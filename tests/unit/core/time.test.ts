// The one time spelling (core/time.ts): RFC 3339 in whole seconds, UTC, whatever TZ says.
import { describe, expect, it } from 'vitest';
import { basicEpochTime, epochTime } from '../../../src/core/time.js';

describe('epochTime', () => {
  it.each([
    [0, '1970-01-01T00:00:00Z', '19700101T000000Z'],
    [946684800, '2000-01-01T00:00:00Z', '20000101T000000Z'],
    [1700000000, '2023-11-14T22:13:20Z', '20231114T221320Z'],
    [0o77777777777, '2242-03-16T12:56:31Z', '22420316T125631Z'],
  ])('%d -> %s', (seconds, rfc3339, basic) => {
    expect(epochTime(seconds)).toBe(rfc3339);
    expect(basicEpochTime(seconds)).toBe(basic);
  });
});

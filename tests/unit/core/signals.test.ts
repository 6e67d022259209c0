// The one signal table (core/signals.ts): the platform's own numbers, as shells report them.
import { describe, expect, it } from 'vitest';
import { signalExitCode, signalNumber } from '../../../src/core/signals.js';

describe('signals', () => {
  it.each([
    ['SIGHUP', 129],
    ['SIGINT', 130],
    ['SIGKILL', 137],
    ['SIGPIPE', 141],
    ['SIGTERM', 143],
  ])('%s ends a process with status %d', (name, status) => {
    expect(signalExitCode(name)).toBe(status);
  });

  it('an unknown name counts as 1, never NaN', () => {
    expect(signalNumber('SIGNOPE')).toBe(1);
  });
});

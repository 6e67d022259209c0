// What a build does with repro.lock, decided by the plan from the flags and the lock it read.
import { describe, expect, it } from 'vitest';
import { lockActionFor } from '../../../src/builder/build.js';

describe('lockActionFor', () => {
  it.each([
    [{}, 'write', 'a build writes the lock (left alone when unchanged; --verify writes it only once the build verified)'],
    [{ locked: true }, 'matched', '--locked never writes'],
    [{ noLock: true }, 'skip', '--no-lock (the verify rebuild) neither reads nor writes'],
  ] as const)('%o: %s (%s)', (options, action) => {
    expect(lockActionFor(options)).toBe(action);
  });
});

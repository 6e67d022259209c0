// What a build does with repro.lock, decided by the plan from the flags and the lock it read.
import { describe, expect, it } from 'vitest';
import { lockActionFor } from '../../../src/builder/build.js';

describe('lockActionFor', () => {
  it.each([
    [{}, null, 'write', 'a first build writes the lock'],
    [{}, 'm1', 'write', 'a build that matches writes it (left alone when unchanged)'],
    [{}, 'm0', 'write', 'a changed project rewrites it'],
    [{ locked: true }, 'm1', 'matched', '--locked never writes'],
    [{ verify: true }, 'm0', 'report', '--verify reports a lock that differs instead of rewriting it'],
    [{ verify: true }, 'm1', 'write', '--verify with a matching lock'],
    [{ verify: true }, null, 'write', '--verify without a lock writes one'],
    [{ noLock: true }, null, 'skip', '--no-lock (the verify rebuild) neither reads nor writes'],
    [{ noLock: true, verify: true }, null, 'skip', '--no-lock wins over --verify'],
  ] as const)('%o with lock %s: %s (%s)', (options, locked, action) => {
    expect(lockActionFor(options, locked, 'm1')).toBe(action);
  });
});

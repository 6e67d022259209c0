import { describe, expect, it } from 'vitest';
import { eachLimited } from '../../../src/core/each-limited.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('eachLimited', () => {
  it('runs every item, never more than width at once', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await eachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await tick(5);
      done.push(n);
      running--;
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('after a failure starts nothing new, waits for what runs, and throws the first failure', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = eachLimited([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('first');
      await tick(20);
      settled++;
      if (n === 2) throw new Error('second');
    });
    await expect(run).rejects.toThrow('first');
    expect(started).toEqual([1, 2]);
    expect(settled).toBe(1);
  });

  it('does nothing for no items', async () => {
    await expect(eachLimited([], 4, async () => {
      throw new Error('never');
    })).resolves.toBeUndefined();
  });
});

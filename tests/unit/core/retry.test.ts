// The one retry loop (core/retry.ts): how many calls, which outcomes are tried again, and that the
// last outcome comes back as it is.
import { describe, expect, it } from 'vitest';
import { withRetries } from '../../../src/core/retry.js';

describe('withRetries', () => {
  it('retries a thrown error the policy names, then returns the value; onRetry says which try is next', async () => {
    const told: number[] = [];
    let calls = 0;
    const v = await withRetries(async (attempt) => {
      calls++;
      if (attempt < 3) throw new Error(`flaky ${attempt}`);
      return 'done';
    }, { attempts: 5, delayMs: () => 1, retryOn: (o) => !o.ok, onRetry: (_o, next) => told.push(next) });
    expect(v).toBe('done');
    expect(calls).toBe(3);
    expect(told).toEqual([2, 3]);
  });

  it('throws the last error itself once the tries are spent', async () => {
    let calls = 0;
    const err = await withRetries(async () => {
      calls++;
      throw new Error(`try ${calls}`);
    }, { attempts: 3, delayMs: () => 1, retryOn: () => true }).catch((e) => e);
    expect(err.message).toBe('try 3');
    expect(calls).toBe(3);
  });

  it('retries a value (a 5xx answer) and returns the last one when the tries are spent', async () => {
    const statuses = [503, 503, 200];
    expect(await withRetries(async (a) => statuses[a - 1]!, { attempts: 6, delayMs: () => 1, retryOn: (o) => o.ok && o.value >= 500 })).toBe(200);
    expect(await withRetries(async () => 500, { attempts: 2, delayMs: () => 1, retryOn: (o) => o.ok && o.value >= 500 })).toBe(500);
  });

  it('an error the policy does not name is thrown at once', async () => {
    let calls = 0;
    await expect(withRetries(async () => {
      calls++;
      throw new TypeError('bug');
    }, { attempts: 5, delayMs: () => 1, retryOn: (o) => !o.ok && !(o.error instanceof TypeError) })).rejects.toThrow('bug');
    expect(calls).toBe(1);
  });
});

// The one retry loop: call, and while the outcome (a value or an error) is one the policy says
// is worth another try and tries are left, wait and call again. The last outcome is returned or
// thrown as it is, so the caller's error keeps its evidence.

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface RetryPolicy<T> {
  /** Calls in all, the first included (at least 1). */
  attempts: number;
  /** How long to wait before try `next` (2, 3, …). */
  delayMs: (next: number) => number;
  /** Whether this outcome deserves another try. */
  retryOn: (outcome: Outcome<T>) => boolean;
  /** Told before each wait: what happened and which try comes next. */
  onRetry?: (outcome: Outcome<T>, next: number) => void;
}

export async function withRetries<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let outcome: Outcome<T>;
    try {
      outcome = { ok: true, value: await fn(attempt) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (attempt >= policy.attempts || !policy.retryOn(outcome)) {
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    }
    policy.onRetry?.(outcome, attempt + 1);
    await new Promise((r) => setTimeout(r, policy.delayMs(attempt + 1)));
  }
}

// A bounded pool of async work: `fn` on every item, at most `width` at once.

/**
 * Runs `fn` on every item, `width` at a time, in order of starting. After a failure no new item
 * starts; the ones running are waited for, then the first failure is thrown (nothing is left
 * running behind a caller that cleans up).
 */
export async function eachLimited<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { err: unknown } | null = null;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length && failed === null) {
      try {
        await fn(items[next++]!);
      } catch (err) {
        failed ??= { err };
      }
    }
  }));
  if (failed) throw (failed as { err: unknown }).err;
}

// The V8 flags repro sets on itself at start-up (process.ts applies them with
// v8.setFlagsFromString, before any command allocates), decided here from the environment and
// node's own command line so the decision can be tested without starting a process. Both bound
// how much memory V8 commits for garbage on long runs (a 100,000-entry build or verify); V8
// reads each flag whenever it next sizes the space, so setting them after start-up takes effect.
// Node.js 22, 24 and 26 know both; an engine that did not would print a warning.

/**
 * The young generation: V8 doubles it each time a scavenge finds much of it alive, up to 32 MB
 * per semi-space; a long build or verify ended up with ~100 MB more committed than a short one,
 * for no gain in speed (bench/scale.mjs, docs/RELIABILITY.md). Kept at its first size, peak
 * memory is flat in the number of entries. REPRO_V8_YOUNG_GROWTH=default leaves it to V8.
 */
export const YOUNG_GROWTH_FLAG = '--semi-space-growth-factor=1';

/**
 * The old generation: when full collections are cheap V8 lets the heap grow to up to 4x what the
 * last one left alive. A 100,000-file build --verify makes ~100 MB of objects that live just
 * long enough to be promoted; the heap reached ~135 MB before a collection found 30 MB alive,
 * and the process peaked at 320-340 MB in half its runs (~235 MB in the others). At most 2x
 * held it at 243-254 MB in every run, no slower (bench/RESULTS.md).
 * REPRO_V8_HEAP_GROWTH=default leaves it to V8.
 */
export const HEAP_GROWTH_FLAG = '--heap-growing-percent=100';

/** A heap-sizing flag the user gave node themselves: theirs wins. */
const USER_HEAP_FLAG = /^--(heap[-_]growing[-_]percent|optimize[-_]for[-_]size)(=|$)/;
const USER_YOUNG_FLAG = /^--(semi[-_]space[-_]growth[-_]factor|(max|min)[-_]semi[-_]space[-_]size)(=|$)/;

export function v8Flags(env: Readonly<Record<string, string | undefined>>, execArgv: readonly string[]): string[] {
  const flags: string[] = [];
  if (env.REPRO_V8_YOUNG_GROWTH !== 'default' && !execArgv.some((a) => USER_YOUNG_FLAG.test(a))) flags.push(YOUNG_GROWTH_FLAG);
  if (env.REPRO_V8_HEAP_GROWTH !== 'default' && !execArgv.some((a) => USER_HEAP_FLAG.test(a))) flags.push(HEAP_GROWTH_FLAG);
  return flags;
}

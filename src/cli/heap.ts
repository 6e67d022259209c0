// How fast V8 lets the JavaScript heap grow, for the commands that stream a project (build,
// verify). By default V8 lets the heap grow by up to 4x its live size before the next full
// collection when collections are cheap; a 100,000-file build --verify made ~100 MB of
// short-lived objects that lived just long enough to be promoted, and the heap reached ~135 MB
// before a collection found 30 MB alive: the process peaked at 320-340 MB in about half of its
// runs (the 300 MB target) and at ~235 MB in the others. A fixed factor of 2 keeps it at
// 244-251 MB in every run, no slower (bench/RESULTS.md has the figures). V8 reads the flag at
// each collection, so setting it once at start-up is enough; a user's own setting (in
// NODE_OPTIONS or on node's command line) wins.

import v8 from 'node:v8';

/** --heap-growing-percent: the heap may grow to (1 + this/100) times what a full collection left. */
export const HEAP_GROWING_PERCENT = 100;
const STREAMING_COMMANDS = new Set(['build', 'verify']);
const HEAP_FLAGS = /--(heap[-_]growing[-_]percent|optimize[-_]for[-_]size)\b/;

/** The V8 flag to set for this run, or null. Pure: decided from argv, node's own flags and NODE_OPTIONS. */
export function heapFlag(argv: readonly string[], execArgv: readonly string[], nodeOptions: string | undefined): string | null {
  const command = argv.slice(2).find((a) => !a.startsWith('-'));
  if (command === undefined || !STREAMING_COMMANDS.has(command)) return null;
  if (execArgv.some((a) => HEAP_FLAGS.test(a)) || HEAP_FLAGS.test(nodeOptions ?? '')) return null;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

export function tuneHeap(): void {
  const flag = heapFlag(process.argv, process.execArgv, process.env.NODE_OPTIONS);
  if (flag) v8.setFlagsFromString(flag);
}

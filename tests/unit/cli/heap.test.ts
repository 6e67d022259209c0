import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapFlag } from '../../../src/cli/heap.js';

const argv = (...args: string[]) => ['/usr/bin/node', '/x/dist/cli/bin.js', ...args];

describe('heapFlag', () => {
  it('caps the heap growth of the streaming commands', () => {
    expect(heapFlag(argv('build', '.', '--verify'), [], undefined)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapFlag(argv('--no-progress', 'verify', 'b.repro.tar.zst'), [], '')).toBe('--heap-growing-percent=100');
  });

  it('leaves every other command, and no command, as V8 has it', () => {
    for (const a of [argv('snapshot'), argv('exec', 'b'), argv('diff', 'a', 'b'), argv(), argv('--version')]) expect(heapFlag(a, [], undefined)).toBeNull();
  });

  it("lets the user's own heap flags win, on node's command line or in NODE_OPTIONS", () => {
    expect(heapFlag(argv('build'), ['--heap-growing-percent=50'], undefined)).toBeNull();
    expect(heapFlag(argv('build'), ['--optimize-for-size'], undefined)).toBeNull();
    expect(heapFlag(argv('build'), [], '--max-old-space-size=512 --heap_growing_percent=30')).toBeNull();
    expect(heapFlag(argv('build'), ['--max-old-space-size=512'], '--max-old-space-size=512')).not.toBeNull();
  });
});

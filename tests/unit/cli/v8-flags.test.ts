import { describe, expect, it } from 'vitest';
import { HEAP_GROWTH_FLAG, v8Flags, YOUNG_GROWTH_FLAG } from '../../../src/cli/v8-flags.js';

describe('v8Flags', () => {
  it('bounds the young generation and the heap growth by default', () => {
    expect(v8Flags({}, [])).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=100']);
  });

  it('leaves each to V8 when its variable says default', () => {
    expect(v8Flags({ REPRO_V8_YOUNG_GROWTH: 'default' }, [])).toEqual([HEAP_GROWTH_FLAG]);
    expect(v8Flags({ REPRO_V8_HEAP_GROWTH: 'default' }, [])).toEqual([YOUNG_GROWTH_FLAG]);
    expect(v8Flags({ REPRO_V8_YOUNG_GROWTH: 'default', REPRO_V8_HEAP_GROWTH: 'default' }, [])).toEqual([]);
    expect(v8Flags({ REPRO_V8_HEAP_GROWTH: 'yes' }, [])).toContain(HEAP_GROWTH_FLAG); // only "default" turns it off
  });

  it("lets the user's own flags on node's command line win", () => {
    expect(v8Flags({}, ['--heap-growing-percent=50'])).toEqual([YOUNG_GROWTH_FLAG]);
    expect(v8Flags({}, ['--optimize_for_size'])).toEqual([YOUNG_GROWTH_FLAG]);
    expect(v8Flags({}, ['--max-semi-space-size=64'])).toEqual([HEAP_GROWTH_FLAG]);
    expect(v8Flags({}, ['--max-old-space-size=512', '--enable-source-maps'])).toEqual([YOUNG_GROWTH_FLAG, HEAP_GROWTH_FLAG]);
  });
});

// The terminal progress bar (src/cli/progress.ts), drawn into a fake terminal: bytes by default,
// plain counts for work counted in items (wheels, packages).
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { terminalProgress } from '../../../src/cli/progress.js';

function fakeTerminal() {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, rows: 40, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe('terminalProgress', () => {
  afterEach(() => vi.useRealTimers());

  it('shows nothing for work done within a second', () => {
    vi.useFakeTimers();
    const t = fakeTerminal();
    const p = terminalProgress(t.stream);
    p.start('fetching', 10 << 20);
    p.tick(10 << 20);
    p.stop();
    vi.advanceTimersByTime(5000);
    expect(t.text()).toBe('');
  });

  it('counts bytes unless told otherwise, and items as plain numbers', () => {
    vi.useFakeTimers();
    const bytes = fakeTerminal();
    const b = terminalProgress(bytes.stream);
    b.start('fetching', 4 << 20);
    vi.advanceTimersByTime(1001);
    b.tick(1 << 20);
    b.stop();
    expect(bytes.text()).toMatch(/fetching .*25% \| 1(\.0)? MiB\/4(\.0)? MiB/);
    const items = fakeTerminal();
    const i = terminalProgress(items.stream);
    i.start('fetching 48 wheels', 48, 'items');
    vi.advanceTimersByTime(1001);
    i.tick(12);
    i.stop();
    expect(items.text()).toMatch(/fetching 48 wheels .*25% \| 12\/48/);
    expect(items.text()).not.toMatch(/\bB\b/);
  });
});

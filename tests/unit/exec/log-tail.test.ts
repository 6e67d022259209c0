// run.json keeps the last 64 KiB the entry point wrote (issue 28, finding 10).
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LogTail } from '../../../src/exec/log-tail.js';

describe('LogTail', () => {
  it('keeps everything under the limit, and says nothing was left out', () => {
    const t = new LogTail(16);
    t.add(Buffer.from('hello\n'));
    t.add(Buffer.from('world\n'));
    expect(t.result()).toEqual({ tail: 'hello\nworld\n', bytes: 12, truncated: false });
  });

  it('keeps only the last bytes past the limit, and never half a character', () => {
    const t = new LogTail(5);
    t.add(Buffer.from('abcdef'));
    t.add(Buffer.from('gh€')); // € is 3 bytes: the last 5 bytes are exactly 'gh€'
    const r = t.result();
    expect(r.bytes).toBe(11);
    expect(r.truncated).toBe(true);
    expect(r.tail).toBe('gh€');
    const cut = new LogTail(4);
    cut.add(Buffer.from('a€bc')); // the last 4 bytes begin inside €: its two continuation bytes are dropped
    expect(cut.result().tail).toBe('bc');
  });

  it('the tee writes every byte through to the real stream', async () => {
    const t = new LogTail(8);
    const sink = new PassThrough();
    const got: Buffer[] = [];
    sink.on('data', (d: Buffer) => got.push(d));
    const tee = t.tee(sink);
    await new Promise<void>((resolve) => tee.write(Buffer.from('0123456789'), () => resolve()));
    expect(Buffer.concat(got).toString()).toBe('0123456789');
    expect(t.result()).toEqual({ tail: '23456789', bytes: 10, truncated: true });
  });
});

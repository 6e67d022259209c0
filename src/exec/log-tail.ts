// The last bytes an entry point wrote, kept for its run record (run.json's log): the user's
// terminal still gets every byte as it comes; this keeps a bounded tail of stdout and stderr
// interleaved as they arrived, so a failed rerun on a cluster or in CI says why afterwards.
import { Writable } from 'node:stream';

/** How much of the entry point's output run.json keeps. */
export const LOG_TAIL_BYTES = 64 << 10;

export class LogTail {
  private chunks: Buffer[] = [];
  private held = 0;
  private total = 0;

  constructor(private readonly limit = LOG_TAIL_BYTES) {}

  add(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.held += chunk.length;
    while (this.held - this.chunks[0]!.length >= this.limit) this.held -= this.chunks.shift()!.length;
  }

  /** The tail as text (a character cut at the start is dropped), its total size, and whether bytes were left out. */
  result(): { tail: string; bytes: number; truncated: boolean } {
    let all = Buffer.concat(this.chunks);
    if (all.length > this.limit) all = all.subarray(all.length - this.limit);
    let start = 0;
    while (start < all.length && start < 4 && (all[start]! & 0xc0) === 0x80) start++;
    return { tail: all.subarray(start).toString('utf8'), bytes: this.total, truncated: this.total > all.length - start };
  }

  /** A stream that writes through to `target` and keeps the tail. */
  tee(target: NodeJS.WritableStream): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, done) => {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        this.add(bytes);
        if (target.write(bytes)) done();
        else target.once('drain', () => done());
      },
    });
  }
}

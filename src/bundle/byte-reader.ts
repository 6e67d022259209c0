// Pull-style reading of an async byte stream: exact-length reads for headers and a
// pass-through for content, so tar parsing never holds more than one slice in memory.

export class ByteReader {
  readonly #source: AsyncIterator<Buffer>;
  #queue: Buffer[] = [];
  #queued = 0;
  #done = false;
  /** Bytes handed out so far: the offset of the next byte. */
  offset = 0;

  constructor(source: AsyncIterable<Buffer>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  async #fill(n: number): Promise<void> {
    while (this.#queued < n && !this.#done) {
      const next = await this.#source.next();
      if (next.done) {
        this.#done = true;
        break;
      }
      if (next.value.length === 0) continue;
      this.#queue.push(next.value);
      this.#queued += next.value.length;
    }
  }

  /** Up to `n` bytes; fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    await this.#fill(n);
    const take = Math.min(n, this.#queued);
    const out = Buffer.allocUnsafe(take);
    let copied = 0;
    while (copied < take) {
      const head = this.#queue[0]!;
      const part = Math.min(head.length, take - copied);
      head.copy(out, copied, 0, part);
      copied += part;
      if (part === head.length) this.#queue.shift();
      else this.#queue[0] = head.subarray(part);
    }
    this.#queued -= take;
    this.offset += take;
    return out;
  }

  /** Passes exactly `n` bytes to `sink` in slices; returns how many were available. */
  async pass(n: number, sink: (slice: Buffer) => void): Promise<number> {
    let left = n;
    while (left > 0) {
      if (this.#queued === 0) await this.#fill(1);
      if (this.#queued === 0) break;
      const head = this.#queue[0]!;
      const part = Math.min(head.length, left);
      sink(part === head.length ? head : head.subarray(0, part));
      if (part === head.length) this.#queue.shift();
      else this.#queue[0] = head.subarray(part);
      this.#queued -= part;
      this.offset += part;
      left -= part;
    }
    return n - left;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    await this.#fill(1);
    return this.#queued === 0;
  }
}

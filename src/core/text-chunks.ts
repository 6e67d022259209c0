// Text written into 1 MiB buffers as it comes, for documents too large to build as one string
// (a 100,000-entry manifest or hash cache): no string or list of parts grows with the document.
const CHUNK = 1 << 20;

export class TextChunks {
  readonly #done: Buffer[] = [];
  #chunk = Buffer.allocUnsafe(CHUNK);
  #used = 0;

  put(text: string): void {
    const length = Buffer.byteLength(text);
    if (this.#used + length > this.#chunk.length) {
      if (this.#used > 0) this.#done.push(this.#chunk.subarray(0, this.#used));
      this.#chunk = Buffer.allocUnsafe(Math.max(CHUNK, length));
      this.#used = 0;
    }
    this.#used += this.#chunk.write(text, this.#used);
  }

  /** The buffers filled so far (not the one being written into), for writers that stream. */
  full(): Buffer[] {
    return this.#done.splice(0);
  }

  /** The buffers written so far; the writer starts over empty. */
  take(): Buffer[] {
    if (this.#used > 0) this.#done.push(this.#chunk.subarray(0, this.#used));
    const out = this.#done.splice(0);
    this.#chunk = Buffer.allocUnsafe(CHUNK);
    this.#used = 0;
    return out;
  }
}

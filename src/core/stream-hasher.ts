// Hashes a byte stream on a worker thread, so digests of one stream (a bundle file's sha256
// and sha512, say) are computed in parallel with the main thread's own work. Chunks are copied
// into a 4 MiB shared ring that the worker reads in place: no per-chunk allocation on either
// side, so memory stays flat however long the stream. update() waits while the ring is full.
import { Worker } from 'node:worker_threads';
import type { StreamHashSetup } from './stream-hash-worker.js';
import { siblingWorker } from './worker-url.js';

const RING_BYTES = 4 << 20;
const MAX_PIECE = RING_BYTES / 4;

interface Region {
  start: number;
  length: number;
}

export interface StreamHasherOptions {
  /**
   * Also a CRC-32 (zlib's) of the stream's first N bytes, N read when the first chunk arrives:
   * the bundle trailer's self-check, computed beside the digests instead of on the caller's
   * thread. Its result is the digest named 'crc32' (4 bytes, big-endian).
   */
  crc32Bytes?: () => number;
}

export class StreamHasher {
  readonly #algorithms: readonly string[];
  readonly #crc32Bytes: (() => number) | undefined;
  #worker: Worker | undefined;
  #ring: Buffer | undefined;
  #head = 0;
  readonly #inFlight: Region[] = [];
  #onAck: (() => void) | undefined;
  #onResult: ((digests: Uint8Array[]) => void) | undefined;
  #done: Promise<Record<string, Buffer>> | undefined;
  #failure: Error | undefined;

  constructor(algorithms: readonly string[], options: StreamHasherOptions = {}) {
    this.#algorithms = algorithms;
    this.#crc32Bytes = options.crc32Bytes;
  }

  /** The worker starts with the first chunk, so a hasher that is never fed costs nothing. */
  #start(): Worker {
    if (this.#worker) return this.#worker;
    const shared = new SharedArrayBuffer(RING_BYTES);
    this.#ring = Buffer.from(shared);
    const workerData: StreamHashSetup = { algorithms: [...this.#algorithms], ring: shared, ...(this.#crc32Bytes ? { crc32Bytes: this.#crc32Bytes() } : {}) };
    const worker = new Worker(siblingWorker(import.meta.url, 'stream-hash-worker'), { workerData });
    this.#worker = worker;
    worker.on('message', (msg: number | Uint8Array[]) => {
      if (typeof msg === 'number') {
        this.#inFlight.shift();
        const wake = this.#onAck;
        this.#onAck = undefined;
        wake?.();
      } else {
        this.#onResult?.(msg);
      }
    });
    worker.on('error', (err) => {
      this.#failure = err;
      this.#onAck?.();
    });
    return worker;
  }

  /** Where a piece of `length` bytes fits now, or null when the ring is too full. */
  #place(length: number): number | null {
    if (this.#inFlight.length === 0) return 0;
    const tail = this.#inFlight[0]!.start;
    if (this.#head >= tail) {
      if (RING_BYTES - this.#head >= length) return this.#head;
      return tail > length ? 0 : null;
    }
    return tail - this.#head > length ? this.#head : null;
  }

  /** Queues a chunk; the returned promise (only when the ring was full) settles once queued. */
  update(chunk: Buffer): Promise<void> | undefined {
    const worker = this.#start();
    for (let offset = 0; offset < chunk.length; offset += MAX_PIECE) {
      const piece = chunk.subarray(offset, Math.min(chunk.length, offset + MAX_PIECE));
      const start = this.#place(piece.length);
      if (start === null) return this.#updateLater(chunk.subarray(offset));
      piece.copy(this.#ring!, start);
      this.#head = start + piece.length;
      this.#inFlight.push({ start, length: piece.length });
      worker.postMessage({ start, length: piece.length });
    }
    return undefined;
  }

  async #updateLater(rest: Buffer): Promise<void> {
    while (rest.length > 0) {
      await new Promise<void>((resolve) => (this.#onAck = resolve));
      if (this.#failure) throw this.#failure;
      const piece = rest.subarray(0, MAX_PIECE);
      if (this.#place(piece.length) === null) continue;
      const wait = this.update(piece);
      if (wait) await wait;
      rest = rest.subarray(piece.length);
    }
  }

  digest(): Promise<Record<string, Buffer>> {
    this.#done ??= new Promise((resolve, reject) => {
      const worker = this.#start();
      this.#onResult = (digests: Uint8Array[]) => {
        const out: Record<string, Buffer> = {};
        this.#algorithms.forEach((a, i) => (out[a] = Buffer.from(digests[i]!)));
        if (this.#crc32Bytes) out.crc32 = Buffer.from(digests[this.#algorithms.length]!);
        void worker.terminate();
        resolve(out);
      };
      worker.once('error', reject);
      worker.postMessage('end');
    });
    return this.#done;
  }

  /** Stops the worker (after a failure, or when done); safe to call at any time. */
  abort(): void {
    void this.#worker?.terminate();
  }
}

/** An ssri integrity string from a raw sha512 digest. */
export function sha512Integrity(digest: Buffer): string {
  return `sha512-${digest.toString('base64')}`;
}

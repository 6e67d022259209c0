// Hashes a byte stream on a worker thread, so digests of one stream (a bundle file's sha256
// and sha512, say) are computed in parallel with the main thread's own work. Chunks are
// copied to the worker in order; update() waits while more than 8 MiB are queued, so memory
// stays flat; digest() resolves once every chunk has been hashed.
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const hashes = workerData.algorithms.map((a) => crypto.createHash(a));
parentPort.on('message', (msg) => {
  if (msg === 'end') {
    parentPort.postMessage(hashes.map((h) => h.digest()));
    return;
  }
  const buf = Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  for (const h of hashes) h.update(buf);
  parentPort.postMessage(buf.length);
});
`;

export class StreamHasher {
  #worker: Worker | undefined;
  readonly #algorithms: readonly string[];
  #done: Promise<Record<string, Buffer>> | undefined;
  #queued = 0;
  #waiting: (() => void) | undefined;
  #onResult: ((digests: Uint8Array[]) => void) | undefined;

  static readonly MAX_QUEUED = 8 << 20;

  constructor(algorithms: readonly string[]) {
    this.#algorithms = algorithms;
  }

  /** The worker starts with the first chunk, so a hasher that is never fed costs nothing. */
  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { algorithms: this.#algorithms } });
    this.#worker = worker;
    worker.on('message', (msg: number | Uint8Array[]) => {
      if (typeof msg === 'number') {
        this.#queued -= msg;
        if (this.#queued <= StreamHasher.MAX_QUEUED / 2 && this.#waiting) {
          const resume = this.#waiting;
          this.#waiting = undefined;
          resume();
        }
      } else {
        this.#onResult?.(msg);
      }
    });
    return worker;
  }

  /** Queues a chunk; the returned promise settles when there is room for more. */
  update(chunk: Buffer): Promise<void> | undefined {
    this.#queued += chunk.length;
    // Copy just the chunk's bytes into a fresh buffer and hand that over (no second copy).
    const copy = new Uint8Array(chunk);
    this.#start().postMessage(copy, [copy.buffer]);
    if (this.#queued <= StreamHasher.MAX_QUEUED) return undefined;
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  digest(): Promise<Record<string, Buffer>> {
    this.#done ??= new Promise((resolve, reject) => {
      const worker = this.#start();
      this.#onResult = (digests: Uint8Array[]) => {
        const out: Record<string, Buffer> = {};
        this.#algorithms.forEach((a, i) => (out[a] = Buffer.from(digests[i]!)));
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

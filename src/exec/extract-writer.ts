// Where extraction's file-system work happens. The first entries are written in place, as they
// come (a small bundle never starts a thread); past that, the operations (folders, links, files
// opened with O_EXCL, their bytes, closes) go in order, in batches, to a worker thread
// (extract-worker.ts), so the main thread verifies the next entries while the file system takes
// its ~10-500 us per file creation. Bytes are copied into each batch (the reader reuses its
// slices); at most MAX_IN_FLIGHT bytes wait for the worker, beyond that the main thread waits
// (Atomics.wait on a shared counter: the sinks are synchronous). The first failure (no space, a
// path that exists) is reported by finish() with the path it happened at, as an in-place write
// would have been.
import { closeSync, mkdirSync, openSync, symlinkSync, writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { siblingWorker } from '../core/worker-url.js';
import type { ExtractBatch, ExtractFailure, ExtractOp, ExtractWorkerSetup } from './extract-worker.js';

/** Entries written in place before the worker starts (a thread costs ~30 ms to start). */
export const DIRECT_ENTRIES = 512;
const BATCH_BYTES = 256 << 10;
const BATCH_OPS = 256;
const MAX_IN_FLIGHT = 2 << 20;
/** What an operation without bytes counts for, in flight. */
const OP_WEIGHT = 64;

export interface FileSink {
  write(slice: Buffer): void;
  end(): void;
}

/** How a file-system failure at a path is reported (extraction: E_IO naming it). */
export type WriteFailure = (path: string, err: NodeJS.ErrnoException) => Error;

export class ExtractWriter {
  readonly #direct: number;
  readonly #failure: WriteFailure;
  #entries = 0;
  #worker: Worker | undefined;
  #counters: Int32Array | undefined;
  #done: Promise<ExtractFailure | null> | undefined;
  #ops: ExtractOp[] = [];
  #chunks: Buffer[] = [];
  #size = 0;
  #nextId = 0;

  constructor(failure: WriteFailure, direct = DIRECT_ENTRIES) {
    this.#failure = failure;
    this.#direct = direct;
  }

  #fail(path: string, err: unknown): never {
    throw this.#failure(path, err as NodeJS.ErrnoException);
  }

  #inPlace(): boolean {
    return this.#worker === undefined && this.#entries++ < this.#direct;
  }

  dir(path: string, mode: number): void {
    this.#either(path, () => mkdirSync(path, { mode }), { op: 'dir', path, mode });
  }

  link(target: string, path: string): void {
    this.#either(path, () => symlinkSync(target, path), { op: 'link', path, target });
  }

  /** An operation without bytes: done here while in place, else queued for the worker. */
  #either(path: string, here: () => void, op: ExtractOp): void {
    if (!this.#inPlace()) return this.#push(op);
    try {
      here();
    } catch (err) {
      this.#fail(path, err);
    }
  }

  file(path: string, mode: number): FileSink {
    if (this.#inPlace()) {
      let fd: number;
      try {
        fd = openSync(path, 'wx', mode);
      } catch (err) {
        this.#fail(path, err);
      }
      return {
        write: (slice) => {
          try {
            for (let done = 0; done < slice.length; ) done += writeSync(fd, slice, done);
          } catch (err) {
            closeSync(fd);
            this.#fail(path, err);
          }
        },
        end: () => {
          try {
            closeSync(fd);
          } catch (err) {
            this.#fail(path, err);
          }
        },
      };
    }
    const id = this.#nextId++;
    this.#push({ op: 'open', id, path, mode });
    return {
      write: (slice) => {
        if (slice.length >= BATCH_BYTES) {
          this.#flush();
          const copy = Buffer.allocUnsafeSlow(slice.length);
          slice.copy(copy);
          this.#post([{ op: 'write', id, at: 0, length: slice.length }], copy, slice.length);
          return;
        }
        this.#chunks.push(Buffer.from(slice)); // copied: the reader reuses its slices
        this.#ops.push({ op: 'write', id, at: this.#size, length: slice.length });
        this.#size += slice.length;
        if (this.#size >= BATCH_BYTES) this.#flush();
      },
      end: () => this.#push({ op: 'close', id }),
    };
  }

  #push(op: ExtractOp): void {
    this.#ops.push(op);
    if (this.#ops.length >= BATCH_OPS) this.#flush();
  }

  #start(): { worker: Worker; counters: Int32Array } {
    if (this.#worker && this.#counters) return { worker: this.#worker, counters: this.#counters };
    const state = new SharedArrayBuffer(8);
    const setup: ExtractWorkerSetup = { state };
    // A small heap: the worker holds one batch at a time (at most MAX_IN_FLIGHT bytes wait for it).
    const worker = new Worker(siblingWorker(import.meta.url, 'extract-worker'), { workerData: setup, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } });
    this.#worker = worker;
    this.#counters = new Int32Array(state);
    this.#done = new Promise((resolve, reject) => {
      worker.on('message', (msg: { failure: ExtractFailure | null }) => resolve(msg.failure));
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the extraction worker exited (${code}) before it finished`)));
    });
    this.#done.catch(() => {}); // observed in finish()
    return { worker, counters: this.#counters };
  }

  #flush(): void {
    if (this.#ops.length === 0) return;
    const data = Buffer.allocUnsafeSlow(this.#size);
    let at = 0;
    for (const c of this.#chunks) {
      c.copy(data, at);
      at += c.length;
    }
    const ops = this.#ops;
    const bytes = this.#size;
    this.#ops = [];
    this.#chunks = [];
    this.#size = 0;
    this.#post(ops, data, bytes);
  }

  #post(ops: ExtractOp[], data: Buffer, dataBytes: number): void {
    const { worker, counters } = this.#start();
    const bytes = dataBytes + ops.length * OP_WEIGHT;
    // Once the worker failed nothing more is sent; finish() reports the failure.
    if (Atomics.load(counters, 1) === 1) return;
    for (let now = Atomics.load(counters, 0); now > 0 && now + bytes > MAX_IN_FLIGHT; now = Atomics.load(counters, 0)) Atomics.wait(counters, 0, now, 1000);
    Atomics.add(counters, 0, bytes);
    const batch: ExtractBatch = { ops, data: data.buffer as ArrayBuffer, bytes };
    worker.postMessage(batch, [batch.data]);
  }

  /** Everything written and closed; the worker's first failure thrown, as the constructor's `failure` makes it. */
  async finish(): Promise<void> {
    this.#flush(); // what is queued starts the worker if nothing did yet
    if (!this.#worker) return;
    this.#worker.postMessage('finish');
    try {
      const failure = await this.#done!;
      if (failure) {
        this.#fail(failure.path, Object.assign(new Error(failure.message), { code: failure.code }));
      }
    } finally {
      await this.abort();
    }
  }

  /** Stops the worker (after a failure elsewhere): nothing more is written once this resolves. */
  async abort(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.terminate();
  }
}

// Compresses the format's zstd frames (zstd-format.ts) on worker threads, one frame per job,
// each in one call, so a bundle is compressed on every core and its bytes do not depend on
// how many. Frame buffers travel to the worker and back (transferred, never copied) and are
// filled again. A bundle of one frame on the runtime's own libzstd is compressed in place:
// starting a worker costs more than compressing 4 MiB.
import { createRequire } from 'node:module';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import zlib from 'node:zlib';
import type { ZstdAnswer, ZstdJob, ZstdWorkerSetup } from '../core/zstd-worker.js';
import { siblingWorker } from '../core/worker-url.js';
import { FRAME_BYTES, ZSTD_LEVEL, ZSTD_VERSION, zstdCompressBound, type ZstdEngine } from './zstd-format.js';

const require = createRequire(import.meta.url);

/** Workers: one per core the process may use, at most 8 (libzstd at level 3 is ~200 MB/s a core on text). */
export function zstdThreads(): number {
  return Math.max(1, Math.min(os.availableParallelism(), 8));
}

/** The format's frame parameters for the runtime's libzstd: the level, content size, no checksum. */
function nativeParams(): Record<number, number> {
  const c = zlib.constants;
  return { [c.ZSTD_c_compressionLevel]: ZSTD_LEVEL, [c.ZSTD_c_checksumFlag]: 0, [c.ZSTD_c_contentSizeFlag]: 1 };
}

interface Waiter {
  resolve(out: Buffer): void;
  reject(err: Error): void;
}

export class ZstdPool {
  readonly engine: ZstdEngine;
  readonly #threads: number;
  readonly #workers: Worker[] = [];
  readonly #busy: number[] = [];
  readonly #waiting = new Map<number, Waiter & { worker: number }>();
  readonly #spare: ArrayBuffer[] = [];
  #nextId = 0;
  #failure: Error | undefined;

  constructor(engine: ZstdEngine, threads = zstdThreads()) {
    this.engine = engine;
    this.#threads = threads;
  }

  /** An empty frame buffer (FRAME_BYTES, owning its memory so it can be transferred). */
  frame(): Buffer {
    return Buffer.from(this.#spare.pop() ?? new ArrayBuffer(FRAME_BYTES));
  }

  /** Compresses frame[0, length) on the calling thread (native engine only). */
  compressHere(frame: Buffer, length: number): Buffer {
    return zlib.zstdCompressSync(frame.subarray(0, length), { chunkSize: Math.max(64, zstdCompressBound(length)), params: nativeParams() });
  }

  /**
   * Compresses frame[0, length) on a worker. `frame` must come from frame(): its memory moves
   * to the worker and is unusable here until it comes back through frame().
   */
  compress(frame: Buffer, length: number): Promise<Buffer> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (frame.byteOffset !== 0 || frame.buffer.byteLength !== FRAME_BYTES) throw new Error('internal error: a zstd frame must be a buffer from ZstdPool.frame()');
    const worker = this.#pick();
    const id = this.#nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject, worker });
      this.#busy[worker]!++;
      const job: ZstdJob = { id, frame: frame.buffer as ArrayBuffer, length };
      this.#workers[worker]!.postMessage(job, [job.frame]);
    });
  }

  async close(): Promise<void> {
    const workers = this.#workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  /** The least busy worker, starting another while fewer than #threads run and all are busy. */
  #pick(): number {
    let best = -1;
    for (let i = 0; i < this.#workers.length; i++) if (best === -1 || this.#busy[i]! < this.#busy[best]!) best = i;
    if (best !== -1 && (this.#busy[best] === 0 || this.#workers.length >= this.#threads)) return best;
    return this.#start();
  }

  #start(): number {
    const index = this.#workers.length;
    const workerData: ZstdWorkerSetup =
      this.engine === 'native'
        ? { engine: 'native', params: nativeParams() }
        : { engine: 'wasm', level: ZSTD_LEVEL, version: ZSTD_VERSION, wasmModule: pathToFileURL(require.resolve('@hpcc-js/wasm-zstd')).href };
    const worker = new Worker(siblingWorker(import.meta.url, '../core/zstd-worker'), { workerData });
    worker.on('message', (answer: ZstdAnswer) => this.#answer(answer));
    worker.on('error', (err) => this.#fail(err));
    worker.on('exit', (code) => {
      if (this.#waiting.size > 0) this.#fail(new Error(`a zstd worker exited (code ${code}) with frames unfinished`));
    });
    this.#workers.push(worker);
    this.#busy.push(0);
    return index;
  }

  #answer(answer: ZstdAnswer): void {
    const waiter = this.#waiting.get(answer.id);
    if (!waiter) return;
    this.#waiting.delete(answer.id);
    this.#busy[waiter.worker]!--;
    if ('error' in answer) {
      this.#fail(new Error(`zstd compression failed: ${answer.error}`));
      waiter.reject(this.#failure!);
      return;
    }
    this.#spare.push(answer.frame);
    waiter.resolve(Buffer.from(answer.out, 0, answer.length));
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const [id, waiter] of this.#waiting) {
      this.#waiting.delete(id);
      waiter.reject(this.#failure);
    }
  }
}

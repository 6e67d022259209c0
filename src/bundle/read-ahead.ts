// Small files read ahead of the tar writer on a worker thread (read-ahead-worker.ts). The writer
// asks for them in tar order; each arrives in a slot of a shared ring, is copied into the frame,
// and the slot goes back to the worker. The main thread keeps the per-entry JavaScript (headers,
// frames, hashing) and the worker makes the per-file system calls on another core: on a
// 20,000-file project, open, fstat, read and close were ~40% of the main thread's time.
// Files of SLOT_BYTES or more, and generated content, are read by the writer as before.
import { Worker } from 'node:worker_threads';
import { ReproError, fsError } from '../core/errors.js';
import { siblingWorker } from '../core/worker-url.js';
import type { ReadAheadBatch, ReadAheadSetup } from './read-ahead-worker.js';
import { changedError } from './changed.js';
import type { EntryList, SourceEntry } from './entry-table.js';

/** What the worker says of each file (passed to it: its module imports nothing of ours). */
const STATUS = { ok: 1, changed: 2, error: 3 } as const;
const SLOTS = 128;
const SLOT_BYTES = 64 << 10;
/** Files sent to the worker per message, and how far ahead of the writer they are sent. */
const BATCH = 512;
const AHEAD = 2 * BATCH;
/** Below this many entries a worker's start-up (~20 ms) is not worth it. */
export const READ_AHEAD_MIN_ENTRIES = 256;

/** A file the worker reads: planned from disk, its identity known, and small. */
export function readsAhead(e: SourceEntry): boolean {
  return e.type === 'file' && e.size > 0 && e.size < SLOT_BYTES && !e.content && e.source !== undefined && e.stat !== undefined;
}

export class ReadAhead {
  readonly #entries: EntryList;
  readonly #worker: Worker;
  readonly #control: Int32Array;
  readonly #meta: Int32Array;
  readonly #ring: Buffer;
  /** Entries scanned for files to send, and files sent. */
  #scanned = 0;
  #sent = 0;
  /** Files taken by the writer. */
  #taken = 0;
  #failed: ReproError | undefined;

  constructor(entries: EntryList) {
    this.#entries = entries;
    const setup: ReadAheadSetup = {
      control: new SharedArrayBuffer(8),
      meta: new SharedArrayBuffer(SLOTS * 8),
      ring: new SharedArrayBuffer(SLOTS * SLOT_BYTES),
      slots: SLOTS,
      slotBytes: SLOT_BYTES,
      status: STATUS,
    };
    this.#control = new Int32Array(setup.control);
    this.#meta = new Int32Array(setup.meta);
    this.#ring = Buffer.from(setup.ring);
    this.#worker = new Worker(siblingWorker(import.meta.url, 'read-ahead-worker'), { workerData: setup });
    this.#worker.unref();
    const fail = (why: string) => {
      this.#failed ??= new ReproError('E_INTERNAL', `the read-ahead worker stopped: ${why}`, { details: { why } });
    };
    this.#worker.on('error', (err) => fail(err.message));
    this.#worker.on('exit', (code) => fail(`exit code ${code}`));
    this.#send(AHEAD);
  }

  /** Sends the next files until `want` have been sent (or the entries end). */
  #send(want: number): void {
    while (this.#sent < want && this.#scanned < this.#entries.length) {
      const batch: ReadAheadBatch = { paths: [], stats: new Float64Array(BATCH * 3) };
      while (batch.paths.length < BATCH && this.#scanned < this.#entries.length) {
        const e = this.#entries.at(this.#scanned++)!;
        if (!readsAhead(e)) continue;
        const i = batch.paths.length;
        batch.paths.push(e.source!);
        batch.stats[i * 3] = e.size;
        batch.stats[i * 3 + 1] = e.stat!.mtimeMs;
        batch.stats[i * 3 + 2] = e.stat!.ino;
      }
      if (batch.paths.length === 0) break;
      this.#sent += batch.paths.length;
      this.#worker.postMessage(batch);
    }
  }

  /**
   * The bytes of the next file the worker reads (the writer asks in the same order it scans
   * entries), valid until release(). Throws what reading it in the writer would have thrown.
   */
  async take(entry: SourceEntry): Promise<Buffer> {
    const k = this.#taken;
    this.#send(k + AHEAD);
    if (k >= this.#sent) throw new ReproError('E_INTERNAL', `read-ahead: ${entry.source} was not sent to the reader`, { details: { path: entry.source } });
    for (;;) {
      const produced = Atomics.load(this.#control, 0);
      if (produced > k) break;
      // Blocked for a second (a slow disk, or a worker that died): let the event loop deliver
      // the worker's error or exit, so a dead reader fails the build instead of hanging it.
      if (Atomics.wait(this.#control, 0, produced, 1000) === 'timed-out') {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.#failed) throw this.#failed;
      }
    }
    const slot = k % SLOTS;
    const status = this.#meta[slot * 2]!;
    const length = this.#meta[slot * 2 + 1]!;
    const bytes = this.#ring.subarray(slot * SLOT_BYTES, slot * SLOT_BYTES + length);
    if (status === STATUS.ok && length === entry.size) return bytes;
    if (status === STATUS.error) {
      const text = bytes.toString('utf8');
      const nl = text.indexOf('\n');
      const err = Object.assign(new Error(text.slice(nl + 1)), { code: text.slice(0, nl) });
      throw fsError(err, entry.source!, 'cannot read');
    }
    if (status === STATUS.changed || status === STATUS.ok) throw changedError(entry.source!);
    throw new ReproError('E_INTERNAL', `read-ahead: slot ${slot} has status ${status}`, { details: { path: entry.source } });
  }

  /** The writer is done with the file take() gave: its slot goes back to the worker. */
  release(): void {
    this.#taken++;
    Atomics.store(this.#control, 1, this.#taken);
    Atomics.notify(this.#control, 1);
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

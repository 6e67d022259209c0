// Hashes many files with sha256 on every core: a small pool of worker threads, each reading
// files in 1 MiB slices (never a whole file in memory). Small files travel in batches so the
// message cost stays far below the hashing cost.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fsError } from './errors.js';

export interface FileHash {
  sha256: string;
  size: number;
}

export interface HashJob {
  path: string;
  /** Size seen by stat; used only to plan batches. */
  size: number;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const buf = Buffer.allocUnsafe(1 << 20);
parentPort.on('message', (batch) => {
  const results = [];
  for (const file of batch.paths) {
    let fd;
    try {
      fd = fs.openSync(file, 'r');
      const h = crypto.createHash('sha256');
      let size = 0;
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        h.update(n === buf.length ? buf : buf.subarray(0, n));
        size += n;
      }
      results.push({ sha256: h.digest('hex'), size });
    } catch (err) {
      results.push({ error: { code: err.code, message: err.message } });
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  parentPort.postMessage({ id: batch.id, results });
});
`;

const BATCH_BYTES = 8 << 20;
const BATCH_FILES = 256;

interface Batch {
  id: number;
  start: number;
  paths: string[];
}

export interface HashPoolOptions {
  threads?: number;
  onProgress?: (bytes: number) => void;
}

/** Hashes `jobs` in order-preserving fashion; results[i] belongs to jobs[i]. */
export async function hashFiles(jobs: readonly HashJob[], options: HashPoolOptions = {}): Promise<FileHash[]> {
  if (jobs.length === 0) return [];
  const batches = planBatches(jobs);
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), batches.length));
  const results: FileHash[] = new Array(jobs.length);
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true }));
  let next = 0;
  try {
    await Promise.all(
      workers.map(async (worker) => {
        while (next < batches.length) {
          const batch = batches[next++]!;
          const reply = await ask(worker, batch);
          reply.forEach((r, i) => {
            const job = jobs[batch.start + i]!;
            if ('error' in r) throw fsError(Object.assign(new Error(r.error.message), { code: r.error.code }), job.path, 'cannot read');
            results[batch.start + i] = r;
            options.onProgress?.(r.size);
          });
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

type Reply = FileHash | { error: { code: string; message: string } };

function ask(worker: Worker, batch: Batch): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: { id: number; results: Reply[] }) => {
      if (msg.id !== batch.id) return;
      worker.off('error', onError);
      worker.off('message', onMessage);
      resolve(msg.results);
    };
    const onError = (err: Error) => {
      worker.off('message', onMessage);
      reject(err);
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.postMessage({ id: batch.id, paths: batch.paths });
  });
}

function planBatches(jobs: readonly HashJob[]): Batch[] {
  const batches: Batch[] = [];
  let current: Batch | undefined;
  let bytes = 0;
  jobs.forEach((job, index) => {
    if (!current || bytes >= BATCH_BYTES || current.paths.length >= BATCH_FILES) {
      current = { id: batches.length, start: index, paths: [] };
      batches.push(current);
      bytes = 0;
    }
    current.paths.push(job.path);
    bytes += job.size;
  });
  return batches;
}

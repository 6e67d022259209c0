// Hashes many files with sha256 on every core: a small pool of worker threads, each reading
// files in 1 MiB slices (never a whole file in memory). Small files travel in batches so the
// message cost stays far below the hashing cost.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fsError } from './errors.js';
import type { HashBatch, HashReply } from './hash-worker.js';
import { siblingWorker } from './worker-url.js';

export interface FileHash {
  sha256: string;
  size: number;
}

export interface HashJob {
  path: string;
  /** Size seen by stat; used only to plan batches. */
  size: number;
}

const BATCH_BYTES = 8 << 20;
const BATCH_FILES = 256;

interface Batch extends HashBatch {
  start: number;
}

export interface HashPoolOptions {
  threads?: number;
  onProgress?: (bytes: number) => void;
  /** The jobs' sizes added up, when the caller knows it (saves asking for every job twice). */
  totalBytes?: number;
}

/**
 * Hashes `count` files: job(i) says which, and onHash(i, hash) receives each result as its
 * batch comes back (results are not collected; a throw from onHash stops the pool). Batches are
 * made as workers ask for them, so nothing the size of the file list is held here.
 */
export async function hashFiles(
  count: number,
  job: (index: number) => HashJob,
  onHash: (index: number, hash: FileHash) => void,
  options: HashPoolOptions = {},
): Promise<void> {
  if (count === 0) return;
  let totalBytes = options.totalBytes ?? 0;
  if (options.totalBytes === undefined) for (let i = 0; i < count; i++) totalBytes += job(i).size;
  // At least this many batches: no more threads than there is work for.
  const batches = Math.max(Math.ceil(count / BATCH_FILES), Math.ceil(totalBytes / BATCH_BYTES));
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), batches));
  const workers = Array.from({ length: threads }, () => new Worker(siblingWorker(import.meta.url, 'hash-worker')));
  let next = 0;
  let id = 0;
  const nextBatch = (): Batch | null => {
    if (next >= count) return null;
    const batch: Batch = { id: id++, start: next, paths: [] };
    let bytes = 0;
    while (next < count && bytes < BATCH_BYTES && batch.paths.length < BATCH_FILES) {
      const j = job(next++);
      batch.paths.push(j.path);
      bytes += j.size;
    }
    return batch;
  };
  try {
    await Promise.all(
      workers.map(async (worker) => {
        for (let batch = nextBatch(); batch; batch = nextBatch()) {
          const reply = await ask(worker, batch);
          reply.forEach((r, i) => {
            if ('error' in r) throw fsError(Object.assign(new Error(r.error.message), { code: r.error.code }), batch.paths[i]!, 'cannot read');
            onHash(batch.start + i, r);
            options.onProgress?.(r.size);
          });
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** hashFiles for a list, results in the list's order (small lists: data files in a snapshot). */
export async function hashFileList(jobs: readonly HashJob[], options: HashPoolOptions = {}): Promise<FileHash[]> {
  const results: FileHash[] = new Array(jobs.length);
  await hashFiles(jobs.length, (i) => jobs[i]!, (i, h) => (results[i] = h), options);
  return results;
}

function ask(worker: Worker, batch: Batch): Promise<HashReply[]> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: { id: number; results: HashReply[] }) => {
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

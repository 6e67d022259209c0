// The worker thread of extract-writer.ts: applies batches of file-system operations in the order
// they come (folders, links, files opened with O_EXCL, their bytes, closes) inside one temp tree,
// so the main thread's verification never waits on the file system. After each batch it takes
// the batch's bytes off the shared in-flight counter and wakes the main thread; the first failure
// is kept (the rest of the operations are skipped) and reported when the main thread finishes.
import { closeSync, mkdirSync, openSync, symlinkSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

export type ExtractOp =
  | { op: 'dir'; path: string; mode: number }
  | { op: 'link'; path: string; target: string }
  | { op: 'open'; id: number; path: string; mode: number }
  | { op: 'write'; id: number; at: number; length: number }
  | { op: 'close'; id: number };

export interface ExtractBatch {
  ops: ExtractOp[];
  data: ArrayBuffer;
  /** What the main thread counted in flight for this batch. */
  bytes: number;
}

export interface ExtractWorkerSetup {
  /** [bytes in flight, failed (0/1)] */
  state: SharedArrayBuffer;
}

export interface ExtractFailure {
  path: string;
  code: string | undefined;
  message: string;
}

const { state } = workerData as ExtractWorkerSetup;
const counters = new Int32Array(state);
const fds = new Map<number, { fd: number; path: string }>();
let failure: ExtractFailure | null = null;

function apply(o: ExtractOp, data: Buffer): void {
  if (o.op === 'dir') mkdirSync(o.path, { mode: o.mode });
  else if (o.op === 'link') symlinkSync(o.target, o.path);
  else if (o.op === 'open') fds.set(o.id, { fd: openSync(o.path, 'wx', o.mode), path: o.path });
  else if (o.op === 'write') {
    const f = fds.get(o.id)!;
    for (let done = 0; done < o.length; ) done += writeSync(f.fd, data, o.at + done, o.length - done);
  } else {
    const f = fds.get(o.id)!;
    fds.delete(o.id);
    closeSync(f.fd);
  }
}

function pathOf(o: ExtractOp): string {
  return 'path' in o ? o.path : (fds.get(o.id)?.path ?? '');
}

parentPort!.on('message', (msg: ExtractBatch | 'finish') => {
  if (msg === 'finish') {
    for (const { fd } of fds.values()) {
      try {
        closeSync(fd);
      } catch {
        /* already failed */
      }
    }
    fds.clear();
    parentPort!.postMessage({ failure });
    return;
  }
  const data = Buffer.from(msg.data);
  for (const o of msg.ops) {
    if (failure) break;
    try {
      apply(o, data);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      failure = { path: pathOf(o), code: e.code, message: e.message };
      Atomics.store(counters, 1, 1);
    }
  }
  Atomics.sub(counters, 0, msg.bytes);
  Atomics.notify(counters, 0);
});

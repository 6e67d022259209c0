// Worker threads that write wheels' members (unpack-worker.ts) on every core: inflating, checking
// and hashing were the main thread's work, one wheel after another, and the slow part of making an
// environment. One pool per process, made on first use; its threads hold the process open only
// while they have work.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { UnpackJob, UnpackReply } from './unpack-worker.js';
import { siblingWorker } from '../core/worker-url.js';

interface Slot {
  worker: Worker;
  busy: boolean;
}

type Task = { job: Omit<UnpackJob, 'id'>; fileSize: number; resolve: (r: UnpackReply) => void; reject: (e: Error) => void };

class UnpackPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;

  constructor(private readonly size: number) {}

  run(job: Omit<UnpackJob, 'id'>, fileSize: number): Promise<UnpackReply> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, fileSize, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) {
        slot = { worker: new Worker(siblingWorker(import.meta.url, 'unpack-worker')), busy: false };
        this.slots.push(slot);
      }
      if (!slot) return;
      this.send(slot, this.queue.shift()!);
    }
  }

  private send(slot: Slot, task: Task): void {
    const id = this.nextId++;
    const { worker } = slot;
    slot.busy = true;
    worker.ref();
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      slot.busy = false;
      worker.unref();
      this.pump();
    };
    const onMessage = (reply: UnpackReply) => {
      if (reply.id !== id) return;
      done();
      task.resolve(reply);
    };
    const onError = (err: Error) => {
      // A thread that failed is not reused.
      const at = this.slots.indexOf(slot);
      if (at >= 0) this.slots.splice(at, 1);
      void worker.terminate();
      done();
      task.reject(err);
    };
    const onExit = (code: number) => onError(new Error(`the unpacking thread exited (${code})`));
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.postMessage({ job: { ...task.job, id }, fileSize: task.fileSize });
  }
}

let pool: UnpackPool | null = null;

/** Runs one slice of a wheel's members on the pool. */
export function unpackOnPool(job: Omit<UnpackJob, 'id'>, fileSize: number): Promise<UnpackReply> {
  pool ??= new UnpackPool(Math.max(1, Math.min(availableParallelism(), 8)));
  return pool.run(job, fileSize);
}

// The worker thread behind stream-hasher.ts: feeds each region of the shared ring it is told of
// to every hash, acknowledges it (so the main thread may reuse the bytes), and on 'end' answers
// with the raw digests.
import crypto from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

export interface StreamHashSetup {
  ring: SharedArrayBuffer;
  algorithms: string[];
}

const setup = workerData as StreamHashSetup;
const ring = Buffer.from(setup.ring);
const hashes = setup.algorithms.map((a) => crypto.createHash(a));

parentPort?.on('message', (msg: 'end' | { start: number; length: number }) => {
  if (msg === 'end') {
    parentPort!.postMessage(hashes.map((h) => h.digest()));
    return;
  }
  const view = ring.subarray(msg.start, msg.start + msg.length);
  for (const h of hashes) h.update(view);
  parentPort!.postMessage(msg.length);
});

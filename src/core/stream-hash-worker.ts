// The worker thread behind stream-hasher.ts: feeds each region of the shared ring it is told of
// to every hash, acknowledges it (so the main thread may reuse the bytes), and on 'end' answers
// with the raw digests (and, when asked, the CRC-32 of the stream's first crc32Bytes bytes,
// big-endian, last).
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { parentPort, workerData } from 'node:worker_threads';

export interface StreamHashSetup {
  ring: SharedArrayBuffer;
  algorithms: string[];
  crc32Bytes?: number;
}

const setup = workerData as StreamHashSetup;
const ring = Buffer.from(setup.ring);
const hashes = setup.algorithms.map((a) => crypto.createHash(a));
const withCrc = setup.crc32Bytes !== undefined;
let crcLeft = setup.crc32Bytes ?? 0;
let crc = 0;

parentPort?.on('message', (msg: 'end' | { start: number; length: number }) => {
  if (msg === 'end') {
    const digests = hashes.map((h) => h.digest());
    if (withCrc) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(crc >>> 0);
      digests.push(b);
    }
    parentPort!.postMessage(digests);
    return;
  }
  const view = ring.subarray(msg.start, msg.start + msg.length);
  for (const h of hashes) h.update(view);
  if (crcLeft > 0) {
    const part = view.length <= crcLeft ? view : view.subarray(0, crcLeft);
    crc = zlib.crc32(part, crc);
    crcLeft -= part.length;
  }
  parentPort!.postMessage(msg.length);
});

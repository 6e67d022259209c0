// The worker thread behind hash-pool.ts: hashes each file of a batch with sha256, reading it in
// 1 MiB slices into one reused buffer, and answers with a digest and size, or the error, per file.
// It imports only node: modules: the suite loads it as .ts through Node's type stripping, which
// does not map a relative './x.js' import to its .ts file (so core/file-read.ts is not shared here).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';

export interface HashBatch {
  id: number;
  paths: string[];
}

export type HashReply = { sha256: string; size: number } | { error: { code: string; message: string } };

const buf = Buffer.allocUnsafe(1 << 20);

function hashOne(file: string): HashReply {
  let fd: number | undefined;
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
    return { sha256: h.digest('hex'), size };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { error: { code: e.code ?? 'EIO', message: e.message } };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

parentPort?.on('message', (batch: HashBatch) => {
  parentPort!.postMessage({ id: batch.id, results: batch.paths.map(hashOne) });
});

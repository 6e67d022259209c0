// writeBundle: lays the canonical tar out in frames (tar-frames.ts), hashes each frame for the
// content digest (the uncompressed tar), encodes it (compress.ts) and writes the result to a
// temp file beside the target, while a worker computes the file digest and the ssri integrity;
// then fsyncs and renames. A failure or a kill leaves no file at target.
import { createHash } from 'node:crypto';
import { closeSync, fdatasync, fsyncSync, promises as fs, openSync, write, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import zlib from 'node:zlib';
import { commitTemp, isProcessAlive, removeStaleTemps, tempPathFor } from '../core/atomic-write.js';
import { trackTemp } from '../core/cleanup.js';
import { sha512Integrity, StreamHasher } from '../core/stream-hasher.js';
import { fsError, isReproError } from '../core/errors.js';
import type { ProgressReporter } from '../core/context.js';
import { createEncoder, type CompressionInfo } from './compress.js';
import type { EntryList } from './entry-table.js';
import { writeTarFrames, type ManifestContent } from './tar-frames.js';
import { makeTrailer, payloadCheck } from './trailer.js';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);
/** How many bytes of zstd frames may wait for the disk at once. */
const WRITE_AHEAD = 32 * 1024 * 1024;
/** Every this many bytes written, what is written so far is flushed to the disk on libuv's pool (see SyncBehind). */
export const SYNC_EVERY = 32 * 1024 * 1024;

/**
 * Write-behind flushing: the bundle is fsynced before it is renamed into place, and a file's dirty
 * pages are otherwise left to the kernel, which writes nothing of a 128 MiB bundle before that
 * fsync (its writeback starts at 10% of RAM or after 30 s): the disk then worked after the build,
 * not beside it (128 MiB: 0.22 s of fsync at the end). Each SYNC_EVERY bytes, once the writes up to
 * there are done, an fdatasync runs on the pool while the build goes on; the final fsync is left
 * with the last few MiB. A failed flush fails the write, as the final fsync would.
 */
export class SyncBehind {
  #since = 0;
  #chain: Promise<void> = Promise.resolve();
  #failed: unknown = null;
  constructor(readonly fd: number) {}

  /** Counts `n` more bytes whose writes are `done`; past SYNC_EVERY, queues a flush after them. */
  wrote(n: number, done: readonly Promise<void>[]): void {
    this.#since += n;
    if (this.#since < SYNC_EVERY) return;
    this.#since = 0;
    const upTo = [...done];
    this.#chain = this.#chain.then(async () => {
      if (this.#failed !== null) return;
      try {
        await Promise.all(upTo);
        await fdatasyncAsync(this.fd);
      } catch (err) {
        this.#failed = err;
      }
    });
  }

  /** Waits for the flushes queued so far; throws the first failure. */
  async settle(): Promise<void> {
    await this.#chain;
    if (this.#failed !== null) throw this.#failed;
  }
}

export interface WriteResult {
  path: string;
  contentDigest: string;
  fileDigest: string;
  integrity: string;
  tarSize: number;
  fileSize: number;
}

export interface WriteOptions {
  mtime: number;
  compression: CompressionInfo;
  progress?: ProgressReporter;
  totalBytes?: number;
}

export async function writeBundle(target: string, manifest: ManifestContent, entries: EntryList, options: WriteOptions): Promise<WriteResult> {
  const dir = path.dirname(target);
  await fs.mkdir(dir, { recursive: true }).catch((err) => {
    throw fsError(err, dir, 'cannot create the output directory');
  });
  await removeStaleTemps(dir, isProcessAlive);
  const temp = tempPathFor(target);
  const untrack = trackTemp(temp);
  const tarHash = createHash('sha256');
  // The file's sha256 and sha512 are computed on a worker thread, beside the main thread's work.
  const fileHash = new StreamHasher(['sha256', 'sha512']);
  let payloadCrc = 0;
  let tarSize = 0;
  let fileSize = 0;
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o644);
  } catch (err) {
    untrack();
    throw fsError(err, temp, 'cannot create the bundle file');
  }
  // zstd's frames come back from the pool as buffers of their own, never reused: they are written
  // at their offset on libuv's pool while the main thread reads and hashes the next entries (a
  // disk that takes ~1 s per 300 MiB is waited on beside the work, not in its way). The other
  // codecs hand back buffers they reuse once emit returns: those are written here, at once.
  const owned = options.compression.codec === 'zstd';
  const writes: Array<Promise<void>> = [];
  const behind = new SyncBehind(fd);
  let writing = 0;
  const writeAt = async (bytes: Buffer, position: number): Promise<void> => {
    for (let at = 0; at < bytes.length; ) at += (await writeAsync(fd, bytes, at, bytes.length - at, position + at)).bytesWritten;
  };
  /** Appends bytes to the file: written here (or on the pool), hashed on the worker. */
  const emit = (bytes: Buffer): Promise<void> | undefined => {
    const position = fileSize;
    payloadCrc = zlib.crc32(bytes, payloadCrc);
    fileSize += bytes.length;
    const hashed = fileHash.update(bytes);
    if (!owned) {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      behind.wrote(bytes.length, []);
      return hashed;
    }
    writing += bytes.length;
    const written = writeAt(bytes, position).finally(() => {
      writing -= bytes.length;
    });
    written.catch(() => {}); // awaited below, in order
    writes.push(written);
    behind.wrote(bytes.length, writes);
    // At most WRITE_AHEAD bytes wait for the disk: beyond that, the oldest write is waited for.
    const drain = async () => {
      await hashed;
      while (writing > WRITE_AHEAD) await writes.shift();
    };
    return drain();
  };
  /** Every write done (the first failure thrown). */
  const flush = async () => {
    while (writes.length > 0) await writes.shift();
  };
  const encoder = createEncoder(options.compression, emit);
  options.progress?.start('writing', options.totalBytes ?? 0);
  try {
    await writeTarFrames(manifest, entries, {
      mtime: options.mtime,
      nextFrame: () => encoder.nextFrame(),
      onFrame: (frame, length, last) => {
        tarHash.update(frame.subarray(0, length));
        tarSize += length;
        return encoder.push(frame, length, last);
      },
      onBytes: (n) => options.progress?.tick(n),
    });
    const trailer = makeTrailer(options.compression.codec, payloadCheck(payloadCrc, fileSize));
    if (trailer.length > 0) await emit(Buffer.from(trailer));
    await flush();
    await behind.settle();
    fsyncSync(fd);
    closeSync(fd);
  } catch (err) {
    fileHash.abort();
    await Promise.allSettled(writes);
    await behind.settle().catch(() => {});
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    await fs.rm(temp, { force: true });
    untrack();
    throw isReproError(err) ? err : fsError(err, target, 'cannot write the bundle');
  } finally {
    await encoder.close();
    options.progress?.stop();
  }
  try {
    await commitTemp(temp, target);
  } finally {
    untrack();
  }
  const contentDigest = `sha256:${tarHash.digest('hex')}`;
  const digests = await fileHash.digest();
  return {
    path: target,
    contentDigest,
    fileDigest: `sha256:${digests.sha256!.toString('hex')}`,
    integrity: sha512Integrity(digests.sha512!),
    tarSize,
    fileSize,
  };
}

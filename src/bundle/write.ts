// writeBundle: streams the canonical tar through the compressor into a temp file beside the
// target, computing the content digest (uncompressed tar), the file digest and the ssri
// integrity on the way, then fsyncs and renames. A failure or a kill leaves no file at target.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { commitTemp, isProcessAlive, removeStaleTemps, tempPathFor } from '../core/atomic-write.js';
import { trackTemp } from '../core/cleanup.js';
import { sha512Integrity, StreamHasher } from '../core/stream-hasher.js';
import { fsError, isReproError } from '../core/errors.js';
import type { ProgressReporter } from '../core/context.js';
import { compressionStages, STAGE_BUFFER, type CompressionInfo } from './compress.js';
import type { EntryList } from './entry-table.js';
import { canonicalTar, type ManifestContent } from './tar-stream.js';
import { makeTrailer, payloadCheck } from './trailer.js';

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
  const handle = await fs.open(temp, 'wx', 0o644).catch((err) => {
    throw fsError(err, temp, 'cannot create the bundle file');
  });
  options.progress?.start('writing', options.totalBytes ?? 0);
  try {
    await pipeline(
      Readable.from(canonicalTar(manifest, entries, { mtime: options.mtime, onBytes: (n) => options.progress?.tick(n) }), { highWaterMark: 2 }),
      tap((chunk) => {
        tarHash.update(chunk);
        tarSize += chunk.length;
      }),
      ...compressionStages(options.compression),
      tap((chunk) => {
        payloadCrc = zlib.crc32(chunk, payloadCrc);
        fileSize += chunk.length;
        return fileHash.update(chunk);
      }),
      new Writable({
        highWaterMark: STAGE_BUFFER,
        write(chunk: Buffer, _enc, cb) {
          handle.write(chunk).then(() => cb(), cb);
        },
      }),
    );
    const trailer = makeTrailer(options.compression.codec, payloadCheck(payloadCrc, fileSize));
    if (trailer.length > 0) {
      await handle.write(trailer);
      fileHash.update(trailer);
      fileSize += trailer.length;
    }
    await handle.sync();
    await handle.close();
  } catch (err) {
    fileHash.abort();
    await handle.close().catch(() => {});
    await fs.rm(temp, { force: true });
    untrack();
    throw isReproError(err) ? err : fsError(err, target, 'cannot write the bundle');
  } finally {
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

/** A pass-through stage that lets `fn` see every chunk; a returned promise holds the stream. */
function tap(fn: (chunk: Buffer) => Promise<void> | undefined | void): Transform {
  return new Transform({
    highWaterMark: STAGE_BUFFER,
    transform(chunk: Buffer, _enc, cb) {
      const wait = fn(chunk);
      if (wait) wait.then(() => cb(null, chunk), cb);
      else cb(null, chunk);
    },
  });
}

// writeBundle: streams the canonical tar through the compressor into a temp file beside the
// target, computing the content digest (uncompressed tar), the file digest and the ssri
// integrity on the way, then fsyncs and renames. A failure or a kill leaves no file at target.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import ssri from 'ssri';
import { commitTemp, isProcessAlive, removeStaleTemps, tempPathFor } from '../core/atomic-write.js';
import { trackTemp } from '../core/cleanup.js';
import { fsError, isReproError } from '../core/errors.js';
import type { ProgressReporter } from '../core/context.js';
import { compressionStages, STAGE_BUFFER, type CompressionInfo } from './compress.js';
import type { SourceEntry } from './plan.js';
import { canonicalTar } from './tar-stream.js';
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

export async function writeBundle(target: string, manifestBytes: Buffer, entries: readonly SourceEntry[], options: WriteOptions): Promise<WriteResult> {
  const dir = path.dirname(target);
  await fs.mkdir(dir, { recursive: true }).catch((err) => {
    throw fsError(err, dir, 'cannot create the output directory');
  });
  await removeStaleTemps(dir, isProcessAlive);
  const temp = tempPathFor(target);
  const untrack = trackTemp(temp);
  const tarHash = createHash('sha256');
  const fileHash = createHash('sha256');
  let payloadCrc = 0;
  // Uncompressed, the file is the tar: one sha256 serves as both digests.
  const uncompressed = options.compression.codec === 'none';
  const integrity = ssri.create({ algorithms: ['sha512'] });
  let tarSize = 0;
  let fileSize = 0;
  const handle = await fs.open(temp, 'wx', 0o644).catch((err) => {
    throw fsError(err, temp, 'cannot create the bundle file');
  });
  options.progress?.start('writing', options.totalBytes ?? 0);
  try {
    await pipeline(
      Readable.from(canonicalTar(manifestBytes, entries, { mtime: options.mtime, onBytes: (n) => options.progress?.tick(n) }), { highWaterMark: 2 }),
      tap((chunk) => {
        tarHash.update(chunk);
        tarSize += chunk.length;
      }),
      ...compressionStages(options.compression),
      tap((chunk) => {
        payloadCrc = zlib.crc32(chunk, payloadCrc);
        if (!uncompressed) fileHash.update(chunk);
        integrity.update(chunk);
        fileSize += chunk.length;
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
      integrity.update(trailer);
      fileSize += trailer.length;
    }
    await handle.sync();
    await handle.close();
  } catch (err) {
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
  return {
    path: target,
    contentDigest,
    fileDigest: uncompressed ? contentDigest : `sha256:${fileHash.digest('hex')}`,
    integrity: integrity.digest().toString(),
    tarSize,
    fileSize,
  };
}

function tap(fn: (chunk: Buffer) => void): Transform {
  return new Transform({
    highWaterMark: STAGE_BUFFER,
    transform(chunk: Buffer, _enc, cb) {
      fn(chunk);
      cb(null, chunk);
    },
  });
}

// Compression whose bytes depend only on the recorded codec, level and library version.
// zstd: Node's built-in libzstd; the tar is cut into fixed 4 MiB pieces, each compressed on its
// own (one-shot, content size and checksum in its frame header) on the libuv thread pool, and
// the frames are written in order: a standard multi-frame zstd file, built on every core, whose
// bytes depend only on the content, the level and the libzstd version. gzip: pako (a pinned
// dependency, classic zlib hash, so output equals stock zlib's), with a gzip header written
// here: mtime 0, no name, XFL from the level, OS 255 "unknown". Node's own zlib is not used for
// gzip because its bytes have changed between Node releases.
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { Deflate } from 'pako';
import { ReproError } from '../core/errors.js';
import { packageVersion, runtimeVersions } from '../core/runtime.js';

import { CODECS, DEFAULT_LEVEL, type Codec } from './codecs.js';

export { CODECS, DEFAULT_CODEC, DEFAULT_LEVEL, EXTENSION, type Codec } from './codecs.js';

export interface CompressionInfo {
  codec: Codec;
  level: number | null;
  /** The library that produced the compressed bytes, with its version. */
  library: string | null;
}

export function parseCodec(value: string): Codec {
  if ((CODECS as readonly string[]).includes(value)) return value as Codec;
  throw new ReproError('E_USAGE', `unknown compression: ${JSON.stringify(value)}`, {
    hint: `Use one of: ${CODECS.join(', ')}.`,
    details: { value, allowed: CODECS },
  });
}

export function compressionInfo(codec: Codec): CompressionInfo {
  const level = DEFAULT_LEVEL[codec];
  if (codec === 'zstd') {
    const zstd = runtimeVersions().zstd;
    if (zstd === null || typeof zlib.createZstdCompress !== 'function') {
      throw new ReproError('E_ENV', 'this Node.js has no built-in zstd', {
        hint: 'Use Node.js >= 22.15, or pass --compression gzip.',
        details: { node: runtimeVersions().node },
      });
    }
    return { codec, level, library: `zstd ${zstd} (${ZSTD_FRAME >> 20} MiB frames)` };
  }
  if (codec === 'gzip') return { codec, level, library: `pako ${packageVersion('pako')} (classic zlib hash)` };
  return { codec, level: null, library: null };
}

/** Input slice size the compressors always see (zstd's output depends on how input is split). */
export const COMPRESS_SLICE = 1 << 20;
/** Buffering per stage, so reading, hashing, compressing and writing overlap. */
export const STAGE_BUFFER = 1 << 20;

/**
 * The compression stages of a bundle: a re-slicer that feeds the compressor exactly
 * COMPRESS_SLICE bytes per write, then the compressor. libzstd's streaming output depends on
 * where its input is split, so the split is fixed here rather than left to the stream.
 */
export function compressionStages(info: CompressionInfo): Transform[] {
  if (info.codec === 'zstd') return [createCompressor(info)]; // cuts its own fixed frames
  return info.codec === 'none' ? [] : [new FixedSlices(COMPRESS_SLICE), createCompressor(info)];
}

class FixedSlices extends Transform {
  readonly #size: number;
  #parts: Buffer[] = [];
  #length = 0;

  constructor(size: number) {
    super({ highWaterMark: STAGE_BUFFER });
    this.#size = size;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let rest = chunk;
    while (this.#length + rest.length >= this.#size) {
      const take = this.#size - this.#length;
      this.#parts.push(rest.subarray(0, take));
      this.push(this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#size));
      this.#parts = [];
      this.#length = 0;
      rest = rest.subarray(take);
    }
    if (rest.length > 0) {
      this.#parts.push(rest);
      this.#length += rest.length;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.#length > 0) this.push(Buffer.concat(this.#parts, this.#length));
    cb();
  }
}

export function createCompressor(info: CompressionInfo): Transform {
  if (info.codec === 'zstd') {
    return new ZstdFrames(info.level ?? 3);
  }
  if (info.codec === 'gzip') return new GzipTransform(info.level ?? 6);
  return new Transform({ transform: (chunk, _enc, cb) => cb(null, chunk) });
}

/** The fixed 10-byte gzip header for a level (RFC 1952): no mtime, no name, OS unknown. */
export function gzipHeader(level: number): Buffer {
  const xfl = level >= 9 ? 2 : level <= 1 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, xfl, 0xff]);
}

/** zstd frame size: every frame but the last holds exactly this many tar bytes. */
export const ZSTD_FRAME = 4 << 20;
const ZSTD_IN_FLIGHT = 3;

class ZstdFrames extends Transform {
  readonly #level: number;
  /** The frame being filled: each byte is copied once, into the buffer that is compressed. */
  #frame: Buffer | null = null;
  /** Frame buffers whose compression has finished, filled again rather than left to the GC. */
  readonly #spare: Buffer[] = [];
  #length = 0;
  readonly #inFlight: Promise<Buffer>[] = [];

  constructor(level: number) {
    super({ highWaterMark: STAGE_BUFFER });
    this.#level = level;
  }

  #start(piece: Buffer, own = false): void {
    const job = new Promise<Buffer>((resolve, reject) => {
      zlib.zstdCompress(
        piece,
        { chunkSize: ZSTD_FRAME + (1 << 16), params: { [zlib.constants.ZSTD_c_compressionLevel]: this.#level, [zlib.constants.ZSTD_c_checksumFlag]: 1 } },
        (err, out) => {
          // The compressor has read the frame and nothing else holds it: fill it again.
          if (own && this.#spare.length < ZSTD_IN_FLIGHT) this.#spare.push(piece);
          if (err) reject(err);
          else resolve(out);
        },
      );
    });
    job.catch(() => {});
    this.#inFlight.push(job);
  }

  async #drain(keep: number): Promise<void> {
    while (this.#inFlight.length > keep) this.push(await this.#inFlight.shift()!);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#length === 0 && chunk.length - at >= ZSTD_FRAME) {
        this.#start(chunk.subarray(at, at + ZSTD_FRAME)); // a whole frame in place: no copy
        at += ZSTD_FRAME;
        continue;
      }
      this.#frame ??= this.#spare.pop() ?? Buffer.allocUnsafe(ZSTD_FRAME);
      const n = chunk.copy(this.#frame, this.#length, at);
      this.#length += n;
      at += n;
      if (this.#length === ZSTD_FRAME) {
        this.#start(this.#frame, true);
        this.#frame = null;
        this.#length = 0;
      }
    }
    this.#drain(ZSTD_IN_FLIGHT - 1).then(() => cb(), cb);
  }

  override _flush(cb: TransformCallback): void {
    if (this.#length > 0) this.#start(this.#frame!.subarray(0, this.#length));
    this.#frame = null;
    this.#length = 0;
    this.#drain(0).then(() => cb(), cb);
  }
}

class GzipTransform extends Transform {
  readonly #deflate: Deflate;
  #crc = 0;
  #size = 0;

  constructor(level: number) {
    super({ highWaterMark: STAGE_BUFFER });
    this.#deflate = new Deflate({ level, raw: true, legacyHash: true, chunkSize: 1 << 20 } as ConstructorParameters<typeof Deflate>[0]);
    this.#deflate.onData = (chunk: Uint8Array) => {
      this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    };
    this.push(gzipHeader(level));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#crc = zlib.crc32(chunk, this.#crc);
    this.#size = (this.#size + chunk.length) % 0x1_0000_0000;
    if (!this.#deflate.push(chunk, false)) return cb(new Error(`gzip deflate failed: ${this.#deflate.msg ?? 'unknown'}`));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (!this.#deflate.push(new Uint8Array(0), true)) return cb(new Error(`gzip deflate failed: ${this.#deflate.msg ?? 'unknown'}`));
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.#crc >>> 0, 0);
    trailer.writeUInt32LE(this.#size >>> 0, 4);
    this.push(trailer);
    cb();
  }
}

/** Recognises the codec of a bundle from its first bytes. */
export function sniffCodec(head: Buffer): Codec {
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  return 'none';
}

export function createDecompressor(codec: Codec): Transform {
  if (codec === 'zstd') return zlib.createZstdDecompress({ chunkSize: COMPRESS_SLICE });
  if (codec === 'gzip') return zlib.createGunzip({ chunkSize: COMPRESS_SLICE });
  return new Transform({ transform: (chunk, _enc, cb) => cb(null, chunk) });
}

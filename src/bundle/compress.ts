// The bundle file's bytes from the tar's: codecs whose output depends only on the bundle
// format, never on the runtime. zstd: the format's own frames (zstd-format.ts), compressed on
// worker threads (zstd-pool.ts) by the runtime's libzstd when it is the format's exact version,
// else by the pinned WebAssembly build. gzip: pako (a pinned dependency, classic zlib hash, so
// output equals stock zlib's) fed fixed 1 MiB slices, with a gzip header written here: mtime 0,
// no name, XFL from the level, OS 255 "unknown". Node's own zlib is not used for gzip because
// its bytes have changed between Node releases. Decompression is the runtime's: any decoder
// reads any valid frame.
import { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { Deflate } from 'pako';
import { ReproError } from '../core/errors.js';
import { packageVersion, runtimeVersions } from '../core/runtime.js';

import { CODECS, DEFAULT_LEVEL, type Codec } from './codecs.js';
import { FRAME_BYTES, ZSTD_LEVEL, ZSTD_LIBRARY, zstdEngineFor, type ZstdEngine } from './zstd-format.js';
import { ZstdPool, zstdThreads } from './zstd-pool.js';

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
    if (typeof zlib.createZstdDecompress !== 'function') {
      throw new ReproError('E_ENV', 'this Node.js has no built-in zstd', {
        hint: 'Use Node.js >= 22.15, or pass --compression gzip.',
        details: { node: runtimeVersions().node },
      });
    }
    return { codec, level: ZSTD_LEVEL, library: ZSTD_LIBRARY };
  }
  if (codec === 'gzip') return { codec, level, library: `pako ${packageVersion('pako')} (classic zlib hash)` };
  return { codec, level: null, library: null };
}

/** Input slice size pako always sees (kept from the first format: gzip bytes must not change). */
const GZIP_SLICE = 1 << 20;

/**
 * Turns the tar's frames (tar-frames.ts) into the bundle file's bytes, handed to `emit` in
 * order. push() takes a frame and its length; the frame is the encoder's from then on, and an
 * empty one comes from nextFrame(). Nothing is emitted after push(..., last = true) resolves.
 */
export interface FrameEncoder {
  nextFrame(): Buffer;
  push(frame: Buffer, length: number, last: boolean): Promise<void>;
  /** Stops any worker; safe after a failure, and after the last frame. */
  close(): Promise<void>;
}

export type Emit = (bytes: Buffer) => Promise<void> | void;

export function createEncoder(info: CompressionInfo, emit: Emit): FrameEncoder {
  if (info.codec === 'zstd') return new ZstdEncoder(new ZstdPool(zstdEngine()), emit);
  if (info.codec === 'gzip') return new GzipEncoder(info.level ?? 6, emit);
  return new PlainEncoder(emit);
}

/** The engine that makes the format's zstd frames on this runtime (zstd-format.ts). */
export function zstdEngine(): ZstdEngine {
  return zstdEngineFor(runtimeVersions().zstd, typeof zlib.zstdCompressSync === 'function');
}

/** Frames reused once written: the bytes are the tar's own. */
class PlainEncoder implements FrameEncoder {
  readonly #emit: Emit;
  readonly #spare: Buffer[] = [];

  constructor(emit: Emit) {
    this.#emit = emit;
  }

  nextFrame(): Buffer {
    return this.#spare.pop() ?? Buffer.allocUnsafe(FRAME_BYTES);
  }

  async push(frame: Buffer, length: number): Promise<void> {
    await this.#emit(frame.subarray(0, length));
    this.#spare.push(frame);
  }

  async close(): Promise<void> {}
}

/** Frames compressed on the pool, several at once, emitted in order. */
class ZstdEncoder implements FrameEncoder {
  readonly #pool: ZstdPool;
  readonly #emit: Emit;
  readonly #queue: Promise<Buffer>[] = [];
  readonly #inFlight: number;
  #sent = 0;

  constructor(pool: ZstdPool, emit: Emit) {
    this.#pool = pool;
    this.#emit = emit;
    this.#inFlight = zstdThreads() + 1;
  }

  nextFrame(): Buffer {
    return this.#pool.frame();
  }

  async push(frame: Buffer, length: number, last: boolean): Promise<void> {
    if (last && this.#sent === 0 && this.#pool.engine === 'native') {
      await this.#emit(this.#pool.compressHere(frame, length)); // one frame: no worker to start
      return;
    }
    const job = this.#pool.compress(frame, length);
    job.catch(() => {}); // observed in order below
    this.#queue.push(job);
    this.#sent++;
    while (this.#queue.length > (last ? 0 : this.#inFlight)) await this.#emit(await this.#queue.shift()!);
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

/** pako over the frames in fixed 1 MiB slices, between a fixed header and the gzip trailer. */
class GzipEncoder implements FrameEncoder {
  readonly #deflate: Deflate;
  readonly #emit: Emit;
  readonly #spare: Buffer[] = [];
  #out: Buffer[] = [];
  /** The gzip header, emitted before the first frame's bytes, then null. */
  #header: Buffer | null;
  #crc = 0;
  #size = 0;

  constructor(level: number, emit: Emit) {
    this.#emit = emit;
    this.#deflate = new Deflate({ level, raw: true, legacyHash: true, chunkSize: 1 << 20 } as ConstructorParameters<typeof Deflate>[0]);
    this.#deflate.onData = (chunk: Uint8Array) => {
      this.#out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    };
    this.#header = gzipHeader(level);
  }

  nextFrame(): Buffer {
    return this.#spare.pop() ?? Buffer.allocUnsafe(FRAME_BYTES);
  }

  async push(frame: Buffer, length: number, last: boolean): Promise<void> {
    if (this.#header) {
      const header = this.#header;
      this.#header = null;
      await this.#emit(header);
    }
    for (let at = 0; at < length; at += GZIP_SLICE) {
      const slice = frame.subarray(at, Math.min(length, at + GZIP_SLICE));
      this.#crc = zlib.crc32(slice, this.#crc);
      this.#size = (this.#size + slice.length) % 0x1_0000_0000;
      if (!this.#deflate.push(slice, false)) throw new Error(`gzip deflate failed: ${this.#deflate.msg ?? 'unknown'}`);
      await this.#flushOut();
    }
    this.#spare.push(frame);
    if (!last) return;
    if (!this.#deflate.push(new Uint8Array(0), true)) throw new Error(`gzip deflate failed: ${this.#deflate.msg ?? 'unknown'}`);
    await this.#flushOut();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.#crc >>> 0, 0);
    trailer.writeUInt32LE(this.#size >>> 0, 4);
    await this.#emit(trailer);
  }

  async #flushOut(): Promise<void> {
    const out = this.#out;
    this.#out = [];
    for (const chunk of out) await this.#emit(chunk);
  }

  async close(): Promise<void> {}
}

/** The fixed 10-byte gzip header for a level (RFC 1952): no mtime, no name, OS unknown. */
export function gzipHeader(level: number): Buffer {
  const xfl = level >= 9 ? 2 : level <= 1 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, xfl, 0xff]);
}

/** Compresses a whole tar held in memory (tests and crafted bundles): the same bytes as a build. */
export async function compressBuffer(tar: Buffer, info: CompressionInfo): Promise<Buffer> {
  const parts: Buffer[] = [];
  const encoder = createEncoder(info, (bytes) => void parts.push(Buffer.from(bytes)));
  try {
    let at = 0;
    do {
      const frame = encoder.nextFrame();
      const n = tar.copy(frame, 0, at, at + FRAME_BYTES);
      at += n;
      await encoder.push(frame, n, at >= tar.length);
    } while (at < tar.length);
  } finally {
    await encoder.close();
  }
  return Buffer.concat(parts);
}

/** Recognises the codec of a bundle from its first bytes. */
export function sniffCodec(head: Buffer): Codec {
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  return 'none';
}

export function createDecompressor(codec: Codec): Transform {
  if (codec === 'zstd') return zlib.createZstdDecompress({ chunkSize: 1 << 20 });
  if (codec === 'gzip') return zlib.createGunzip({ chunkSize: 1 << 20 });
  return new Transform({ transform: (chunk, _enc, cb) => cb(null, chunk) });
}

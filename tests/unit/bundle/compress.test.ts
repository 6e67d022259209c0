import { createHash, randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compressBuffer, compressionInfo, gzipHeader, parseCodec, sniffCodec, type Codec } from '../../../src/bundle/compress.js';
import { FRAME_BYTES, ZSTD_LIBRARY, ZSTD_VERSION, zstdCompressBound, zstdEngineFor } from '../../../src/bundle/zstd-format.js';
import { ZstdPool } from '../../../src/bundle/zstd-pool.js';

const compress = (codec: Codec, bytes: Buffer) => compressBuffer(bytes, compressionInfo(codec));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A seeded xorshift stream: "random" bytes that are the same on every run. */
function seeded(length: number, seed = 7): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeInt32LE(x | 0, i);
  }
  return out;
}

// Mixed data: compressible text plus random bytes, ~3 MiB.
const text = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `${i},${(i * 7919) % 1000},label${i % 7}\n`).join(''));
const data = Buffer.concat([text, randomBytes(1 << 20), text]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

describe.each(['zstd', 'gzip'] as const)('%s compressor', (codec) => {
  it('gives the same bytes every time', async () => {
    expect(sha(await compress(codec, data))).toBe(sha(await compress(codec, data)));
  });

  it('round-trips through the standard decoder', async () => {
    const packed = await compress(codec, data);
    const unpacked = codec === 'zstd' ? zlib.zstdDecompressSync(packed) : zlib.gunzipSync(packed);
    expect(unpacked.equals(data)).toBe(true);
    expect(sniffCodec(packed)).toBe(codec);
  });
});

/** Walks the frames of a zstd file: each frame's header descriptor and declared content size. */
function zstdFrames(packed: Buffer): { descriptor: number; contentSize: number; at: number }[] {
  const frames = [];
  let at = 0;
  while (at < packed.length) {
    expect(packed.subarray(at, at + 4).equals(ZSTD_MAGIC)).toBe(true);
    const descriptor = packed[at + 4]!;
    const fcsFlag = descriptor >> 6;
    const single = (descriptor >> 5) & 1;
    const fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
    const headerEnd = at + 5 + (single ? 0 : 1) + fcsBytes; // no dictionary id (descriptor bits 0-1 are 0)
    const contentSize = fcsBytes === 1 ? packed[headerEnd - 1]! : fcsBytes === 2 ? packed.readUInt16LE(headerEnd - 2) + 256 : fcsBytes === 4 ? packed.readUInt32LE(headerEnd - 4) : Number(packed.readBigUInt64LE(headerEnd - 8));
    let p = headerEnd;
    for (;;) {
      const block = packed.readUIntLE(p, 3);
      const type = (block >> 1) & 3;
      const size = block >> 3;
      p += 3 + (type === 1 ? 1 : size);
      if (block & 1) break;
    }
    if (descriptor & 4) p += 4; // content checksum
    frames.push({ descriptor, contentSize, at });
    at = p;
  }
  return frames;
}

describe('the format\'s zstd frames (zstd-format.ts)', () => {
  it('cuts the tar into fixed frames, each with its content size and no checksum, that the stock zstd tool decodes', async () => {
    const big = Buffer.concat([data, data, data, data]); // ~12 MiB: several frames
    const packed = await compress('zstd', big);
    const frames = zstdFrames(packed);
    expect(frames.map((f) => f.contentSize)).toEqual([FRAME_BYTES, FRAME_BYTES, big.length - 2 * FRAME_BYTES]);
    for (const f of frames) {
      expect(f.descriptor & 4, 'checksum flag').toBe(0);
      expect(f.descriptor & 3, 'dictionary id').toBe(0);
    }
    const unpacked = execFileSync('zstd', ['-dc'], { input: packed, maxBuffer: 1 << 26 });
    expect(unpacked.equals(big)).toBe(true);
  });

  it('each frame is what libzstd\'s one-shot call makes of it (ZSTD_compress2 at level 3)', async () => {
    const packed = await compress('zstd', text);
    const c = zlib.constants;
    const oneShot = zlib.zstdCompressSync(text, { chunkSize: zstdCompressBound(text.length), params: { [c.ZSTD_c_compressionLevel]: 3 } });
    expect(packed.equals(oneShot)).toBe(true);
  });

  it('the pinned WebAssembly libzstd and the runtime\'s libzstd write identical frames', async () => {
    // The suite's own Node (devDependencies) bundles the format's libzstd, so both engines run here.
    expect(process.versions.zstd, 'the test Node must bundle the format\'s libzstd').toBe(ZSTD_VERSION);
    const inputs = [Buffer.from('x'), text.subarray(0, 100_000), seeded(FRAME_BYTES), Buffer.concat([text, seeded(FRAME_BYTES)]).subarray(0, FRAME_BYTES), seeded(3000).fill(0, 1000, 2000)];
    const native = new ZstdPool('native', 1);
    const wasm = new ZstdPool('wasm', 1);
    try {
      for (const input of inputs) {
        const run = async (pool: ZstdPool) => {
          const frame = pool.frame();
          input.copy(frame);
          return pool.compress(frame, input.length);
        };
        const [a, b] = await Promise.all([run(native), run(wasm)]);
        expect(sha(b), `${input.length} bytes`).toBe(sha(a));
        expect(native.compressHere(Buffer.from(input), input.length).equals(a)).toBe(true);
      }
    } finally {
      await Promise.all([native.close(), wasm.close()]);
    }
  });

  it('uses the runtime\'s libzstd only when it is exactly the format\'s version', () => {
    expect(zstdEngineFor(ZSTD_VERSION, true)).toBe('native');
    expect(zstdEngineFor('1.5.6', true)).toBe('wasm');
    expect(zstdEngineFor('1.5.8', true)).toBe('wasm');
    expect(zstdEngineFor(ZSTD_VERSION, false)).toBe('wasm');
    expect(zstdEngineFor(null, false)).toBe('wasm');
  });

  it('records the format\'s codec, not the runtime\'s', () => {
    expect(compressionInfo('zstd')).toEqual({ codec: 'zstd', level: 3, library: ZSTD_LIBRARY });
    expect(ZSTD_LIBRARY).toBe('zstd 1.5.7 (one-shot frames of 4 MiB, content size, no checksum)');
  });
});

describe('gzip framing', () => {
  it('writes a fixed header: no mtime, no name, OS 255, XFL from the level', () => {
    expect(gzipHeader(6).toString('hex')).toBe('1f8b08000000000000ff');
    expect(gzipHeader(9)[8]).toBe(2);
    expect(gzipHeader(1)[8]).toBe(4);
  });

  it('deflate stream equals stock zlib at the same level (Debian python3 zlib), not Node\'s fork', async () => {
    const packed = await compress('gzip', text);
    const stock = execFileSync('/usr/bin/python3', ['-c', 'import sys,zlib;d=sys.stdin.buffer.read();c=zlib.compressobj(6,zlib.DEFLATED,-15);sys.stdout.buffer.write(c.compress(d)+c.flush())'], { input: text, maxBuffer: 1 << 26 });
    expect(packed.subarray(10, packed.length - 8).equals(stock)).toBe(true);
  });

  it('holds the CRC-32 and length of the content in its trailer', async () => {
    const packed = await compress('gzip', text);
    expect(packed.readUInt32LE(packed.length - 8)).toBe(zlib.crc32(text));
    expect(packed.readUInt32LE(packed.length - 4)).toBe(text.length);
  });
});

describe('parseCodec', () => {
  it('names the allowed codecs when given another', () => {
    expect(parseCodec('gzip')).toBe('gzip');
    expect(() => parseCodec('xz')).toThrow(expect.objectContaining({ code: 'E_USAGE', hint: expect.stringContaining('zstd, gzip, none') }));
  });

  it('records the library that made the bytes', () => {
    expect(compressionInfo('gzip').library).toMatch(/^pako \d+\.\d+\.\d+/);
    expect(compressionInfo('none')).toEqual({ codec: 'none', level: null, library: null });
  });
});

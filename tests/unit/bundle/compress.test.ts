import { Readable } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pipeline } from 'node:stream/promises';
import { compressionInfo, compressionStages, gzipHeader, parseCodec, sniffCodec, type Codec } from '../../../src/bundle/compress.js';

async function compress(codec: Codec, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), ...compressionStages(compressionInfo(codec)), async (source: AsyncIterable<Buffer>) => {
    for await (const c of source) out.push(c);
  });
  return Buffer.concat(out);
}

function splitAt(data: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  let k = 0;
  while (i < data.length) {
    const n = sizes[k++ % sizes.length]!;
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

// Mixed data: compressible text plus random bytes, ~3 MiB.
const text = Buffer.from(Array.from({ length: 60_000 }, (_, i) => `${i},${(i * 7919) % 1000},label${i % 7}\n`).join(''));
const data = Buffer.concat([text, randomBytes(1 << 20), text]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

describe.each(['zstd', 'gzip'] as const)('%s compressor', (codec) => {
  it('produces the same bytes however the input is chunked', async () => {
    const a = await compress(codec, [data]);
    const b = await compress(codec, splitAt(data, [1, 511, 512, 65_536, 1 << 20]));
    const c = await compress(codec, splitAt(data, [4096]));
    expect(createHash('sha256').update(b).digest('hex')).toBe(createHash('sha256').update(a).digest('hex'));
    expect(c.equals(a)).toBe(true);
  });

  it('round-trips through the standard decoder', async () => {
    const packed = await compress(codec, [data]);
    const unpacked = codec === 'zstd' ? zlib.zstdDecompressSync(packed) : zlib.gunzipSync(packed);
    expect(unpacked.equals(data)).toBe(true);
    expect(sniffCodec(packed)).toBe(codec);
  });
});

describe('gzip framing', () => {
  it('writes a fixed header: no mtime, no name, OS 255, XFL from the level', () => {
    expect(gzipHeader(6).toString('hex')).toBe('1f8b08000000000000ff');
    expect(gzipHeader(9)[8]).toBe(2);
    expect(gzipHeader(1)[8]).toBe(4);
  });

  it('deflate stream equals stock zlib at the same level (Debian python3 zlib), not Node\'s fork', async () => {
    const packed = await compress('gzip', [text]);
    const stock = execFileSync('/usr/bin/python3', ['-c', 'import sys,zlib;d=sys.stdin.buffer.read();c=zlib.compressobj(6,zlib.DEFLATED,-15);sys.stdout.buffer.write(c.compress(d)+c.flush())'], { input: text, maxBuffer: 1 << 26 });
    expect(packed.subarray(10, packed.length - 8).equals(stock)).toBe(true);
  });

  it('holds the CRC-32 and length of the content in its trailer', async () => {
    const packed = await compress('gzip', [text]);
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
    expect(compressionInfo('zstd').library).toMatch(/^zstd \d+\.\d+\.\d+ \(\d+ MiB frames\)$/);
    expect(compressionInfo('gzip').library).toMatch(/^pako \d+\.\d+\.\d+/);
    expect(compressionInfo('none')).toEqual({ codec: 'none', level: null, library: null });
  });
});

describe('zstd frames', () => {
  it('cuts the input into independent fixed-size frames that the stock zstd tool decodes', async () => {
    const big = Buffer.concat([data, data, data, data]); // ~12 MiB: several frames
    const packed = await compress('zstd', [big]);
    let frames = 0;
    for (let i = packed.indexOf(ZSTD_MAGIC); i !== -1; i = packed.indexOf(ZSTD_MAGIC, i + 4)) frames++;
    expect(frames).toBeGreaterThanOrEqual(2);
    const unpacked = execFileSync('zstd', ['-dc'], { input: packed, maxBuffer: 1 << 26 });
    expect(unpacked.equals(big)).toBe(true);
    // Frames are cut at the same tar offsets whether a frame arrives whole (compressed in place)
    // or is copied together from pieces that straddle frame boundaries.
    const pieces = await compress('zstd', splitAt(big, [1, 4095, 1 << 20, 5 << 20, 3]));
    expect(pieces.equals(packed)).toBe(true);
  });
});

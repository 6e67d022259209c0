// A self-check at the end of every compressed bundle: the CRC-32 and length of all compressed
// bytes before it, in a frame that standard decoders skip (a zstd skippable frame; an empty
// gzip member whose FEXTRA field holds them). Decoders accept some altered compressed streams
// that still decode to the same content; this makes a changed byte of the file detectable
// without a digest from elsewhere (CRC-32 catches every burst of up to 32 bits). It catches
// damage, not an attacker: use --digest or repro.lock for that.
import type { Codec } from './compress.js';

const ZSTD_SKIPPABLE_MAGIC = 0x184d2a5e;
const TAG = Buffer.from('RPRO', 'latin1');
/** CRC-32 (4 bytes, LE) then length modulo 2^64 (8 bytes, LE). */
const DIGEST_BYTES = 12;

/** zstd: magic(4) size(4) tag(4) check(12). */
const ZSTD_TRAILER = 8 + TAG.length + DIGEST_BYTES;
/** gzip: header(10) xlen(2) subfield id+len(4) check(12) empty final block(2) crc(4) isize(4). */
const GZIP_TRAILER = 10 + 2 + 4 + DIGEST_BYTES + 2 + 8;

export function trailerSize(codec: Codec): number {
  return codec === 'zstd' ? ZSTD_TRAILER : codec === 'gzip' ? GZIP_TRAILER : 0;
}

export function makeTrailer(codec: Codec, digest: Buffer): Buffer {
  if (codec === 'zstd') {
    const out = Buffer.alloc(ZSTD_TRAILER);
    out.writeUInt32LE(ZSTD_SKIPPABLE_MAGIC, 0);
    out.writeUInt32LE(TAG.length + DIGEST_BYTES, 4);
    TAG.copy(out, 8);
    digest.copy(out, 8 + TAG.length);
    return out;
  }
  if (codec === 'gzip') {
    const out = Buffer.alloc(GZIP_TRAILER);
    Buffer.from([0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff]).copy(out, 0);
    out.writeUInt16LE(4 + DIGEST_BYTES, 10);
    out.write('RP', 12, 'latin1');
    out.writeUInt16LE(DIGEST_BYTES, 14);
    digest.copy(out, 16);
    out[16 + DIGEST_BYTES] = 0x03; // final fixed-Huffman block holding only end-of-block
    out[17 + DIGEST_BYTES] = 0x00; // CRC-32 and ISIZE of the empty member stay 0
    return out;
  }
  return Buffer.alloc(0);
}

/** The digest a trailer carries, or null when the bytes are not a well-formed trailer. */
export function parseTrailer(codec: Codec, bytes: Buffer): Buffer | null {
  if (bytes.length !== trailerSize(codec) || codec === 'none') return null;
  const digestAt = codec === 'zstd' ? 8 + TAG.length : 16;
  const expected = makeTrailer(codec, bytes.subarray(digestAt, digestAt + DIGEST_BYTES));
  return expected.equals(bytes) ? Buffer.from(bytes.subarray(digestAt, digestAt + DIGEST_BYTES)) : null;
}

/** The 12-byte check a trailer carries for `length` payload bytes with CRC-32 `crc`. */
export function payloadCheck(crc: number, length: number): Buffer {
  const out = Buffer.alloc(DIGEST_BYTES);
  out.writeUInt32LE(crc >>> 0, 0);
  out.writeBigUInt64LE(BigInt(length), 4);
  return out;
}

// The zstd frame header repro's compressor writes for a level, found by asking the compressor
// itself (streamed, so the content size is unknown, exactly as in a real build). verify
// compares a bundle's first bytes with it: a damaged window descriptor can otherwise decode.
import zlib from 'node:zlib';

const cache = new Map<number, Promise<Buffer>>();

export function expectedZstdFrameHeader(level: number): Promise<Buffer> {
  let found = cache.get(level);
  if (!found) {
    found = new Promise<Buffer>((resolve, reject) => {
      const z = zlib.createZstdCompress({
        params: {
          [zlib.constants.ZSTD_c_compressionLevel]: level,
          [zlib.constants.ZSTD_c_checksumFlag]: 1,
          [zlib.constants.ZSTD_c_nbWorkers]: 0,
        },
      });
      const parts: Buffer[] = [];
      z.on('data', (c: Buffer) => parts.push(c));
      z.on('error', reject);
      z.on('end', () => resolve(frameHeader(Buffer.concat(parts))));
      z.write(Buffer.alloc(1024));
      setImmediate(() => z.end(Buffer.alloc(1024)));
    });
    cache.set(level, found);
  }
  return found;
}

/** Magic number, frame header descriptor and window descriptor (6 bytes when present). */
export function frameHeader(frame: Buffer): Buffer {
  if (frame.length < 5) return frame;
  const fhd = frame[4]!;
  const singleSegment = (fhd & 0x20) !== 0;
  return frame.subarray(0, singleSegment ? 5 : 6);
}

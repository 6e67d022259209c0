// Opens a bundle file as a stream of uncompressed tar bytes, whatever its codec, with taps on
// both sides of the decompressor: one sees the file's bytes, one the tar's.
import { createReadStream, promises as fs } from 'node:fs';
import { PassThrough, Readable, Transform } from 'node:stream';
import { ReproError, fsError } from '../core/errors.js';
import { createDecompressor, sniffCodec, type Codec } from './compress.js';

export interface BundleStream {
  codec: Codec;
  /** The first 16 bytes of the file. */
  head: Buffer;
  size: number;
  /** Uncompressed tar bytes. */
  tar: AsyncIterable<Buffer>;
  /** Stops reading (after an error in the consumer). */
  close(): void;
}

export interface OpenOptions {
  /**
   * The file's bytes as they arrive (a download being written to `file`), instead of reading
   * `file`: verification in the same pass as the transfer. `size` is the size they add up to.
   */
  source?: { chunks: AsyncIterable<Buffer>; size: number };
  /** Sees every byte of the file; a returned promise holds reading until it settles. */
  onFileBytes?: (chunk: Buffer) => Promise<void> | undefined | void;
  /** Sees every byte of the tar; a returned promise holds reading until it settles. */
  onTarBytes?: (chunk: Buffer) => Promise<void> | undefined | void;
}

/** The first 16 bytes of a source (for the codec), and a stream of all of its bytes. */
async function sourceWithHead(chunks: AsyncIterable<Buffer>): Promise<{ head: Buffer; stream: Readable }> {
  const it = chunks[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let have = 0;
  while (have < 16) {
    const n = await it.next();
    if (n.done) break;
    first.push(n.value);
    have += n.value.length;
  }
  const head = Buffer.concat(first).subarray(0, 16);
  const stream = Readable.from(
    (async function* () {
      yield* first;
      for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
    })(),
    { objectMode: false },
  );
  return { head, stream };
}

export async function openBundle(file: string, options: OpenOptions = {}): Promise<BundleStream> {
  if (options.source) {
    const { head, stream } = await sourceWithHead(options.source.chunks);
    return assemble(stream, sniffCodec(head), head, options.source.size, options);
  }
  const stat = await fs.stat(file).catch((err) => {
    throw fsError(err, file, 'cannot read the bundle');
  });
  if (!stat.isFile()) {
    throw new ReproError('E_INPUT', `not a file: ${file}`, {
      hint: 'Pass the path of a .repro.tar.zst, .repro.tar.gz or .repro.tar file.',
      details: { path: file },
    });
  }
  const head = await readRange(file, 0, 16);
  return assemble(createReadStream(file, { highWaterMark: 1 << 20 }), sniffCodec(head), head, stat.size, options);
}

function assemble(input: Readable, codec: Codec, head: Buffer, size: number, options: OpenOptions): BundleStream {
  const onFile = options.onFileBytes;
  const tapped = onFile
    ? input.pipe(
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            const wait = onFile(chunk);
            if (wait) wait.then(() => cb(null, chunk), cb);
            else cb(null, chunk);
          },
        }),
      )
    : input;
  const decompressor = createDecompressor(codec);
  const out = tapped.pipe(decompressor).pipe(new PassThrough({ highWaterMark: 1 << 20 }));
  input.on('error', (err) => decompressor.destroy(err));
  if (tapped !== input) tapped.on('error', (err: Error) => decompressor.destroy(err));
  decompressor.on('error', (err) => out.destroy(err));
  const onTar = options.onTarBytes;
  const tar = (async function* () {
    for await (const chunk of out) {
      const wait = onTar?.(chunk as Buffer);
      if (wait) await wait;
      yield chunk as Buffer;
    }
  })();
  return { codec, head, size, tar, close: () => input.destroy() };
}

/** Reads `length` bytes at `position` (fewer at the end of the file). */
export async function readRange(file: string, position: number, length: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r').catch((err) => {
    throw fsError(err, file, 'cannot read the bundle');
  });
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Wraps a decoder failure (bad zstd/gzip data) as an integrity error. */
export function decodeError(err: unknown, codec: Codec): ReproError {
  return new ReproError('E_INTEGRITY', `the bundle cannot be decompressed: ${(err as Error).message}`, {
    hint: 'The bundle is damaged or truncated. Rebuild it, or fetch it again from its source.',
    details: { codec, cause: (err as Error).message },
    cause: err,
  });
}

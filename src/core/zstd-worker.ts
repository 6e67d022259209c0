// The worker thread behind src/bundle/zstd-pool.ts: compresses each frame it is sent in one
// call, with the runtime's libzstd (zstdCompressSync into a buffer of at least
// ZSTD_compressBound bytes, which libzstd compresses in one pass, exactly as ZSTD_compress2)
// or with the pinned WebAssembly build, and sends the frame's buffer back for reuse.
import { parentPort, workerData } from 'node:worker_threads';
import zlib from 'node:zlib';

export type ZstdWorkerSetup =
  /** params: libzstd parameters (ZSTD_c_* -> value), from the pool, which holds the format's. */
  | { engine: 'native'; params: Record<number, number> }
  | {
      engine: 'wasm';
      level: number;
      /** The libzstd version the format is defined by; the WebAssembly build must report it. */
      version: string;
      /** file: URL of @hpcc-js/wasm-zstd's entry module, resolved by the pool. */
      wasmModule: string;
    };

export interface ZstdJob {
  id: number;
  frame: ArrayBuffer;
  length: number;
}

export type ZstdAnswer =
  | { id: number; out: ArrayBuffer; length: number; frame: ArrayBuffer }
  | { id: number; error: string };

interface WasmZstd {
  version(): string;
  compress(data: Uint8Array, level: number): Uint8Array;
}

const setup = workerData as ZstdWorkerSetup;

/** ZSTD_compressBound (zstd.h); zstd-format.ts has the same, which a worker cannot import. */
function bound(size: number): number {
  return size + (size >> 8) + (size < 128 << 10 ? ((128 << 10) - size) >> 11 : 0);
}

async function compressor(): Promise<(input: Uint8Array) => Uint8Array> {
  if (setup.engine === 'native') {
    const { params } = setup;
    return (input) => zlib.zstdCompressSync(input, { chunkSize: Math.max(64, bound(input.length)), params });
  }
  const mod = (await import(setup.wasmModule)) as { Zstd: { load(): Promise<WasmZstd> } };
  const wasm = await mod.Zstd.load();
  const { level } = setup;
  if (wasm.version() !== setup.version) throw new Error(`the bundled WebAssembly libzstd is ${wasm.version()}, the bundle format needs ${setup.version}`);
  return (input) => wasm.compress(input, level);
}

const ready = compressor();
ready.catch(() => {}); // reported with the first job

parentPort!.on('message', (job: ZstdJob) => {
  ready
    .then((compress) => {
      const out = compress(new Uint8Array(job.frame, 0, job.length));
      // Hand the output's own buffer over when it is not a slice of a shared pool; else a copy
      // (Uint8Array.slice: Buffer.slice would be a view of the pool).
      const own = out.byteOffset === 0 && out.buffer.byteLength > 8192 ? out : Uint8Array.prototype.slice.call(out);
      const answer: ZstdAnswer = { id: job.id, out: own.buffer as ArrayBuffer, length: own.length, frame: job.frame };
      parentPort!.postMessage(answer, [own.buffer as ArrayBuffer, job.frame]);
    })
    .catch((err: Error) => parentPort!.postMessage({ id: job.id, error: err.message } satisfies ZstdAnswer));
});

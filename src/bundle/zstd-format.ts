// The bundle format's zstd codec, defined here and nowhere else (docs/REPRODUCIBILITY.md says
// the same in words). The tar is cut into frames of exactly FRAME_BYTES (the last one shorter);
// each frame is what ZSTD_compress2() of libzstd ZSTD_VERSION makes of it in one call with
// every parameter at its default except the level: content size in the frame header (the
// input's size is known, so libzstd is always told it), no checksum (the bundle's sha256
// digests already cover every byte), no dictionary. The frames are concatenated in order.
//
// libzstd's output differs between its releases (1.5.6 and 1.5.7 differ on the same input),
// so the codec is the pair (algorithm, library version), not the runtime's zstd. The runtime's
// libzstd makes the frames only when it is exactly ZSTD_VERSION; any other runtime uses the
// pinned WebAssembly build of that version shipped as a dependency (@hpcc-js/wasm-zstd, which
// reports its libzstd version, checked when it loads). Both give the same bytes: one-shot
// compression into a buffer of at least ZSTD_compressBound bytes is ZSTD_compress2 itself.

/** The libzstd release whose one-shot frames define the format. */
export const ZSTD_VERSION = '1.5.7';
/** The compression level every bundle uses. */
export const ZSTD_LEVEL = 3;
/** Tar bytes per frame: every frame but the last holds exactly this many. */
export const FRAME_BYTES = 4 << 20;

/** What the manifest records as the library: the format's codec, not the runtime's. */
export const ZSTD_LIBRARY = `zstd ${ZSTD_VERSION} (one-shot frames of ${FRAME_BYTES >> 20} MiB, content size, no checksum)`;

export type ZstdEngine = 'native' | 'wasm';

/** The runtime's libzstd when it is the format's exact version, else the pinned WebAssembly build. */
export function zstdEngineFor(runtimeZstd: string | null, hasSyncApi: boolean): ZstdEngine {
  return runtimeZstd === ZSTD_VERSION && hasSyncApi ? 'native' : 'wasm';
}

/** ZSTD_compressBound (zstd.h): an output buffer this large makes libzstd compress in one pass. */
export function zstdCompressBound(size: number): number {
  const margin = size < 128 << 10 ? ((128 << 10) - size) >> 11 : 0;
  return size + (size >> 8) + margin;
}

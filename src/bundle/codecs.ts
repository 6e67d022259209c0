// The codec names and their defaults: a leaf module, so the CLI can list them in --help without
// loading the compressors (pako, zlib).

export type Codec = 'zstd' | 'gzip' | 'none';

export const CODECS: readonly Codec[] = ['zstd', 'gzip', 'none'];
export const DEFAULT_CODEC: Codec = 'zstd';
export const DEFAULT_LEVEL: Record<Codec, number | null> = { zstd: 3, gzip: 6, none: null };
export const EXTENSION: Record<Codec, string> = { zstd: '.repro.tar.zst', gzip: '.repro.tar.gz', none: '.repro.tar' };

/** The bundle extension a file name ends with (`.repro.tar.zst`, …), or null. */
export function bundleExtension(name: string): string | null {
  return Object.values(EXTENSION).filter((ext) => name.endsWith(ext)).sort((a, b) => b.length - a.length)[0] ?? null;
}

// How much a bundle may hold before readers refuse it (DESIGN rule 8): a leaf module, so the CLI
// can show and parse the limits without loading the tar reader.

export interface TarLimits {
  maxEntries: number;
  maxTotalBytes: number;
}

export const DEFAULT_LIMITS: TarLimits = { maxEntries: 150_000, maxTotalBytes: 64 * 2 ** 30 };

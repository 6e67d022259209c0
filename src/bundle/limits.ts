// How much a bundle may hold before readers refuse it (DESIGN rule 8): a leaf module, so the CLI
// can show and parse the limits without loading the tar reader.

export interface TarLimits {
  maxEntries: number;
  maxTotalBytes: number;
}

export const DEFAULT_LIMITS: TarLimits = { maxEntries: 150_000, maxTotalBytes: 64 * 2 ** 30 };

/**
 * The largest JSON document repro reads whole into memory: a snapshot or reference run inside a
 * bundle, an attestation file, a referrer artifact's layer (a snapshot of a huge environment is
 * ~1 MiB). Larger ones are refused unread.
 */
export const MAX_DOCUMENT_BYTES = 64 * 2 ** 20;

/** The largest value an ustar numeric field holds (11 octal digits): a size of 8 GiB - 1, an mtime in 2242. */
export const MAX_USTAR_OCTAL = 0o77777777777;

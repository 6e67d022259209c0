// The one way repro writes a point in time into anything it makes: RFC 3339 in whole seconds,
// UTC (`2000-01-01T00:00:00Z`), from SOURCE_DATE_EPOCH's seconds. The OCI manifest, the image's
// labels and the attestations all say `org.opencontainers.image.created` and friends with it, so
// one bundle states one time, spelt one way.

/** Seconds since 1970 as RFC 3339, whole seconds, UTC: `2000-01-01T00:00:00Z`. */
export function epochTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The same instant in ISO 8601's basic form, as snapshot.debian.org spells archive times: `20000101T000000Z`. */
export function basicEpochTime(seconds: number): string {
  return epochTime(seconds).replace(/[-:]/g, '');
}

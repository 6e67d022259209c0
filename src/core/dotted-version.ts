// Dotted numeric versions (drivers, CUDA, glibc, kernels): the one reading of "6.8.0-aws" as
// [6, 8, 0] and the one comparison of two such versions, for the diff rules and the lock needs.

/** The leading dotted numbers of a version ("v12.4", "6.8.0-1020-aws"), or null when it has none. */
export function dottedParts(v: string): number[] | null {
  const m = /^v?(\d+(?:\.\d+)*)/.exec(v.trim());
  return m ? m[1]!.split('.').map(Number) : null;
}

/** -1, 0 or 1 comparing dotted numeric versions (missing parts count as 0); null when either is not numeric. */
export function compareDotted(a: string, b: string): number | null {
  const x = dottedParts(a);
  const y = dottedParts(b);
  if (!x || !y) return null;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

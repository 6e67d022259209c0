// One JSON form for everything repro writes: keys sorted by code point, two-space indent,
// a trailing newline. Equal data gives equal bytes, so files diff cleanly and hash stably.

import { compareUtf8 } from './utf8-order.js';
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// The sorted copy is made without building a path string per value (a 100,000-entry manifest
// would make 600,000 of them); only when a value cannot be held is its path looked up. The
// copy is a plain object, so integer-like keys ("0", "10") come first, as JSON.stringify
// always puts them: a fixed, documented quirk of the form, kept so digests never change.
class Unholdable extends Error {
  constructor(readonly what: string, readonly value: unknown) {
    super(what);
  }
}

function normalize(value: unknown): Json {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new Unholdable(String(value), value);
      return value;
    case 'object': {
      if (Array.isArray(value)) return value.map(normalize);
      // No prototype: a "__proto__" key is data like any other, never the object's prototype.
      const out = Object.create(null) as { [key: string]: Json };
      const keys = Object.keys(value as object).sort(compareUtf8);
      for (const key of keys) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) continue;
        out[key] = normalize(v);
      }
      return out;
    }
    default:
      throw new Unholdable(`a ${typeof value}`, value);
  }
}

/** Where in `root` the first value `bad` sits, as $.a[0].b. */
function pathTo(root: unknown, bad: unknown, at = '$'): string | null {
  if (Object.is(root, bad)) return at;
  if (root === null || typeof root !== 'object') return null;
  for (const [k, v] of Object.entries(root)) {
    const found = pathTo(v, bad, Array.isArray(root) ? `${at}[${k}]` : `${at}.${k}`);
    if (found) return found;
  }
  return null;
}

/** Serializes with sorted keys (undefined members dropped) and a trailing newline. */
export function canonicalJson(value: unknown): string {
  try {
    return `${JSON.stringify(normalize(value), null, 2)}\n`;
  } catch (err) {
    if (err instanceof Unholdable) throw new TypeError(`canonical JSON cannot hold ${err.what} at ${pathTo(value, err.value) ?? '$'}`);
    throw err;
  }
}

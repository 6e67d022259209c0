// One JSON form for everything repro writes: keys sorted by code point, two-space indent,
// a trailing newline. Equal data gives equal bytes, so files diff cleanly and hash stably.

import { compareUtf8 } from './utf8-order.js';
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function normalize(value: unknown, path: string): Json {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot hold ${value} at ${path}`);
      return value;
    case 'object': {
      if (Array.isArray(value)) return value.map((v, i) => normalize(v, `${path}[${i}]`));
      const out: { [key: string]: Json } = {};
      const keys = Object.keys(value as object).sort(compareUtf8);
      for (const key of keys) {
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) continue;
        out[key] = normalize(v, `${path}.${key}`);
      }
      return out;
    }
    default:
      throw new TypeError(`canonical JSON cannot hold a ${typeof value} at ${path}`);
  }
}


/** Serializes with sorted keys (undefined members dropped) and a trailing newline. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalize(value, '$'), null, 2) + '\n';
}

// Names the tar header fields in which an entry's raw header differs from its canonical
// encoding (mtime, uid, mode, a PAX record where none belongs...), with both values: what verify
// reports for a non-canonical header and what compare reports for two builds' headers.
import { Header } from 'tar';

const HEADER_FIELDS = ['path', 'type', 'mode', 'uid', 'gid', 'size', 'mtime', 'linkpath', 'uname', 'gname', 'devmaj', 'devmin'] as const;

/** Names the header fields that differ from the canonical encoding, with both values. */
export function headerDifference(canonical: Buffer, raw: Buffer): { expected: Record<string, unknown>; actual: Record<string, unknown> } {
  const a = new Header(canonical.subarray(canonical.length - 512));
  const b = new Header(raw.subarray(raw.length - 512));
  const expected: Record<string, unknown> = {};
  const actual: Record<string, unknown> = {};
  for (const field of HEADER_FIELDS) {
    const x = normalizeField(a[field]);
    const y = normalizeField(b[field]);
    if (x !== y) {
      expected[field] = x;
      actual[field] = y;
    }
  }
  if (canonical.length !== raw.length) {
    expected.paxRecord = canonical.length > 512;
    actual.paxRecord = raw.length > 512;
  }
  if (Object.keys(expected).length === 0) {
    expected.bytes = canonical.toString('hex');
    actual.bytes = raw.toString('hex');
  }
  return { expected, actual };
}

function normalizeField(v: unknown): unknown {
  if (v instanceof Date) return v.getTime() / 1000;
  if (typeof v === 'number' && Number.isNaN(v)) return null;
  return v ?? null;
}

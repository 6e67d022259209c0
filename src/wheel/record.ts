// A wheel's RECORD (the .dist-info file listing every file with its hash and size): read as
// Python's csv module writes it (comma-separated, double-quoted when a field needs it, "" for a
// quote), and written back for the installed copy. The hash is `<algorithm>=<urlsafe base64 of
// the digest, no padding>`; RECORD itself (and its signatures) carries none.
import { createHash } from 'node:crypto';
import { ReproError } from '../core/errors.js';

export interface RecordRow {
  path: string;
  /** { algorithm, digest (base64url, no padding) }, or null where the row carries none. */
  hash: { algorithm: string; digest: string } | null;
  size: number | null;
}

/** Algorithms a RECORD may use (the spec forbids md5 and sha1). */
export const RECORD_ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const;

/** The rows of a CSV text, as Python's csv.reader reads the excel dialect. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let touched = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      touched = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
      touched = true;
    } else if (c === '\n' || c === '\r') {
      if (touched || field !== '') {
        row.push(field);
        rows.push(row);
      }
      row = [];
      field = '';
      touched = false;
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else {
      field += c;
      touched = true;
    }
    i++;
  }
  if (touched || field !== '') {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** RECORD's rows. A malformed row (not three fields, a hash of an unknown or forbidden algorithm, a size that is no number) is E_INTEGRITY naming it. */
export function parseRecord(text: string, where: string): RecordRow[] {
  return parseCsv(text).map((fields, n) => {
    const bad = (why: string) => new ReproError('E_INTEGRITY', `${where}: RECORD line ${n + 1} ${why}: ${JSON.stringify(fields.join(',')).slice(0, 200)}`, { hint: 'The wheel is malformed or tampered with; it is not installed.' });
    if (fields.length !== 3) throw bad(`has ${fields.length} fields, not 3`);
    const [p, h, s] = fields as [string, string, string];
    let hash: RecordRow['hash'] = null;
    if (h !== '') {
      const m = /^([a-z0-9]+)=([A-Za-z0-9_-]+)$/.exec(h);
      if (!m || !(RECORD_ALGORITHMS as readonly string[]).includes(m[1]!)) throw bad('has a hash that is not sha256, sha384 or sha512');
      hash = { algorithm: m[1]!, digest: m[2]! };
    }
    if (s !== '' && !/^\d+$/.test(s)) throw bad('has a size that is not a number');
    return { path: p, hash, size: s === '' ? null : Number(s) };
  });
}

/** `<algorithm>=<base64url digest>` of bytes, as RECORD spells it. */
export function recordHash(algorithm: string, bytes: Buffer): string {
  return `${algorithm}=${createHash(algorithm).update(bytes).digest('base64url')}`;
}

/** The urlsafe base64 RECORD form of a hex digest. */
export function hexToRecordDigest(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64url');
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A RECORD text: one row per file, in the order given, lines ending \n. */
export function formatRecord(rows: readonly RecordRow[]): string {
  return rows.map((r) => `${csvField(r.path)},${r.hash ? `${r.hash.algorithm}=${r.hash.digest}` : ''},${r.size ?? ''}\n`).join('');
}

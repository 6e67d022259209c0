// Normalisers for artefacts that embed the time or a random id in bytes that do not carry the
// result: an output declared `normalize: pdf` is also compared with its /CreationDate,
// /ModDate, /ID and XMP dates left out; `normalize: png` without its tIME, tEXt, zTXt and iTXt
// chunks (timestamps, software names). Two files that differ only there are "equivalent", never
// "identical": the verdict says which bytes were set aside. The bytes themselves are hostile
// input: a PNG is walked chunk by chunk with bounds checked, and a file larger than
// MAX_NORMALIZE_BYTES is compared byte for byte only.
import { createHash } from 'node:crypto';
import type { Normalizer } from '../project/types.js';

/** Files larger than this are not normalised (they are read whole to be). */
export const MAX_NORMALIZE_BYTES = 256 * 2 ** 20;

/** What each normaliser sets aside, for the verdict's text. */
export const SET_ASIDE: Record<Normalizer, string> = {
  pdf: 'its /CreationDate, /ModDate, /ID and XMP dates',
  png: 'its tIME, tEXt, zTXt and iTXt chunks',
};

const PDF_FIELDS: ReadonlyArray<[RegExp, string]> = [
  [/\/(CreationDate|ModDate)\s*\([^)]{0,64}\)/g, '/$1 ()'],
  [/\/ID\s*\[\s*<[0-9A-Fa-f]{0,128}>\s*<[0-9A-Fa-f]{0,128}>\s*\]/g, '/ID []'],
  [/<(xmp:CreateDate|xmp:ModifyDate|xmp:MetadataDate)>[^<]{0,64}<\/(xmp:CreateDate|xmp:ModifyDate|xmp:MetadataDate)>/g, '<$1></$2>'],
];

/** The PDF with its dates and ids blanked (latin1 keeps every byte as it is). */
export function normalizePdf(bytes: Buffer): Buffer {
  let text = bytes.toString('latin1');
  for (const [pattern, replacement] of PDF_FIELDS) text = text.replace(pattern, replacement);
  return Buffer.from(text, 'latin1');
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_SET_ASIDE = new Set(['tIME', 'tEXt', 'zTXt', 'iTXt']);

/** The PNG without its metadata chunks; null when it is not a well-formed PNG (compared byte for byte). */
export function normalizePng(bytes: Buffer): Buffer | null {
  if (bytes.length < 8 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return null;
  const kept: Buffer[] = [PNG_SIGNATURE];
  let at = 8;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) return null;
    const length = bytes.readUInt32BE(at);
    const end = at + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) return null;
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (!PNG_SET_ASIDE.has(type)) kept.push(bytes.subarray(at, end));
    at = end;
    if (type === 'IEND') break;
  }
  return Buffer.concat(kept);
}

/** The sha256 of the normalised bytes, or null when this normaliser does not apply to them. */
export function normalizedDigest(kind: Normalizer, bytes: Buffer): string | null {
  const out = kind === 'pdf' ? (bytes.subarray(0, 5).toString('latin1') === '%PDF-' ? normalizePdf(bytes) : null) : normalizePng(bytes);
  return out === null ? null : createHash('sha256').update(out).digest('hex');
}

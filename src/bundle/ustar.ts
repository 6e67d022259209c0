// A direct ustar header encoder for the common canonical entry: an ASCII name under 100 bytes,
// an ASCII link target of at most 100, a size and mtime that fit their octal fields. It writes
// the same 512 bytes as node-tar's Header.encode (tests/unit/bundle/ustar.test.ts compares them
// over every boundary), without the Header object, the Date and the per-field string padding
// that cost ~10 µs an entry: a 100,000-file bundle spent a second in them. Anything else (a
// long or non-ASCII name, a size past 8 GiB) returns false and is left to node-tar, which
// stays the encoder of PAX records and the reader of every bundle.

const BLOCK = 512;
/** The largest number an 12-byte octal field holds with its terminator (node-tar's MAXNUM[12]). */
const MAX_OCTAL_12 = 0o77777777777;
const MAX_OCTAL_8 = 0o7777777;

const TYPE_FLAG = { file: 0x30, directory: 0x35, symlink: 0x32 } as const;

/**
 * Every byte that does not depend on the entry: uid and gid 0, the ustar magic and version,
 * empty user and group names, device numbers 0. Fields are laid out as node-tar lays them.
 */
const TEMPLATE = (() => {
  const b = Buffer.alloc(BLOCK);
  writeOctal(b, 108, 8, 0); // uid
  writeOctal(b, 116, 8, 0); // gid
  b.write('ustar\u000000', 257, 8, 'latin1');
  writeOctal(b, 329, 8, 0); // devmajor
  writeOctal(b, 337, 8, 0); // devminor
  return b;
})();

/** The template's byte sum outside the checksum field (counted as eight spaces). */
const TEMPLATE_SUM = (() => {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += TEMPLATE[i]!;
  return sum;
})();

export interface UstarFields {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  type: keyof typeof TYPE_FLAG;
  linkpath: string;
}

/**
 * Encodes `f` into `block` (512 bytes, overwritten) and returns true, or returns false without
 * a guarantee about `block` when the entry needs what only node-tar writes (a PAX record or a
 * split name).
 */
export function encodeUstar(f: UstarFields, block: Buffer): boolean {
  if (!fitsAscii(f.name, 99) || !fitsAscii(f.linkpath, 100)) return false;
  if (!fitsOctal(f.size, MAX_OCTAL_12) || !fitsOctal(f.mtime, MAX_OCTAL_12) || !fitsOctal(f.mode, MAX_OCTAL_8)) return false;
  TEMPLATE.copy(block, 0, 0, BLOCK);
  let sum = TEMPLATE_SUM;
  sum += writeAscii(block, 0, f.name);
  sum += writeOctal(block, 100, 8, f.mode);
  sum += writeOctal(block, 124, 12, f.size);
  sum += writeOctal(block, 136, 12, f.mtime);
  const flag = TYPE_FLAG[f.type];
  block[156] = flag;
  sum += flag;
  sum += writeAscii(block, 157, f.linkpath);
  writeOctal(block, 148, 8, sum);
  return true;
}

/** Printable-or-not ASCII without NUL, at most `max` characters: what node-tar writes as is. */
function fitsAscii(s: string, max: number): boolean {
  if (s.length > max) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0x7f) return false;
  }
  return true;
}

function fitsOctal(n: number, max: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= max;
}

/** Writes ASCII `s` at `at` (the block is zero there); returns the sum of its bytes. */
function writeAscii(block: Buffer, at: number, s: string): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    block[at + i] = c;
    sum += c;
  }
  return sum;
}

/**
 * node-tar's octal field: the digits zero-padded to size - 2, a space and a NUL; a number with
 * exactly size - 1 digits is written whole with the NUL only. Returns the sum of the bytes.
 */
function writeOctal(block: Buffer, at: number, size: number, n: number): number {
  let digits = n.toString(8);
  let sum = 0;
  if (digits.length < size - 1) {
    digits = digits.padStart(size - 2, '0');
    block[at + size - 2] = 0x20;
    sum += 0x20;
  }
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    block[at + i] = c;
    sum += c;
  }
  block[at + size - 1] = 0;
  return sum;
}

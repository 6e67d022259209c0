// Synchronous file reads shared by exec's cache check and output collection:
// an lstat that says "not there" as null, and a file's sha256 and size read through one reused
// 1 MiB buffer (never the whole file in memory).
import { createHash } from 'node:crypto';
import { lstatSync, readSync, type Stats } from 'node:fs';

/** lstat, or null when nothing is there (or it cannot be looked at). */
export function lstatOrNull(file: string): Stats | null {
  try {
    return lstatSync(file);
  } catch {
    return null;
  }
}

/** The sha256 and size of everything readable from `fd`, read in slices of `buf`. */
export function sha256OfFd(fd: number, buf: Buffer): { sha256: string; size: number } {
  const hash = createHash('sha256');
  let size = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    hash.update(n === buf.length ? buf : buf.subarray(0, n));
    size += n;
  }
  return { sha256: hash.digest('hex'), size };
}

// Synchronous file reads shared by exec's cache check, its locked environments and output collection:
// an lstat that says "not there" as null, and a file's sha256 and size read through one reused
// 1 MiB buffer (never the whole file in memory).
import { createHash } from 'node:crypto';
import { closeSync, constants, lstatSync, openSync, readSync, type Stats } from 'node:fs';

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

const shared = Buffer.allocUnsafe(1 << 20);

/** The sha256 of a regular file, never through a link at its last component (O_NOFOLLOW), never blocking on a FIFO. */
export function sha256OfPath(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    return sha256OfFd(fd, shared).sha256;
  } finally {
    closeSync(fd);
  }
}

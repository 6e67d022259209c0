// The conditions a --verify rebuild changes, after reprotest: another absolute path (with a
// space and non-ASCII letters in it), files created in reverse order, other mtimes, umask 077,
// another time zone and locale, another working directory.
import { chmodSync, closeSync, copyFileSync, fchmodSync, fstatSync, futimesSync, mkdirSync, openSync, readSync, statSync, symlinkSync, utimesSync, writeSync, type Stats } from 'node:fs';
import type { StatKey } from '../core/hash-cache.js';
import { createHash } from 'node:crypto';

const statKey = (st: Stats): StatKey => ({ size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino });
import path from 'node:path';
import { changedError } from '../bundle/changed.js';
import { TextChunks } from '../core/text-chunks.js';
import type { EntryList } from '../bundle/entry-table.js';
import { PROJECT_PREFIX } from '../bundle/layout.js';

export interface Variation {
  name: string;
  value: string;
}

export const VARIANT_ENV = { TZ: 'Pacific/Chatham', LC_ALL: 'sk_SK.UTF-8', LANG: 'sk_SK.UTF-8' } as const;
export const VARIANT_UMASK = '077';

export function describeVariations(copyRoot: string): Variation[] {
  return [
    { name: 'path', value: copyRoot },
    { name: 'folder name', value: path.basename(copyRoot) },
    { name: 'creation order', value: 'reverse' },
    { name: 'mtimes', value: 'shifted per file, from 1994-05-06' },
    { name: 'umask', value: VARIANT_UMASK },
    { name: 'TZ', value: VARIANT_ENV.TZ },
    { name: 'LC_ALL', value: VARIANT_ENV.LC_ALL },
    { name: 'cwd', value: 'the copy\'s parent directory' },
  ];
}

/**
 * Copies the planned entries under `copyRoot` in reverse order with umask-077 modes
 * (0600 / 0700) and shifted mtimes; returns the project-relative paths, reversed, each ended
 * by a NUL (the rebuild's --files-from), as buffers: on a big project a list of strings was
 * 100,000 objects kept alive through both builds.
 */
export async function copyVaried(entries: EntryList, copyRoot: string, seen?: (rel: string, stat: StatKey, sha256: string) => void): Promise<Buffer[]> {
  // Synchronous calls: one system call each, no round trip through the thread pool per file
  // (a 100,000-file project made four of those per file).
  mkdirSync(copyRoot, { recursive: true, mode: 0o700 });
  const made = new Set<string>([copyRoot]);
  const dirFor = (dest: string) => {
    const dir = path.dirname(dest);
    if (made.has(dir)) return;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    made.add(dir);
  };
  const base = 768_182_400; // 1994-05-06T00:00:00Z
  const listed = new TextChunks();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries.at(entries.length - 1 - i)!;
    // Generated entries are generated again, and so are those outside the project (--vendor's wheels, fetched again).
    if ((entry.content && !entry.source) || !entry.path.startsWith(`${PROJECT_PREFIX}/`)) continue;
    const rel = entry.path.slice(PROJECT_PREFIX.length + 1);
    const dest = path.join(copyRoot, rel);
    if (entry.type === 'directory') {
      if (!made.has(dest)) mkdirSync(dest, { recursive: true, mode: 0o700 });
      made.add(dest);
      continue;
    }
    dirFor(dest);
    if (entry.type === 'symlink') {
      symlinkSync(entry.target!, dest);
    } else {
      const copied = copyFile(entry.source!, entry.size, dest, entry.mode & 0o100 ? 0o700 : 0o600, base + i * 7919);
      // A copy whose bytes hash to what the first build hashed is known to the rebuild: its
      // identity is proven, so it need not be read again (a source edited since is not).
      if (seen && entry.sha256 && !entry.content && copied.sha256 === entry.sha256) seen(rel, copied.stat, entry.sha256);
    }
    listed.put(`${rel}\0`);
  }
  const dirTime = base - 86_400;
  for (let k = entries.length - 1; k >= 0; k--) {
    const entry = entries.at(k)!;
    if (entry.type !== 'directory' || !entry.path.startsWith(`${PROJECT_PREFIX}/`)) continue;
    utimesSync(path.join(copyRoot, entry.path.slice(PROJECT_PREFIX.length + 1)), dirTime, dirTime);
  }
  return listed.take();
}

/**
 * One buffer for every small file the copy reads: a Buffer each (100,000 on a big project)
 * was garbage enough to raise build --verify's peak memory by tens of MB.
 */
const SMALL = Buffer.allocUnsafe((1 << 20) + 1);

/** A file of at most 1 MiB, read into SMALL; the view is valid until the next call. */
function readSmall(source: string): Buffer {
  const fd = openSync(source, 'r');
  try {
    let got = 0;
    for (;;) {
      const n = readSync(fd, SMALL, got, SMALL.length - got, null);
      if (n === 0) break;
      got += n;
      if (got === SMALL.length) throw changedError(source); // planned at 1 MiB or less
    }
    return SMALL.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Copies a file of the planned size with the given mode and mtime: small ones read and written through one descriptor. */
function copyFile(source: string, size: number, dest: string, mode: number, mtime: number): { stat: StatKey; sha256: string | null } {
  if (size > 1 << 20) {
    copyFileSync(source, dest);
    chmodSync(dest, mode);
    utimesSync(dest, mtime, mtime);
    return { stat: statKey(statSync(dest)), sha256: null };
  }
  const data = readSmall(source);
  const fd = openSync(dest, 'wx', mode);
  try {
    fchmodSync(fd, mode); // whatever the umask
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
    futimesSync(fd, mtime, mtime);
    return { stat: statKey(fstatSync(fd)), sha256: createHash('sha256').update(data).digest('hex') };
  } finally {
    closeSync(fd);
  }
}

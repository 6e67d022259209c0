// The file copy of build --verify's variations (variations.ts): each file copied with the given
// mode and mtime, small ones read, hashed and written through one descriptor each, so that a
// copy whose bytes hash to what the first build hashed can seed the rebuild's hash cache.
// The same module is the worker thread that copies (and later removes) half of a large project: it imports node's
// modules only (a worker loads src/'s .ts files without the test runner's module resolution),
// and describes a failure as data for the main thread to turn into its error.
import { chmodSync, closeSync, copyFileSync, fchmodSync, fstatSync, futimesSync, openSync, readSync, rmSync, statSync, utimesSync, writeSync, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

/** The files to copy, as parallel arrays (cheap to hand to a worker thread). sha256s: '' when nothing is to be proven. */
export interface CopyJobs {
  /** Where the copies go: each at `${root}/${rel}`. */
  root: string;
  sources: string[];
  rels: string[];
  sizes: number[];
  modes: number[];
  mtimes: number[];
  sha256s: string[];
}

export interface CopyWorkerSetup {
  jobs: CopyJobs;
  /** The index of the worker's first job among all jobs: where its results start in `out`. */
  offset: number;
  out: SharedArrayBuffer;
}

/** Why a copy stopped: a source that is not the file planned, or a system call's failure. */
export type CopyFailure = { kind: 'changed'; path: string } | { kind: 'fs'; message: string; code?: string; errno?: number; syscall?: string; path?: string };

/** Per job: proven (1 when the copy's bytes hash to the job's sha256, else 0), then the copy's size, mtimeMs, ctimeMs, ino. */
export const RESULT_FIELDS = 5;

class Changed extends Error {
  readonly source: string;
  constructor(source: string) {
    super(`changed: ${source}`);
    this.source = source;
  }
}

/** A file system error as data (a worker's errors cross to the main thread as plain objects). */
function fsFailure(err: unknown): CopyFailure {
  const e = err as NodeJS.ErrnoException;
  return { kind: 'fs', message: String(e?.message ?? err), ...(e?.code ? { code: e.code } : {}), ...(e?.errno !== undefined ? { errno: e.errno } : {}), ...(e?.syscall ? { syscall: e.syscall } : {}), ...(e?.path ? { path: e.path } : {}) };
}

/** Copies jobs [from, to), each result at its index in `out`; returns the first failure, or null. */
export function copyRange(jobs: CopyJobs, from: number, to: number, out: Float64Array): CopyFailure | null {
  try {
    for (let j = from; j < to; j++) {
      const copied = copyFile(jobs.sources[j]!, jobs.sizes[j]!, `${jobs.root}/${jobs.rels[j]!}`, jobs.modes[j]!, jobs.mtimes[j]!);
      const at = j * RESULT_FIELDS;
      out[at] = jobs.sha256s[j] !== '' && copied.sha256 === jobs.sha256s[j] ? 1 : 0;
      out[at + 1] = copied.stat.size;
      out[at + 2] = copied.stat.mtimeMs;
      out[at + 3] = copied.stat.ctimeMs;
      out[at + 4] = copied.stat.ino;
    }
    return null;
  } catch (err) {
    if (err instanceof Changed) return { kind: 'changed', path: err.source };
    return fsFailure(err);
  }
}

const statFields = (st: Stats) => ({ size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino });

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
      const ask = SMALL.length - got;
      const n = readSync(fd, SMALL, got, ask, null);
      got += n;
      if (got === SMALL.length) throw new Changed(source); // planned at 1 MiB or less
      // A regular file's short read is its end: one read a file, not a second one to see 0.
      if (n < ask) break;
    }
    return SMALL.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Copies a file of the planned size with the given mode and mtime: small ones read and written through one descriptor. */
function copyFile(source: string, size: number, dest: string, mode: number, mtime: number): { stat: ReturnType<typeof statFields>; sha256: string | null } {
  if (size > 1 << 20) {
    copyFileSync(source, dest);
    chmodSync(dest, mode);
    utimesSync(dest, mtime, mtime);
    return { stat: statFields(statSync(dest)), sha256: null };
  }
  const data = readSmall(source);
  const fd = openSync(dest, 'wx', mode);
  try {
    fchmodSync(fd, mode); // whatever the umask
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
    futimesSync(fd, mtime, mtime);
    return { stat: statFields(fstatSync(fd)), sha256: createHash('sha256').update(data).digest('hex') };
  } finally {
    closeSync(fd);
  }
}

/** Removes each tree (rmSync: one call, the walk in C++); returns the first failure, or null. */
export function removeTrees(trees: readonly string[]): CopyFailure | null {
  try {
    for (const tree of trees) rmSync(tree, { recursive: true, force: true });
    return null;
  } catch (err) {
    return fsFailure(err);
  }
}

// As a worker: copy (or remove) the share handed over, answer with the first failure (or null).
const task = !isMainThread ? (workerData as { copyJobs?: CopyWorkerSetup; removeTrees?: string[] } | null) : null;
if (task?.copyJobs) {
  const setup = task.copyJobs;
  const view = new Float64Array(setup.out).subarray(setup.offset * RESULT_FIELDS);
  parentPort!.postMessage({ failure: copyRange(setup.jobs, 0, setup.jobs.sources.length, view) });
} else if (task?.removeTrees) {
  parentPort!.postMessage({ failure: removeTrees(task.removeTrees) });
}

// The conditions a --verify rebuild changes, after reprotest: another absolute path (with a
// space and non-ASCII letters in it), files created in reverse order, other mtimes, umask 077,
// another time zone and locale, another working directory.
import { mkdirSync, readdirSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { StatKey } from '../core/hash-cache.js';
import { siblingWorker } from '../core/worker-url.js';
import { copyRange, removeTrees, RESULT_FIELDS, type CopyFailure, type CopyJobs, type CopyWorkerSetup } from './copy-worker.js';
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
  // The folders and links are made here, in reverse order; the files are listed as jobs, copied
  // below (on two threads for a large project), each folder's files by one thread in reverse.
  const jobs: CopyJobs = { root: copyRoot, sources: [], rels: [], sizes: [], modes: [], mtimes: [], sha256s: [] };
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
      jobs.sources.push(entry.source!);
      jobs.rels.push(rel);
      jobs.sizes.push(entry.size);
      jobs.modes.push(entry.mode & 0o100 ? 0o700 : 0o600);
      jobs.mtimes.push(base + i * 7919);
      // Only a copy of bytes the first build hashed can be proven (a cut copy's source is not those bytes).
      jobs.sha256s.push(entry.sha256 && !entry.content ? entry.sha256 : '');
    }
    listed.put(`${rel}\0`);
  }
  const results = await copyJobs(jobs);
  // A copy whose bytes hash to what the first build hashed is known to the rebuild: its
  // identity is proven, so it need not be read again (a source edited since is not).
  if (seen) {
    for (let j = 0; j < jobs.rels.length; j++) {
      const at = j * RESULT_FIELDS;
      if (results[at] === 1) seen(jobs.rels[j]!, { size: results[at + 1]!, mtimeMs: results[at + 2]!, ctimeMs: results[at + 3]!, ino: results[at + 4]! }, jobs.sha256s[j]!);
    }
  }
  const dirTime = base - 86_400;
  for (let k = entries.length - 1; k >= 0; k--) {
    const entry = entries.at(k)!;
    if (entry.type !== 'directory' || !entry.path.startsWith(`${PROJECT_PREFIX}/`)) continue;
    utimesSync(path.join(copyRoot, entry.path.slice(PROJECT_PREFIX.length + 1)), dirTime, dirTime);
  }
  return listed.take();
}

/** Projects with at least this many files are copied on two threads (a worker costs ~30 ms to start). */
const PARALLEL_COPY_MIN = 2000;

/**
 * Copies every job. A large project's copy is shared with a worker thread: the copy is file
 * creation, system calls the two cores can make side by side (100,000 files took 3 s on one).
 * The worker takes the second half, starting at a folder's first job, so each folder's files
 * are still made in reverse order by one thread.
 */
async function copyJobs(jobs: CopyJobs): Promise<Float64Array> {
  const n = jobs.sources.length;
  const out = new Float64Array(new SharedArrayBuffer(Math.max(1, n * RESULT_FIELDS) * 8));
  let split = n;
  if (n >= PARALLEL_COPY_MIN) {
    split = n >> 1;
    const dirOf = (j: number) => path.dirname(jobs.rels[j]!);
    while (split < n && dirOf(split) === dirOf(split - 1)) split++;
  }
  const worker = split < n ? startCopyWorker(jobs, split, n, out) : null;
  const mine = copyRange(jobs, 0, split, out);
  const theirs = worker ? await worker : null;
  if (mine !== null) throw revive(mine);
  if (theirs !== null) throw theirs instanceof Error ? theirs : revive(theirs);
  return out;
}

function startCopyWorker(jobs: CopyJobs, from: number, to: number, out: Float64Array): Promise<CopyFailure | Error | null> {
  const slice = <T>(a: T[]) => a.slice(from, to);
  const part: CopyJobs = { root: jobs.root, sources: slice(jobs.sources), rels: slice(jobs.rels), sizes: slice(jobs.sizes), modes: slice(jobs.modes), mtimes: slice(jobs.mtimes), sha256s: slice(jobs.sha256s) };
  const setup: CopyWorkerSetup = { jobs: part, offset: from, out: out.buffer as SharedArrayBuffer };
  return runCopyWorker({ copyJobs: setup });
}

/**
 * Removes a copy made by copyVaried: for one of `files` files or more, its top folders are
 * shared with a worker thread (removing 100,000 files took 0.7 s on one). Throws the first
 * failure, after both halves are done.
 */
export async function removeCopy(copyRoot: string, files: number): Promise<void> {
  let tops: string[];
  try {
    tops = readdirSync(copyRoot).map((name) => path.join(copyRoot, name));
  } catch {
    tops = [];
  }
  const theirs = files >= PARALLEL_COPY_MIN && tops.length >= 2 ? runCopyWorker({ removeTrees: tops.slice(0, tops.length >> 1) }) : null;
  const mine = removeTrees(theirs ? tops.slice(tops.length >> 1) : tops);
  const other = theirs ? await theirs : null;
  if (mine !== null) throw revive(mine);
  if (other !== null) throw other instanceof Error ? other : revive(other);
  rmSync(copyRoot, { recursive: true, force: true });
}

function runCopyWorker(workerData: { copyJobs: CopyWorkerSetup } | { removeTrees: string[] }): Promise<CopyFailure | Error | null> {
  return new Promise((resolve) => {
    const worker = new Worker(siblingWorker(import.meta.url, 'copy-worker'), { workerData, resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 } });
    let answered = false;
    worker.once('message', (msg: { failure: CopyFailure | null }) => {
      answered = true;
      resolve(msg.failure);
    });
    worker.once('error', (err) => {
      answered = true;
      resolve(err);
    });
    worker.once('exit', (code) => {
      if (!answered) resolve(new Error(`the copy's worker thread stopped (exit ${code}) before it was done`));
    });
  });
}

/** A failure as copy-worker.ts describes it, as the error the copy throws. */
function revive(f: CopyFailure): Error {
  if (f.kind === 'changed') return changedError(f.path);
  return Object.assign(new Error(f.message), { code: f.code, errno: f.errno, syscall: f.syscall, path: f.path });
}

// A cached environment folder (the locked Python environment, the locked node_modules): made once
// under <root>/<hex>, shared by every exec that needs the same one. Made in place under a lock
// directory, one maker at a time: concurrent execs wait for it; a maker that died (kill -9) leaves
// a lock whose pid is gone, and the next exec removes what it left and makes it again. Complete
// only when its record (<hex>.json, written last) exists, holding the tree's digest; each reuse
// checks the tree against it (hashes keyed by size, mtime and inode, so an unchanged tree costs a
// stat per file), and an altered environment is made again, said as a warning. Once a check has
// found the tree intact with every file older than two seconds, it also keeps the digest of what
// lstat said of each entry (<hex>.stat); later checks compare that first (a stat per entry and no
// hash cache: 14,577 entries 0.29 s -> 0.17 s here), and only a tree whose stat differs is checked
// in full, which may still find its content intact (a file touched) and keep its new stat.
import { createHash } from 'node:crypto';
import { promises as fs, lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { isProcessAlive, writeFileAtomic } from '../core/atomic-write.js';
import { canonicalJson } from '../core/canonical-json.js';
import type { Logger } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { sha256OfPath } from '../core/file-read.js';
import { HashCache, RACY_MS } from '../core/hash-cache.js';
import { compareUtf8 } from '../core/utf8-order.js';

/** How long an exec waits for another one making the same environment. */
export const WAIT_MS = 30 * 60 * 1000;
const POLL_MS = 100;

/** A file the maker knows: its sha256, and (for a hard link to a store file it has just lstat'ed) what lstat says of it. */
export type KnownFile = string | { sha256: string; size: number; mtimeMs: number; ino: number; mode: number };

/** An entry as lstat describes it, for the stat digest: a file's mtime, size and inode move when it changes (as for the hash cache), a symlink's target is its content. */
function statLine(st: Stats, rel: string, target: string): string {
  return st.isFile() ? `f ${st.mode} ${st.size} ${st.mtimeMs} ${st.ino} ${rel}\n` : st.isSymbolicLink() ? `l ${st.mode} ${target} ${rel}\n` : `${st.isDirectory() ? 'd' : 's'} ${st.mode} ${rel}\n`;
}

/** Hashes text a block at a time: one update per 64 KiB, not per entry. */
class LineHash {
  readonly #h = createHash('sha256');
  #buf = '';
  add(line: string): void {
    this.#buf += line;
    if (this.#buf.length >= 65536) {
      this.#h.update(this.#buf);
      this.#buf = '';
    }
  }
  digest(): string {
    this.#h.update(this.#buf);
    return `sha256:${this.#h.digest('hex')}`;
  }
}

/**
 * The stat digest: sha256 of statLine for every entry, in byte order. Equal to one a full check
 * kept when no file's mtime, size, inode or mode, no symlink's target and no name has changed
 * since: the same trust the hash cache gives a file, for a stat per entry and nothing read. It
 * gives the event loop a turn every few milliseconds (a run started beside it keeps its pipes
 * and usage sampling going).
 */
export async function statDigest(dir: string): Promise<string> {
  const h = new LineHash();
  let slice = performance.now();
  const walk = async (rel: string): Promise<void> => {
    const base = rel === '' ? dir : `${dir}/${rel}`;
    for (const name of readdirSync(base).sort(compareUtf8)) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const abs = `${base}/${name}`;
      const st = lstatSync(abs);
      h.add(statLine(st, r, st.isSymbolicLink() ? readlinkSync(abs) : ''));
      // A folder's entries follow it, before its next sibling (the order treeDigest walks in).
      if (st.isDirectory()) {
        if (performance.now() - slice > YIELD_MS) {
          await new Promise((resume) => setImmediate(resume));
          slice = performance.now();
        }
        await walk(r);
      }
    }
  };
  await walk('');
  return h.digest();
}

/** How long statDigest holds the event loop before giving it a turn. */
const YIELD_MS = 8;

/**
 * sha256 of "<type> <mode> <size> <sha256|target> <path>\n" for every entry, in byte order, and
 * the count. Files in `known` (a maker's own hashes) are not read; those it knows the stat of (the
 * store's inodes it linked) are not even lstat'ed. Without `known` (a reuse's check) it also gives
 * the stat digest, unless a file was changed too recently to trust its mtime (null then).
 */
export async function treeDigest(dir: string, hashRoot: string, nowMs: number, known?: ReadonlyMap<string, KnownFile>): Promise<{ digest: string; files: number; stat: string | null }> {
  const hashes = await new HashCache(hashRoot).load();
  const h = new LineHash();
  const stat = known === undefined ? new LineHash() : null;
  let racy = false;
  let files = 0;
  const walk = (rel: string) => {
    const base = rel === '' ? dir : `${dir}/${rel}`;
    const entries = readdirSync(base, { withFileTypes: true }).sort((a, b) => compareUtf8(a.name, b.name));
    for (const e of entries) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      const abs = `${base}/${e.name}`;
      files++;
      const k = e.isFile() ? known?.get(r) : undefined;
      if (k !== undefined && typeof k !== 'string') {
        hashes.set(r, { size: k.size, mtimeMs: k.mtimeMs, ctimeMs: 0, ino: k.ino }, k.sha256);
        h.add(`f ${k.mode.toString(8)} ${k.size} ${k.sha256} ${r}\n`);
        continue;
      }
      const st = lstatSync(abs);
      const mode = (st.mode & 0o777).toString(8);
      if (st.isSymbolicLink()) {
        const target = readlinkSync(abs);
        h.add(`l ${mode} 0 ${target} ${r}\n`);
        stat?.add(statLine(st, r, target));
        continue;
      }
      stat?.add(statLine(st, r, ''));
      if (st.isDirectory()) {
        h.add(`d ${mode} 0 - ${r}\n`);
        walk(r);
      } else if (st.isFile()) {
        if (st.mtimeMs >= nowMs - RACY_MS) racy = true;
        // Not ctime: every hard link another environment makes to a shared store file moves it,
        // and each environment's next check would read every file again. A change of content
        // moves the mtime (or the size, or the inode when a file is replaced).
        const key = { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: 0, ino: st.ino };
        let sha = hashes.get(r, key);
        if (sha === undefined) {
          sha = k ?? sha256OfPath(abs);
          hashes.set(r, key, sha);
        }
        h.add(`f ${mode} ${st.size} ${sha} ${r}\n`);
      } else h.add(`s ${mode} 0 - ${r}\n`);
    }
  };
  walk('');
  hashes.settle();
  await hashes.save(nowMs);
  return { digest: h.digest(), files, stat: stat && !racy ? stat.digest() : null };
}

/** Whether the tree's stat digest is `kept` (false when the tree cannot be read). */
async function statIntact(dir: string, kept: string): Promise<boolean> {
  try {
    return (await statDigest(dir)) === kept;
  } catch {
    return false;
  }
}

/** A reused environment found changed by the check that ran beside its run's start: the run is stopped, and exec makes the environment again and runs again. */
export class TreeChanged extends ReproError {
  constructor(what: string, dir: string) {
    super('E_ENV', `${what} ${dir} changed since it was made (found while the run started)`, { hint: 'Run again: the environment is made again.', details: { dir } });
  }
}

/** Takes the lock directory, or returns false when a live maker holds it; a dead maker's lock is taken over. */
async function tryLock(lockDir: string): Promise<boolean> {
  try {
    await fs.mkdir(lockDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const pid = Number(await fs.readFile(path.join(lockDir, 'pid'), 'utf8').catch(() => 'NaN'));
    const age = await fs.stat(lockDir).then((s) => Date.now() - s.mtimeMs, () => 0);
    // A lock without a pid yet is a maker between mkdir and its write: young, it is alive.
    if ((Number.isInteger(pid) && pid > 0 && isProcessAlive(pid)) || (!Number.isInteger(pid) && age < 10_000)) return false;
    await fs.rm(lockDir, { recursive: true, force: true });
    return tryLock(lockDir);
  }
  await fs.writeFile(path.join(lockDir, 'pid'), String(process.pid));
  return true;
}

interface TreeRecord {
  schemaVersion: number;
  digest: string;
  tree: string;
  files: number;
  [k: string]: unknown;
}

async function readRecord(file: string, schema: number): Promise<TreeRecord | null> {
  try {
    const r = JSON.parse(await fs.readFile(file, 'utf8')) as TreeRecord;
    return r.schemaVersion === schema && typeof r.tree === 'string' ? r : null;
  } catch {
    return null;
  }
}

export interface CachedTreeRequest {
  /** Where environments of this kind live (<cache>/envs, <cache>/node-envs). */
  root: string;
  /** sha256:<hex> of what the environment is made from. */
  digest: string;
  schema: number;
  /** Fields the record keeps beside the tree's digest (the lock, the interpreter). */
  record: Record<string, unknown>;
  /** Words for messages: "the locked environment". */
  what: string;
  /** Makes the environment in the (emptied) folder; the hashes it already knows need not be read again. */
  make: (dir: string) => Promise<{ known?: ReadonlyMap<string, KnownFile> }>;
  log: Logger;
  nowMs: () => number;
  /**
   * A reuse whose tree has a kept stat digest is not checked here: `pending` checks it, for a
   * caller that starts the run in the sandbox and stops it (TreeChanged) when the check fails.
   * A tree with no kept stat digest is checked in full here, as always.
   */
  deferStatCheck?: boolean;
}

export interface CachedTree {
  dir: string;
  reused: boolean;
  /** deferStatCheck: whether the reused tree's stat is still the kept one (the caller must await it before trusting the run). */
  pending?: () => Promise<boolean>;
}

/** The environment's folder: reused when its tree is intact, else made (once, whatever the number of concurrent execs). */
export async function cachedTree(request: CachedTreeRequest): Promise<CachedTree> {
  const { root, digest, schema } = request;
  await fs.mkdir(root, { recursive: true });
  const hex = digest.slice('sha256:'.length);
  const dir = path.join(root, hex);
  const recordFile = path.join(root, `${hex}.json`);
  const lockDir = path.join(root, `${hex}.lock`);
  const hashRoot = path.join(root, `${hex}.hashes`);
  const statFile = path.join(root, `${hex}.stat`);
  // A full check that found the tree intact keeps its stat digest (best effort: it only saves time).
  const intact = async (now: { stat: string | null }) => {
    if (now.stat !== null) await writeFileAtomic(statFile, now.stat).catch(() => {});
    return { dir, reused: true };
  };
  const started = Date.now();
  for (;;) {
    const record = await readRecord(recordFile, schema);
    if (record) {
      const kept = await fs.readFile(statFile, 'utf8').catch(() => null);
      if (kept !== null && request.deferStatCheck) return { dir, reused: true, pending: () => statIntact(dir, kept) };
      if (kept !== null && (await statIntact(dir, kept))) return { dir, reused: true };
      const now = await treeDigest(dir, hashRoot, request.nowMs()).catch(() => null);
      if (now && now.digest === record.tree) return intact(now);
      request.log.warn(`exec: ${request.what} ${dir} changed since it was made (${now ? `${now.files} entries now, ${record.files} then` : 'unreadable'}): made again`);
    }
    if (await tryLock(lockDir)) {
      try {
        // Another exec may have finished it while this one waited for the lock.
        const again = await readRecord(recordFile, schema);
        if (again && !record) {
          const now = await treeDigest(dir, hashRoot, request.nowMs()).catch(() => null);
          if (now && now.digest === again.tree) return intact(now);
        }
        await fs.rm(recordFile, { force: true });
        await fs.rm(statFile, { force: true });
        await fs.rm(hashRoot, { recursive: true, force: true });
        const made = await request.make(dir);
        const tree = await treeDigest(dir, hashRoot, request.nowMs(), made.known);
        const written: TreeRecord = { ...request.record, schemaVersion: schema, digest, tree: tree.digest, files: tree.files };
        await writeFileAtomic(recordFile, canonicalJson(written));
        return { dir, reused: false };
      } finally {
        await fs.rm(lockDir, { recursive: true, force: true });
      }
    }
    if (Date.now() - started > WAIT_MS) throw new ReproError('E_ENV', `another exec has been making ${request.what} ${dir} for ${WAIT_MS / 60000} minutes`, { hint: `If no exec is running, remove ${lockDir} and try again.` });
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

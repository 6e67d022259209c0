// Reading what an entry point left behind, which is hostile input: every component of an
// output's path is lstat'ed (a link anywhere on the way is refused, never followed), a regular
// file is opened with O_NOFOLLOW|O_NONBLOCK and checked again with fstat, a FIFO, socket or
// device is refused and never opened, and content is hashed in 1 MiB slices: flat memory at any
// size. A directory output gets a tree digest over its files, sorted by UTF-8 bytes.
import { createHash } from 'node:crypto';
import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { compareUtf8 } from '../core/utf8-order.js';
import { arrayFormat } from './arrays.js';
import type { OutputRecord, RefusedKind } from '../run-record/record.js';

const SLICE = 1 << 20;
/** Metric text kept for tolerance comparison: files up to this size. */
export const MAX_TEXT = 1 << 20;
/** A directory output may hold at most this many entries (a hostile entry point could make millions). */
export const MAX_DIRECTORY_ENTRIES = 100_000;

function kindOf(st: Stats): RefusedKind | 'file' | 'directory' {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isBlockDevice() || st.isCharacterDevice()) return 'device';
  return 'other';
}

/** Hashes a regular file without following links or blocking on anything that is not one. */
async function hashFile(file: string, textLimit: number): Promise<{ size: number; sha256: string; text?: string; data?: string } | RefusedKind> {
  const handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ELOOP') return 'symlink' as const; // swapped for a link after the lstat
    throw err;
  });
  if (typeof handle === 'string') return handle;
  try {
    const st = await handle.stat();
    const kind = kindOf(st);
    if (kind !== 'file') return kind as RefusedKind;
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(SLICE);
    const text: Buffer[] = [];
    let size = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, SLICE, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      if (size + bytesRead <= textLimit) text.push(Buffer.from(buf.subarray(0, bytesRead)));
      size += bytesRead;
    }
    const bytes = size <= textLimit ? Buffer.concat(text) : null;
    const kept = bytes ? asText(bytes) : null;
    // A small array file with a tolerance keeps its bytes, so a later run can compare elements.
    const data = bytes && kept === null && arrayFormat(file) ? bytes.toString('base64') : null;
    return { size, sha256: hash.digest('hex'), ...(kept !== null ? { text: kept } : {}), ...(data !== null ? { data } : {}) };
  } finally {
    await handle.close();
  }
}

const lstatOrNull = (p: string) => fs.lstat(p).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' || err.code === 'ENOTDIR' ? null : Promise.reject(err)));

/** Text only when it is UTF-8 without NUL: a binary file keeps its hash alone. */
function asText(bytes: Buffer): string | null {
  if (bytes.includes(0)) return null;
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : null;
}

/** Records one output (`rel` is already a safe, normalized relative path); a file's text is kept up to `textLimit` bytes (0: never). */
export async function readOutput(root: string, rel: string, textLimit: number): Promise<OutputRecord> {
  const missing: OutputRecord = { path: rel, size: null, sha256: null };
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    const st = await lstatOrNull(path.join(root, prefix));
    if (st === null) return missing;
    const kind = kindOf(st);
    if (kind !== 'directory') return kind === 'file' ? missing : { ...missing, refused: { path: prefix, kind } };
  }
  const target = path.join(root, rel);
  const st = await lstatOrNull(target);
  if (st === null) return missing;
  const kind = kindOf(st);
  if (kind === 'directory') return readDirectory(target, rel);
  if (kind !== 'file') return { ...missing, refused: { path: rel, kind } };
  const h = await hashFile(target, textLimit);
  if (typeof h === 'string') return { ...missing, refused: { path: rel, kind: h } };
  return { path: rel, size: h.size, sha256: h.sha256, ...(h.text !== undefined ? { text: h.text } : {}), ...(h.data !== undefined ? { data: h.data } : {}) };
}

async function readDirectory(dir: string, rel: string): Promise<OutputRecord> {
  const files: Array<{ path: string; size: number; sha256: string }> = [];
  let seen = 0;
  let refused: OutputRecord['refused'];
  const walk = async (abs: string, sub: string): Promise<void> => {
    // Names as bytes: one that is not UTF-8 cannot be recorded, compared or even named again
    // (Node would read it back as another name); it is refused, never a crash.
    const raw = await fs.readdir(abs, { encoding: 'buffer' });
    const names: string[] = [];
    for (const b of raw) {
      const name = b.toString('utf8');
      if (Buffer.from(name, 'utf8').equals(b)) names.push(name);
      else refused ??= { path: `${rel}/${sub ? `${sub}/` : ''}${JSON.stringify(b.toString('latin1')).slice(1, -1)}`, kind: 'name' };
    }
    for (const name of names.sort(compareUtf8)) {
      if (++seen > MAX_DIRECTORY_ENTRIES) throw new Error(`more than ${MAX_DIRECTORY_ENTRIES} entries`);
      const childRel = sub ? `${sub}/${name}` : name;
      const st = await fs.lstat(path.join(abs, name));
      const kind = kindOf(st);
      if (kind === 'directory') await walk(path.join(abs, name), childRel);
      else if (kind === 'file') {
        const h = await hashFile(path.join(abs, name), 0);
        if (typeof h === 'string') refused ??= { path: `${rel}/${childRel}`, kind: h };
        else files.push({ path: childRel, size: h.size, sha256: h.sha256 });
      } else refused ??= { path: `${rel}/${childRel}`, kind };
    }
  };
  try {
    await walk(dir, '');
  } catch (err) {
    if ((err as Error).message.startsWith('more than')) return { path: rel, size: null, sha256: null, refused: { path: rel, kind: 'other' } };
    throw err;
  }
  files.sort((a, b) => compareUtf8(a.path, b.path));
  const tree = createHash('sha256');
  for (const f of files) tree.update(`${f.path}\0${f.size}\0${f.sha256}\n`);
  const size = files.reduce((n, f) => n + f.size, 0);
  return { path: rel, size, sha256: `tree:${tree.digest('hex')}`, files, ...(refused ? { refused } : {}) };
}

// Unpacking a wheel, which is hostile input like any bundle: every member is checked before it is
// trusted and nothing of the wheel runs. yauzl reads the zip (central directory, sizes validated
// against what each member inflates to, names refused when absolute or with a `..` or backslash);
// on top of that a member must be a plain file or folder (no symlink), named once, with no empty,
// `.` or NUL segment; the members and their total size are bounded (zip bombs). Then the wheel's
// own claims are checked: one .dist-info named as the file is, a WHEEL of version 1.x, and a RECORD
// that tells the truth: every member listed with the hash and size it really has, nothing listed
// that is not there (a RECORD that lies is E_INTEGRITY naming the member). Entry points become
// scripts later (install.ts), so their names and targets must be plain identifiers here.
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import yauzl from 'yauzl';
import { ReproError } from '../core/errors.js';
import { compareUtf8 } from '../core/utf8-order.js';
import { normalizeName } from '../lockfile/requirements.js';
import { parseWheelName, wheelDirStem, type WheelName } from './filename.js';
import { parseRecord } from './record.js';
import { unpackOnPool } from './unpack-pool.js';

export interface WheelMember {
  /** The member's path in the wheel (also its path under the unpacked folder). */
  path: string;
  sha256: string;
  size: number;
  /** 0o755 when the zip marks it executable, else 0o644. */
  mode: number;
}

export interface EntryPoint {
  name: string;
  module: string;
  attr: string;
}

export interface UnpackedWheel {
  name: WheelName;
  /** `<stem>.dist-info` and `<stem>.data` as the wheel spells them. */
  distInfo: string;
  dataDir: string;
  rootIsPurelib: boolean;
  members: WheelMember[];
  consoleScripts: EntryPoint[];
  guiScripts: EntryPoint[];
}

export interface UnpackLimits {
  members: number;
  bytes: number;
  /** Wheels up to this size are unpacked on worker threads; larger ones are streamed member by member. */
  inMemoryBytes?: number;
}

/** Larger than any real wheel (torch's CUDA wheels unpack to ~4 GB, ~15,000 members). */
export const DEFAULT_LIMITS: UnpackLimits = { members: 500_000, bytes: 32 * 1024 ** 3 };

/** What a .data folder may hold, and nothing else (the wheel spec's install schemes). */
export const DATA_SCHEMES = ['purelib', 'platlib', 'headers', 'scripts', 'data'] as const;

const bad = (file: string, why: string, details: Record<string, unknown> = {}) =>
  new ReproError('E_INTEGRITY', `${file}: ${why}: the wheel is not installed`, { hint: 'The wheel is malformed or tampered with. Nothing of it was kept; lock and fetch it again from a trusted index.', details: { wheel: file, ...details } });

/** Why a member name is refused, or null (yauzl has refused absolute paths, `..` and backslashes already). */
export function memberNameProblem(name: string): string | null {
  if (name === '' || name.includes('\0')) return 'an empty name or one with a NUL';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\')) return 'an absolute path';
  const parts = name.replace(/\/$/, '').split('/');
  if (parts.includes('..')) return 'a path that leaves the wheel (..)';
  if (parts.some((p) => p === '' || p === '.')) return 'an empty or "." path segment';
  return null;
}

/** Parses the email-header metadata files (WHEEL) into the first value of each field. */
function headers(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m && !out.has(m[1]!.toLowerCase())) out.set(m[1]!.toLowerCase(), m[2]!.trim());
  }
  return out;
}

const IDENTIFIER_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const SCRIPT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;

/** The [console_scripts] and [gui_scripts] of an entry_points.txt; a target that is not `module:attr` of plain identifiers is refused (it becomes Python source in a script). */
export function parseEntryPoints(text: string, file: string): { console: EntryPoint[]; gui: EntryPoint[] } {
  const out = { console: [] as EntryPoint[], gui: [] as EntryPoint[] };
  let section: 'console' | 'gui' | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1]!.trim() === 'console_scripts' ? 'console' : head[1]!.trim() === 'gui_scripts' ? 'gui' : null;
      continue;
    }
    if (section === null) continue;
    const m = /^([^=]+?)\s*=\s*([^:\s]+)\s*:\s*([^\s[]+)\s*(\[[^\]]*\])?$/.exec(line);
    const name = m?.[1]?.trim() ?? '';
    if (!m || !SCRIPT_NAME.test(name) || name === '.' || name === '..' || !IDENTIFIER_PATH.test(m[2]!) || !IDENTIFIER_PATH.test(m[3]!)) {
      throw bad(file, `entry_points.txt declares a script that is not "name = module:attr" of plain names (${JSON.stringify(line.slice(0, 120))})`);
    }
    out[section].push({ name, module: m[2]!, attr: m[3]! });
  }
  return out;
}

/** Hashes what passes through. */
class Sha256 extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err: Error | null, data: Buffer) => void) {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }
}

const ZIP_OPTIONS = { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true, decodeStrings: true } as const;

function openZip(file: string, bytes: Buffer | null): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: yauzl.ZipFile) => (err || !zip ? reject(err) : resolve(zip));
    if (bytes) yauzl.fromBuffer(bytes, ZIP_OPTIONS, done);
    else yauzl.open(file, ZIP_OPTIONS, done);
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream))));
}

/** Reads the central directory: every entry, checked for name, kind, duplicates and the limits, before any byte is written. */
async function listEntries(zip: yauzl.ZipFile, file: string, limits: UnpackLimits): Promise<yauzl.Entry[]> {
  const entries: yauzl.Entry[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    zip.on('error', (err: Error) => reject(bad(file, `the zip is unreadable or unsafe (${err.message})`)));
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      const name = entry.fileName;
      const problem = memberNameProblem(name);
      if (problem) return reject(bad(file, `member ${JSON.stringify(name)} has ${problem}`, { member: name }));
      const kind = (entry.externalFileAttributes >>> 16) & 0o170000;
      if (kind !== 0 && kind !== 0o100000 && kind !== 0o040000) return reject(bad(file, `member ${JSON.stringify(name)} is a ${kind === 0o120000 ? 'symbolic link' : 'special file'}, which a wheel may not hold`, { member: name }));
      const key = name.replace(/\/$/, '');
      if (seen.has(key)) return reject(bad(file, `member ${JSON.stringify(name)} is in the zip twice`, { member: name }));
      seen.add(key);
      bytes += entry.uncompressedSize;
      if (entries.length >= limits.members || bytes > limits.bytes) return reject(bad(file, `the wheel holds more than ${limits.members} members or ${limits.bytes} bytes unpacked`));
      entries.push(entry);
      zip.readEntry();
    });
    zip.readEntry();
  });
  return entries;
}

/** Wheels up to this size are unpacked on the worker threads (each member inflated whole in memory); larger ones are streamed member by member. */
const POOLED_BYTES = 256 * 1024 * 1024;
/** A slice of a wheel's members sent to one thread: enough work to dwarf the message. */
const SLICE_BYTES = 4 << 20;
const SLICE_MEMBERS = 256;

/** RECORD and its signatures: the members a RECORD hash does not cover (checkWheel checks every other member against its RECORD sha256). */
const outsideRecord = (name: string) => /^[^/]+[.]dist-info\/RECORD([.]jws|[.]p7s)?$/.test(name);

const modeOf = (entry: yauzl.Entry) => (((entry.externalFileAttributes >>> 16) & 0o111) !== 0 ? 0o755 : 0o644);

/** Unpacks `wheelPath` (its file name is `file`) into the empty folder `dest` and checks it. Throws E_INTEGRITY on any problem; the caller removes `dest` then. */
export async function unpackWheel(wheelPath: string, file: string, dest: string, limits: UnpackLimits = DEFAULT_LIMITS): Promise<UnpackedWheel> {
  const name = parseWheelName(file);
  const stem = wheelDirStem(file);
  if (!name || !stem) throw bad(file, 'the file name is not a wheel\'s ({name}-{version}-{python}-{abi}-{platform}.whl)');
  let fileSize: number;
  try {
    fileSize = statSync(wheelPath).size;
  } catch (err) {
    throw unreadable(file, err);
  }
  let members: WheelMember[];
  if (fileSize <= (limits.inMemoryBytes ?? POOLED_BYTES)) {
    members = await pooled(await listWhole(wheelPath, file, limits), wheelPath, file, fileSize, dest);
  } else {
    const zip = await openZip(wheelPath, null).catch((err: unknown) => {
      throw unreadable(file, err);
    });
    try {
      members = await streamed(zip, await listEntries(zip, file, limits), file, dest);
    } finally {
      zip.close();
    }
  }
  members.sort((a, b) => compareUtf8(a.path, b.path));
  return checkWheel(name, stem, file, dest, members);
}

const unreadable = (file: string, err: unknown) => bad(file, `the zip is unreadable or unsafe (${(err as Error).message})`);

/** A pooled wheel's entries: its central directory read from memory (yauzl reads a file's entry by entry, one small read each), the bytes let go once listed, as the threads read the members themselves. */
async function listWhole(wheelPath: string, file: string, limits: UnpackLimits): Promise<yauzl.Entry[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(wheelPath, readFileSync(wheelPath));
  } catch (err) {
    throw unreadable(file, err);
  }
  try {
    return await listEntries(zip, file, limits);
  } finally {
    zip.close();
  }
}

/** Most wheels: slices of members inflated, checked, hashed and written on every core (unpack-worker.ts). */
async function pooled(entries: yauzl.Entry[], wheelPath: string, file: string, fileSize: number, dest: string): Promise<WheelMember[]> {
  const slices: yauzl.Entry[][] = [];
  let slice: yauzl.Entry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    slice.push(entry);
    bytes += entry.uncompressedSize;
    if (bytes >= SLICE_BYTES || slice.length >= SLICE_MEMBERS) {
      slices.push(slice);
      slice = [];
      bytes = 0;
    }
  }
  if (slice.length > 0) slices.push(slice);
  const job = (s: yauzl.Entry[]) => ({
    wheel: wheelPath,
    dest,
    members: s.map((e) => ({ name: e.fileName, offset: e.relativeOffsetOfLocalHeader, compressedSize: e.compressedSize, size: e.uncompressedSize, method: e.compressionMethod, flags: e.generalPurposeBitFlag, crc32: e.crc32, checkCrc: outsideRecord(e.fileName), mode: modeOf(e) })),
  });
  const replies = await Promise.all(slices.map((s) => unpackOnPool(job(s), fileSize)));
  const members: WheelMember[] = [];
  replies.forEach((reply, i) => {
    if ('failed' in reply) {
      const { member, why, code } = reply.failed;
      // A member whose folder is another member's file (a, a/b), and the like.
      if (code !== undefined) throw bad(file, `its members cannot be laid out as files (${why})`, { member });
      throw bad(file, `member ${JSON.stringify(member)} ${why}`, { member });
    }
    reply.ok.forEach((r, j) => {
      const entry = slices[i]![j]!;
      if (!entry.fileName.endsWith('/')) members.push({ path: entry.fileName, sha256: r.sha256, size: r.size, mode: modeOf(entry) });
    });
  });
  return members;
}

/** A wheel too large to inflate member by member in memory: members streamed a few at a time, each hashed as it is written. */
async function streamed(zip: yauzl.ZipFile, entries: yauzl.Entry[], file: string, dest: string): Promise<WheelMember[]> {
  const members: WheelMember[] = [];
  const dirs = new Set<string>([dest]);
  const ensureDir = (d: string) => {
    if (dirs.has(d)) return;
    mkdirSync(d, { recursive: true });
    dirs.add(d);
  };
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const entry = entries[next++]!;
      if (entry.fileName.endsWith('/')) {
        ensureDir(path.join(dest, entry.fileName));
        continue;
      }
      const target = path.join(dest, entry.fileName);
      ensureDir(path.dirname(target));
      const mode = modeOf(entry);
      const stream = await openEntry(zip, entry).catch((err: Error) => {
        throw bad(file, `member ${JSON.stringify(entry.fileName)} cannot be read (${err.message})`, { member: entry.fileName });
      });
      const hasher = new Sha256();
      try {
        await pipeline(stream, hasher, createWriteStream(target, { mode, flags: 'wx' }));
      } catch (err) {
        throw bad(file, `member ${JSON.stringify(entry.fileName)} does not inflate to what the zip says (${(err as Error).message})`, { member: entry.fileName });
      }
      members.push({ path: entry.fileName, sha256: hasher.hash.digest('hex'), size: hasher.size, mode });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker)).catch((err: unknown) => {
    // A member whose folder is another member's file (a, a/b), and the like.
    throw err instanceof ReproError ? err : bad(file, `its members cannot be laid out as files (${(err as Error).message})`);
  });
  return members;
}

/** The wheel's own claims against its members: the .dist-info, WHEEL, RECORD and entry points. */
function checkWheel(name: WheelName, stem: string, file: string, dest: string, members: WheelMember[]): UnpackedWheel {
  const tops = new Set(members.map((m) => m.path.split('/')[0]!));
  const infos = [...tops].filter((t) => t.endsWith('.dist-info'));
  const sameStem = (dir: string, suffix: string) => {
    const s = dir.slice(0, -suffix.length);
    const i = s.lastIndexOf('-');
    return i > 0 && normalizeName(s.slice(0, i)) === name.project && s.slice(i + 1) === name.version;
  };
  if (infos.length !== 1 || !sameStem(infos[0]!, '.dist-info')) throw bad(file, `it must hold exactly one ${stem}.dist-info folder, and holds ${infos.length === 0 ? 'none' : infos.join(', ')}`);
  const distInfo = infos[0]!;
  const datas = [...tops].filter((t) => t.endsWith('.data'));
  if (datas.length > 1 || (datas.length === 1 && !sameStem(datas[0]!, '.data'))) throw bad(file, `it holds a .data folder not named for it (${datas.join(', ')})`);
  const dataDir = datas[0] ?? `${distInfo.slice(0, -'.dist-info'.length)}.data`;
  const byPath = new Map(members.map((m) => [m.path, m]));
  const read = (p: string) => (byPath.has(p) ? readFileSync(path.join(dest, p), 'utf8') : null);
  const wheelText = read(`${distInfo}/WHEEL`);
  if (wheelText === null) throw bad(file, `${distInfo}/WHEEL is missing`);
  const meta = headers(wheelText);
  const version = /^(\d+)\.(\d+)$/.exec(meta.get('wheel-version') ?? '');
  if (!version || version[1] !== '1') throw bad(file, `its WHEEL says Wheel-Version ${JSON.stringify(meta.get('wheel-version') ?? '')}; this installer reads version 1.x`);
  const rootIsPurelib = (meta.get('root-is-purelib') ?? '').toLowerCase() === 'true';
  // RECORD: every member listed, truthfully; nothing listed that is not there.
  const recordPath = `${distInfo}/RECORD`;
  const recordText = read(recordPath);
  if (recordText === null) throw bad(file, `${recordPath} is missing`);
  const rows = parseRecord(recordText, `${file}: ${recordPath}`);
  const unsigned = new Set([recordPath, `${distInfo}/RECORD.jws`, `${distInfo}/RECORD.p7s`]);
  const listed = new Set<string>();
  for (const row of rows) {
    if (listed.has(row.path)) throw bad(file, `RECORD lists ${JSON.stringify(row.path)} twice`, { member: row.path });
    listed.add(row.path);
    const member = byPath.get(row.path);
    if (!member) throw bad(file, `RECORD lists ${JSON.stringify(row.path.slice(0, 200))}, which the wheel does not hold: the RECORD lies`, { member: row.path });
    if (row.hash === null) {
      if (unsigned.has(row.path)) continue;
      throw bad(file, `RECORD gives no hash for ${JSON.stringify(row.path)}`, { member: row.path });
    }
    const got = row.hash.algorithm === 'sha256' ? Buffer.from(member.sha256, 'hex').toString('base64url') : createHash(row.hash.algorithm).update(readFileSync(path.join(dest, row.path))).digest('base64url');
    if (got !== row.hash.digest) throw bad(file, `${row.path} does not match its RECORD hash (RECORD says ${row.hash.algorithm}=${row.hash.digest}, the member is ${row.hash.algorithm}=${got}): the RECORD lies or the member was changed`, { member: row.path, expected: row.hash.digest, actual: got });
    if (row.size !== null && row.size !== member.size) throw bad(file, `${row.path} is ${member.size} bytes and RECORD says ${row.size}`, { member: row.path });
  }
  for (const m of members) if (!listed.has(m.path) && !unsigned.has(m.path)) throw bad(file, `${m.path} is in the wheel but not in its RECORD`, { member: m.path });
  for (const m of members) {
    if (!m.path.startsWith(`${dataDir}/`)) continue;
    const scheme = m.path.split('/')[1];
    if (!(DATA_SCHEMES as readonly string[]).includes(scheme ?? '') || m.path.split('/').length < 3) throw bad(file, `${m.path} is in ${dataDir}/ under no install scheme (${DATA_SCHEMES.join(', ')})`, { member: m.path });
  }
  const entryText = read(`${distInfo}/entry_points.txt`);
  const scripts = entryText === null ? { console: [], gui: [] } : parseEntryPoints(entryText, file);
  return { name, distInfo, dataDir, rootIsPurelib, members, consoleScripts: scripts.console, guiScripts: scripts.gui };
}

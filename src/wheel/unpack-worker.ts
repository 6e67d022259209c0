// The worker thread behind unpack-pool.ts: writes a slice of one wheel's members. For each member
// it reads the local header and the compressed bytes at the offset the central directory gave
// (two reads, no whole wheel in memory), inflates to exactly the size the zip says, checks the
// CRC-32 where no RECORD hash will, hashes and writes the file (O_EXCL). It answers with each member's sha256 and size, or
// the first problem, which the main thread (unpack.ts) turns into E_INTEGRITY. Members are
// checked for name, kind, limits and duplicates on the main thread before any job is sent.
// It imports only node: modules (see core/hash-worker.ts for why).
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { crc32, inflateRawSync } from 'node:zlib';

export interface MemberJob {
  /** The member's name in the zip (also its path under `dest`). */
  name: string;
  offset: number;
  compressedSize: number;
  size: number;
  method: number;
  flags: number;
  crc32: number;
  /** Whether the CRC-32 is checked: only for the members no RECORD hash covers (unpack.ts checks every other against its RECORD sha256, which the CRC adds nothing to). */
  checkCrc: boolean;
  mode: number;
}

export interface UnpackJob {
  id: number;
  wheel: string;
  dest: string;
  members: MemberJob[];
}

export type UnpackReply =
  | { id: number; ok: Array<{ sha256: string; size: number }> }
  /** `why` completes "member NAME ..." (the zip is at fault); `code` is a file-system error. */
  | { id: number; failed: { member: string; why: string; code?: string } };

class MemberProblem extends Error {}

const header = Buffer.alloc(30);
/** The compressed bytes of the member being read (reused: one allocation per thread, grown as needed). */
let scratch = Buffer.allocUnsafe(1 << 20);

/** The member's bytes, inflated and checked against the central directory's size and CRC-32. */
function readMember(fd: number, fileSize: number, m: MemberJob): Buffer {
  if (m.offset + 30 > fileSize || readSync(fd, header, 0, 30, m.offset) !== 30 || header.readUInt32LE(0) !== 0x04034b50) throw new MemberProblem('has no local header where the central directory says');
  if ((m.flags & 0x1) !== 0) throw new MemberProblem('is encrypted');
  const start = m.offset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (start + m.compressedSize > fileSize) throw new MemberProblem('runs past the end of the zip');
  if (scratch.length < m.compressedSize) scratch = Buffer.allocUnsafe(Math.max(m.compressedSize, scratch.length * 2));
  const data = scratch.subarray(0, m.compressedSize);
  if (m.compressedSize > 0 && readSync(fd, data, 0, m.compressedSize, start) !== m.compressedSize) throw new MemberProblem('runs past the end of the zip');
  let bytes: Buffer;
  if (m.method === 0) bytes = Buffer.from(data);
  else if (m.method === 8) {
    try {
      // One output chunk the size the zip says: no copy to join chunks.
      bytes = inflateRawSync(data, { maxOutputLength: Math.max(1, m.size), chunkSize: Math.min(Math.max(64, m.size), 64 << 20) });
    } catch (err) {
      throw new MemberProblem(`does not inflate to the ${m.size} bytes the zip says (${(err as Error).message})`);
    }
  } else throw new MemberProblem(`uses compression method ${m.method}, which a wheel may not (stored or deflate only)`);
  if (bytes.length !== m.size) throw new MemberProblem(`is ${bytes.length} bytes, and the zip says ${m.size}`);
  if (m.checkCrc && crc32(bytes) >>> 0 !== m.crc32 >>> 0) throw new MemberProblem('does not match its CRC-32');
  return bytes;
}

/** Writes the job's members under `dest`; a folder member (name ending in /) is made. */
export function unpackMembers(job: UnpackJob, fileSize: number): UnpackReply {
  const ok: Array<{ sha256: string; size: number }> = [];
  const dirs = new Set<string>();
  const ensureDir = (d: string) => {
    if (dirs.has(d)) return;
    mkdirSync(d, { recursive: true });
    dirs.add(d);
  };
  let fd: number | undefined;
  let current = '';
  try {
    fd = openSync(job.wheel, 'r');
    for (const m of job.members) {
      current = m.name;
      const target = `${job.dest}/${m.name}`;
      if (m.name.endsWith('/')) {
        ensureDir(target);
        ok.push({ sha256: '', size: 0 });
        continue;
      }
      const bytes = readMember(fd, fileSize, m);
      ensureDir(path.dirname(target));
      writeFileSync(target, bytes, { mode: m.mode, flag: 'wx' });
      ok.push({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
    }
    return { id: job.id, ok };
  } catch (err) {
    if (err instanceof MemberProblem) return { id: job.id, failed: { member: current, why: err.message } };
    const e = err as NodeJS.ErrnoException;
    return { id: job.id, failed: { member: current, why: e.message, code: e.code ?? 'EIO' } };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

parentPort?.on('message', (msg: { job: UnpackJob; fileSize: number }) => {
  parentPort!.postMessage(unpackMembers(msg.job, msg.fileSize));
});

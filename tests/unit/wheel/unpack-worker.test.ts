// The unpacking thread's member reader (src/wheel/unpack-worker.ts), run on this thread: each test
// hands it a member as a hostile central directory would describe it and checks what it refuses.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { unpackMembers, type MemberJob } from '../../../src/wheel/unpack-worker.js';
import { tempDir } from '../../helpers/project.js';
import { zipBytes } from '../../helpers/wheel.js';

const DATA = 'print("hello")\n'.repeat(50);

/** A one-member zip on disk and the job its true central directory gives. */
function oneMember(data: string | Buffer = DATA, method = 8): { wheel: string; dest: string; job: MemberJob; size: number } {
  const dir = tempDir();
  const bytes = zipBytes([{ name: 'demo/a.py', data, method }]);
  const wheel = path.join(dir, 'demo-1.0-py3-none-any.whl');
  writeFileSync(wheel, bytes);
  const dest = path.join(dir, 'out');
  mkdirSync(dest);
  const buf = Buffer.from(data);
  const job: MemberJob = { name: 'demo/a.py', offset: 0, compressedSize: bytes.readUInt32LE(18), size: buf.length, method, flags: 0x800, crc32: crc32(buf) >>> 0, checkCrc: true, mode: 0o644 };
  return { wheel, dest, job, size: bytes.length };
}

const run = (m: ReturnType<typeof oneMember>, job: Partial<MemberJob> = {}) => unpackMembers({ id: 1, wheel: m.wheel, dest: m.dest, members: [{ ...m.job, ...job }] }, m.size);

describe('unpack-worker', () => {
  it('a true member is inflated, written with its mode and hashed', () => {
    const m = oneMember();
    expect(run(m)).toEqual({ id: 1, ok: [{ sha256: createHash('sha256').update(DATA).digest('hex'), size: DATA.length }] });
    expect(readFileSync(path.join(m.dest, 'demo', 'a.py'), 'utf8')).toBe(DATA);
  });

  it('a stored (method 0) member is written as it is', () => {
    const m = oneMember('stored bytes', 0);
    expect(run(m)).toMatchObject({ ok: [{ size: 12 }] });
    expect(readFileSync(path.join(m.dest, 'demo', 'a.py'), 'utf8')).toBe('stored bytes');
  });

  it('attack: a central directory pointing a member where there is no local header is refused', () => {
    const m = oneMember();
    expect(run(m, { offset: 7 })).toEqual({ id: 1, failed: { member: 'demo/a.py', why: 'has no local header where the central directory says' } });
  });

  it('attack: a member whose compressed bytes run past the end of the zip is refused', () => {
    const m = oneMember();
    expect(run(m, { compressedSize: m.size * 4 })).toMatchObject({ failed: { why: 'runs past the end of the zip' } });
  });

  it('attack: a zip bomb (a member inflating past its declared size) is refused without writing it', () => {
    const m = oneMember(Buffer.alloc(1 << 20));
    const reply = run(m, { size: 100 });
    expect(reply).toMatchObject({ failed: { member: 'demo/a.py' } });
    expect('failed' in reply && reply.failed.why).toMatch(/does not inflate to the 100 bytes the zip says/);
  });

  it('attack: a member claiming more bytes than it inflates to is refused', () => {
    const m = oneMember();
    expect(run(m, { size: DATA.length + 10 })).toMatchObject({ failed: { why: `is ${DATA.length} bytes, and the zip says ${DATA.length + 10}` } });
  });

  it('attack: an encrypted member, or one compressed with another method (bzip2), is refused', () => {
    expect(run(oneMember(), { flags: 0x801 })).toMatchObject({ failed: { why: 'is encrypted' } });
    expect(run(oneMember(), { method: 12 })).toMatchObject({ failed: { why: 'uses compression method 12, which a wheel may not (stored or deflate only)' } });
  });

  it('the CRC-32 is checked where asked (the members no RECORD hash covers), and not elsewhere (RECORD\'s sha256 is checked after)', () => {
    expect(run(oneMember(), { crc32: 1234 })).toMatchObject({ failed: { why: 'does not match its CRC-32' } });
    expect(run(oneMember(), { crc32: 1234, checkCrc: false })).toMatchObject({ ok: [{ size: DATA.length }] });
  });

  it('a member that exists already is not overwritten (O_EXCL): a file-system failure with its code', () => {
    const m = oneMember();
    run(m);
    expect(run(m)).toMatchObject({ failed: { member: 'demo/a.py', code: 'EEXIST' } });
    expect(readFileSync(path.join(m.dest, 'demo', 'a.py'), 'utf8')).toBe(DATA);
  });
});

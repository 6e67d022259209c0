// A wheel is hostile input: repro's installer (src/wheel/) unpacks it into the store only after
// every member and every claim is checked, and a refused wheel leaves nothing behind. Each test is
// named after the attack; the wheels are crafted byte by byte (tests/helpers/wheel.ts).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WheelStore } from '../../../src/wheel/store.js';
import { unpackWheel } from '../../../src/wheel/unpack.js';
import { tempDir } from '../../helpers/project.js';
import { recordDigest, writeWheel, zipBytes, type WheelSpec } from '../../helpers/wheel.js';
import { writeFileSync } from 'node:fs';

const INFO = 'demo-1.0.dist-info';

/** Stages the wheel into a fresh store; returns the error and what the store holds after. */
async function refuse(spec: WheelSpec | { raw: Buffer }): Promise<{ error: { code: string; message: string; details?: Record<string, unknown> }; left: string[] }> {
  const dir = tempDir();
  const file = 'raw' in spec ? path.join(dir, 'demo-1.0-py3-none-any.whl') : writeWheel(dir, spec);
  if ('raw' in spec) writeFileSync(file, spec.raw);
  const store = new WheelStore(path.join(dir, 'store'));
  const batch = await store.batch();
  const error = await store.stage(batch, file, path.basename(file), 'a'.repeat(64), 'cpython-311').then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'the wheel was accepted').not.toBeNull();
  return { error: error as never, left: readdirSync(batch) };
}

const raw = (members: Parameters<typeof zipBytes>[0]) => ({ raw: zipBytes(members) });

/** The zip with one field of `member`'s central directory entry changed (as a hostile index would serve it). */
function patchCentral(zip: Buffer, member: string, field: 'crc32' | 'offset', value: number): Buffer {
  const out = Buffer.from(zip);
  const signature = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  for (let at = out.indexOf(signature); at >= 0; at = out.indexOf(signature, at + 4)) {
    const name = out.subarray(at + 46, at + 46 + out.readUInt16LE(at + 28)).toString();
    if (name === member) {
      out.writeUInt32LE(value >>> 0, at + (field === 'crc32' ? 16 : 42));
      return out;
    }
  }
  throw new Error(`no central entry for ${member}`);
}
const meta = [
  { name: `${INFO}/METADATA`, data: 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n' },
  { name: `${INFO}/WHEEL`, data: 'Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n' },
];

describe('hostile wheels', () => {
  it('attack: a path-traversal member (../) is refused, nothing written', async () => {
    const { error, left } = await refuse(raw([...meta, { name: '../../escape.py', data: 'x' }, { name: `${INFO}/RECORD`, data: '' }]));
    expect(error.code).toBe('E_INTEGRITY');
    expect(error.message).toMatch(/invalid relative path|leaves the wheel/);
    expect(left).toEqual([]);
  });

  it('attack: a member hidden behind a "demo/./../../x" path is refused', async () => {
    const { error } = await refuse(raw([...meta, { name: 'demo/./x.py', data: 'x' }, { name: `${INFO}/RECORD`, data: '' }]));
    expect(error.message).toMatch(/"\." path segment/);
  });

  it('attack: an absolute member path is refused', async () => {
    const { error } = await refuse(raw([...meta, { name: '/etc/cron.d/evil', data: 'x' }, { name: `${INFO}/RECORD`, data: '' }]));
    expect(error.message).toMatch(/absolute path/);
  });

  it('attack: a symlink member (pointing at /etc) is refused before anything is written', async () => {
    const { error, left } = await refuse(raw([...meta, { name: 'demo/link', data: '/etc', mode: 0o120777 }, { name: `${INFO}/RECORD`, data: '' }]));
    expect(error.message).toMatch(/member "demo\/link" is a symbolic link/);
    expect(left).toEqual([]);
  });

  it('attack: a member twice in the zip (the second would overwrite what RECORD checked) is refused', async () => {
    const { error } = await refuse(raw([...meta, { name: 'demo/a.py', data: 'good' }, { name: 'demo/a.py', data: 'evil' }, { name: `${INFO}/RECORD`, data: '' }]));
    expect(error.message).toMatch(/"demo\/a.py" is in the zip twice/);
  });

  it('attack: a zip bomb (a member that inflates past the size the zip declares) is refused', async () => {
    const { error } = await refuse(raw([...meta, { name: 'demo/bomb.bin', data: Buffer.alloc(4 << 20), claimedSize: 100 }, { name: `${INFO}/RECORD`, data: '' }]));
    expect(error.message).toMatch(/does not inflate to the 100 bytes the zip says|is \d+ bytes, and the zip says 100/);
  });

  it('attack: a RECORD that lies about a member\'s hash is refused, naming the member and both hashes', async () => {
    const { error, left } = await refuse({ files: { 'demo/__init__.py': 'print("evil")\n' }, record: (t) => t.replace(recordDigest('print("evil")\n'), recordDigest('print("good")\n')) });
    expect(error.code).toBe('E_INTEGRITY');
    expect(error.message).toMatch(/demo\/__init__.py does not match its RECORD hash .* the RECORD lies or the member was changed/);
    expect(error.details).toMatchObject({ member: 'demo/__init__.py', expected: recordDigest('print("good")\n'), actual: recordDigest('print("evil")\n') });
    expect(left).toEqual([]);
  });

  it('attack: a RECORD that lies about a member\'s size is refused', async () => {
    const { error } = await refuse({ files: { 'demo/__init__.py': 'x = 1\n' }, record: (t) => t.replace(/(demo\/__init__\.py,sha256=[^,]+),6/, '$1,999') });
    expect(error.message).toMatch(/demo\/__init__.py is 6 bytes and RECORD says 999/);
  });

  it('attack: a member RECORD does not list (smuggled past the record) is refused', async () => {
    const { error } = await refuse({ files: { 'demo/__init__.py': '' }, unlisted: [{ name: 'demo/smuggled.pth', data: 'import os' }] });
    expect(error.message).toMatch(/demo\/smuggled.pth is in the wheel but not in its RECORD/);
  });

  it('attack: a RECORD listing a file the wheel does not hold is refused', async () => {
    const { error } = await refuse({ files: { 'demo/__init__.py': '' }, record: (t) => `${t}../../../etc/passwd,sha256=${recordDigest('x')},1\n` });
    expect(error.message).toMatch(/RECORD lists "\.\.\/\.\.\/\.\.\/etc\/passwd", which the wheel does not hold: the RECORD lies/);
  });

  it('attack: a RECORD with no hash for a member is refused', async () => {
    const { error } = await refuse({ files: { 'demo/__init__.py': 'x' }, record: (t) => t.replace(/demo\/__init__\.py,sha256=[^,]+,1/, 'demo/__init__.py,,') });
    expect(error.message).toMatch(/RECORD gives no hash for "demo\/__init__.py"/);
  });

  it('attack: an md5 RECORD (collisions are cheap) is refused', async () => {
    const { error } = await refuse({ files: { 'demo/__init__.py': 'x' }, record: (t) => t.replace(/demo\/__init__\.py,sha256=/, 'demo/__init__.py,md5=') });
    expect(error.message).toMatch(/not sha256, sha384 or sha512/);
  });

  it('attack: an entry point whose target is Python code (it would be pasted into a script) is refused', async () => {
    const { error } = await refuse({ files: { 'demo/__init__.py': '', [`${INFO}/entry_points.txt`]: '[console_scripts]\ndemo = os:system("id") or demo:main\n' } });
    expect(error.message).toMatch(/entry_points.txt declares a script that is not "name = module:attr" of plain names/);
  });

  it('attack: an entry point named ../../x (a script written outside bin/) is refused', async () => {
    const { error } = await refuse({ files: { 'demo/__init__.py': '', [`${INFO}/entry_points.txt`]: '[console_scripts]\n../../x = demo:main\n' } });
    expect(error.message).toMatch(/entry_points.txt declares a script/);
  });

  it('a .data folder with no install scheme, a WHEEL of version 2, two .dist-info, or none: refused', async () => {
    expect((await refuse({ files: { 'demo-1.0.data/elsewhere/x': 'x' } })).error.message).toMatch(/under no install scheme/);
    expect((await refuse({ files: {}, wheelVersion: '2.0' })).error.message).toMatch(/Wheel-Version "2.0"; this installer reads version 1.x/);
    expect((await refuse({ files: { 'other-2.0.dist-info/METADATA': 'x' } })).error.message).toMatch(/exactly one demo-1.0.dist-info folder/);
    expect((await refuse(raw([{ name: 'demo/__init__.py', data: '' }]))).error.message).toMatch(/holds none/);
  });

  it('attack: a central directory pointing a member at bytes that are no local header is refused, nothing left', async () => {
    const zip = zipBytes([...meta, { name: 'demo/a.py', data: 'x = 1\n' }, { name: `${INFO}/RECORD`, data: '' }]);
    const { error, left } = await refuse({ raw: patchCentral(zip, 'demo/a.py', 'offset', 3) });
    expect(error.code).toBe('E_INTEGRITY');
    expect(error.message).toMatch(/member "demo\/a.py" has no local header where the central directory says/);
    expect(left).toEqual([]);
  });

  it('attack: a RECORD whose bytes do not match the zip\'s CRC-32 (no hash covers RECORD itself) is refused', async () => {
    const spec = writeWheel(tempDir(), { files: { 'demo/__init__.py': 'x = 1\n' } });
    const { error } = await refuse({ raw: patchCentral(readFileSync(spec), `${INFO}/RECORD`, 'crc32', 12345) });
    expect(error.message).toMatch(/member "demo-1.0.dist-info\/RECORD" does not match its CRC-32/);
  });

  it('a wheel of many members (slices unpacked on several threads) keeps every member with its own hash', async () => {
    const dir = tempDir();
    const files = Object.fromEntries(Array.from({ length: 700 }, (_, i) => [`demo/m${i}.py`, `value = ${i}\n`.repeat(1 + (i % 9))]));
    const file = writeWheel(dir, { files: { ...files, 'demo/big.bin': Buffer.alloc(6 << 20, 3) } });
    const got = await unpackWheel(file, path.basename(file), path.join(dir, 'out'));
    for (const [name, data] of Object.entries(files)) {
      expect(got.members.find((m) => m.path === name)).toMatchObject({ size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
      expect(readFileSync(path.join(dir, 'out', name), 'utf8')).toBe(data);
    }
    expect(got.members.find((m) => m.path === 'demo/big.bin')).toMatchObject({ size: 6 << 20 });
  });

  it('not a zip at all: E_INTEGRITY, nothing left', async () => {
    const { error, left } = await refuse({ raw: Buffer.from('<html>the index served a login page</html>') });
    expect(error.code).toBe('E_INTEGRITY');
    expect(error.message).toMatch(/the zip is unreadable or unsafe/);
    expect(left).toEqual([]);
  });

  it('a true wheel passes the same checks (the attacks above differ from it in one thing each)', async () => {
    const dir = tempDir();
    const file = writeWheel(dir, { files: { 'demo/__init__.py': 'x = 1\n', [`${INFO}/entry_points.txt`]: '[console_scripts]\ndemo = demo.cli:main\n' } });
    const store = new WheelStore(path.join(dir, 'store'));
    const staged = await store.stage(await store.batch(), file, path.basename(file), 'a'.repeat(64), 'cpython-311');
    expect(staged.unpacked.consoleScripts).toEqual([{ name: 'demo', module: 'demo.cli', attr: 'main' }]);
    expect(existsSync(path.join(staged.dir, 'files', 'demo', '__init__.py'))).toBe(true);
  });

  it('a wheel too large to read whole takes the streamed path, with the same checks: a true one unpacks, a zip bomb and a lying RECORD are refused', async () => {
    const dir = tempDir();
    const streamed = { members: 1000, bytes: 1 << 30, inMemoryBytes: 0 };
    const ok = writeWheel(dir, { files: { 'demo/__init__.py': 'x = 1\n', 'demo/big.bin': Buffer.alloc(3 << 20, 7) } });
    const got = await unpackWheel(ok, path.basename(ok), path.join(dir, 'ok'), streamed);
    expect(got.members.find((m) => m.path === 'demo/big.bin')).toMatchObject({ size: 3 << 20 });
    const bomb = path.join(tempDir(), 'demo-1.0-py3-none-any.whl');
    writeFileSync(bomb, zipBytes([...meta, { name: 'demo/bomb.bin', data: Buffer.alloc(4 << 20), claimedSize: 100 }, { name: `${INFO}/RECORD`, data: '' }]));
    await expect(unpackWheel(bomb, path.basename(bomb), path.join(dir, 'bomb'), streamed)).rejects.toThrow(/does not inflate to what the zip says/);
    const liar = writeWheel(tempDir(), { files: { 'demo/__init__.py': 'print("evil")\n' }, record: (t) => t.replace(recordDigest('print("evil")\n'), recordDigest('print("good")\n')) });
    await expect(unpackWheel(liar, path.basename(liar), path.join(dir, 'liar'), streamed)).rejects.toThrow(/the RECORD lies or the member was changed/);
  });
});

// Crafted wheels for the installer's tests: a zip written byte by byte (so a test can make it lie:
// a symlink member, a name with .., a size the data does not have), and a wheel builder that
// writes a WHEEL and a true RECORD unless told to lie.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipMember {
  name: string;
  data: Buffer | string;
  /** Unix mode in the external attributes (0o100644 by default; 0o120777 makes a symlink). */
  mode?: number;
  /** Stored (0) or deflated (8, the default). */
  method?: 0 | 8;
  /** The uncompressed size the headers claim (default: the real one). */
  claimedSize?: number;
}

/** A zip archive of the members, in order. */
export function zipBytes(members: ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const data = Buffer.isBuffer(m.data) ? m.data : Buffer.from(m.data);
    const method = m.method ?? 8;
    const body = method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(m.name);
    const size = m.claimedSize ?? data.length;
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((m.mode ?? (m.name.endsWith('/') ? 0o40755 : 0o100644)) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const b64 = (data: Buffer | string) => createHash('sha256').update(data).digest('base64url');

export interface WheelSpec {
  name?: string;
  version?: string;
  tag?: string;
  /** Files by path in the wheel (the .dist-info's METADATA and WHEEL are added unless given). */
  files: Record<string, string | Buffer | { data: string | Buffer; mode: number }>;
  /** RECORD's text instead of the true one. */
  record?: string | ((truth: string) => string);
  /** Members added after RECORD is made (so RECORD does not list them). */
  unlisted?: ZipMember[];
  wheelVersion?: string;
  rootIsPurelib?: boolean;
}

/** Writes the wheel into `dir` and returns its path (named as a wheel should be). */
export function writeWheel(dir: string, spec: WheelSpec): string {
  const name = spec.name ?? 'demo';
  const version = spec.version ?? '1.0';
  const stem = `${name}-${version}`;
  const info = `${stem}.dist-info`;
  const files: Record<string, string | Buffer | { data: string | Buffer; mode: number }> = {
    [`${info}/METADATA`]: `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`,
    [`${info}/WHEEL`]: `Wheel-Version: ${spec.wheelVersion ?? '1.0'}\nGenerator: repro-tests\nRoot-Is-Purelib: ${spec.rootIsPurelib ?? true}\nTag: ${spec.tag ?? 'py3-none-any'}\n`,
    ...spec.files,
  };
  const members: ZipMember[] = Object.entries(files).map(([n, f]) => (typeof f === 'object' && !Buffer.isBuffer(f) ? { name: n, data: f.data, mode: f.mode } : { name: n, data: f }));
  const truth = members.map((m) => `${m.name},sha256=${b64(m.data)},${Buffer.byteLength(m.data)}\n`).join('') + `${info}/RECORD,,\n`;
  const record = typeof spec.record === 'function' ? spec.record(truth) : spec.record ?? truth;
  members.push({ name: `${info}/RECORD`, data: record }, ...(spec.unlisted ?? []));
  const file = path.join(dir, `${name}-${version}-${spec.tag ?? 'py3-none-any'}.whl`);
  writeFileSync(file, zipBytes(members));
  return file;
}

/** RECORD's base64url sha256 of some bytes. */
export const recordDigest = b64;

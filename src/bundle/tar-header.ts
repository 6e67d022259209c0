// Encodes the header block(s) of one canonical tar entry: the direct ustar encoder (ustar.ts)
// for the common entry, node-tar's Header and Pax for the rest (and as its reference in tests).
// Everything that varies between machines is fixed: mtime, uid/gid 0, empty user and group,
// rule-based mode. A PAX record is emitted only when ustar cannot hold the name, the link
// target or the size; it carries path/linkpath/size and the same fixed mtime, nothing else.
import { Header, Pax } from 'tar';
import { tarName, type BundleEntry } from './entry.js';
import { MAX_USTAR_OCTAL } from './limits.js';
import { encodeUstar } from './ustar.js';

const TYPE_NAMES = { file: 'File', directory: 'Directory', symlink: 'SymbolicLink' } as const;

/**
 * The header block(s) for `entry`. With `scratch` (512 bytes), a plain ustar header is encoded
 * into it and it is returned: readers comparing 100,000 headers allocate nothing per entry.
 */
export function encodeEntryHeader(entry: BundleEntry, mtimeSeconds: number, scratch?: Buffer): Buffer {
  const name = tarName(entry);
  const direct = scratch ?? Buffer.allocUnsafe(512);
  const size = entry.type === 'file' ? entry.size : 0;
  const linkpath = entry.type === 'symlink' ? (entry.target ?? '') : '';
  if (encodeUstar({ name, mode: entry.mode, size, mtime: mtimeSeconds, type: entry.type, linkpath }, direct)) return direct;
  return encodeWithTar(entry, name, mtimeSeconds, scratch);
}

/** node-tar's Header and Pax: the reference encoder, and the only one for PAX records and split names. */
export function encodeWithTar(entry: BundleEntry, name: string, mtimeSeconds: number, scratch?: Buffer): Buffer {
  const mtime = new Date(mtimeSeconds * 1000);
  const fields = {
    path: name,
    mode: entry.mode,
    uid: 0,
    gid: 0,
    size: entry.type === 'file' ? entry.size : 0,
    mtime,
    type: TYPE_NAMES[entry.type],
    linkpath: entry.type === 'symlink' ? (entry.target ?? '') : '',
    uname: '',
    gname: '',
    devmaj: 0,
    devmin: 0,
  };
  const block = scratch ? scratch.fill(0) : Buffer.alloc(512);
  const header = new Header(fields);
  const needPax = header.encode(block);
  if (!needPax) return block;

  const pax = new Pax({
    path: name,
    linkpath: fields.linkpath !== '' ? fields.linkpath : undefined,
    size: fields.size > MAX_USTAR_OCTAL ? fields.size : undefined,
    mtime,
  } as ConstructorParameters<typeof Pax>[0]);
  return Buffer.concat([pax.encode(), scratch ? Buffer.from(block) : block]);
}

/** Zero bytes that pad `size` bytes of content up to a whole 512-byte block. */
export function paddingFor(size: number): number {
  const rest = size % 512;
  return rest === 0 ? 0 : 512 - rest;
}

/** Two zero blocks end a tar archive. */
export const END_OF_ARCHIVE = Buffer.alloc(1024);

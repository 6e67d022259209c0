// Hostile bundles, made in code (no binary blobs): a canonical, valid bundle is described as a
// manifest plus a list of tar pieces (header bytes + content); an attack edits that description
// (or writes raw header bytes no honest writer would) and assemble() turns it into a file with
// the same framing repro writes: tar, compressed in the declared codec, with its trailer.
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import zlib from 'node:zlib';
import { compressBuffer, compressionInfo, type Codec } from '../../src/bundle/compress.js';
import { MANIFEST_PATH } from '../../src/bundle/layout.js';
import type { BundleManifest } from '../../src/bundle/manifest.js';
import { createManifest, serializeManifest } from './manifest.js';
import { DIR_MODE, FILE_MODE, LINK_MODE, type BundleEntry } from '../../src/bundle/entry.js';
import { encodeEntryHeader, paddingFor, END_OF_ARCHIVE } from '../../src/bundle/tar-header.js';
import { makeTrailer, payloadCheck } from '../../src/bundle/trailer.js';
import { createHash } from 'node:crypto';

export const EPOCH = 946684800;

const sha256Hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** One tar entry as bytes: its header block(s) and its content (unpadded). */
export interface Piece {
  header: Buffer;
  content: Buffer;
}

export interface Spec {
  entry: BundleEntry;
  content?: Buffer | string;
}

export function dir(path: string): Spec {
  return { entry: { path, type: 'directory', mode: DIR_MODE, size: 0 } };
}

export function file(path: string, content: Buffer | string, mode = FILE_MODE): Spec {
  const bytes = Buffer.from(content);
  return { entry: { path, type: 'file', mode, size: bytes.length, sha256: sha256Hex(bytes) }, content: bytes };
}

export function symlink(path: string, target: string): Spec {
  return { entry: { path, type: 'symlink', mode: LINK_MODE, size: 0, target } };
}

/** The honest project every attack starts from. */
export function baseSpecs(): Spec[] {
  return [dir('project'), dir('project/data'), file('project/data/x.csv', '1,2\n3,4\n'), file('project/train.py', 'print("hello")\n')];
}

export function manifestFor(specs: readonly Spec[], codec: Codec = 'none'): BundleManifest {
  return createManifest({
    name: 'hostile',
    version: '0.0.0',
    sourceDateEpoch: EPOCH,
    compression: compressionInfo(codec),
    tooling: { repro: '0.1.0', tar: '7' },
    project: null,
    entries: specs.map((s) => s.entry),
  });
}

/** Recomputes the self digest after an attack edited the manifest (an attacker can). */
export function resign(doc: BundleManifest): BundleManifest {
  const out = { ...doc, selfDigest: '' };
  out.selfDigest = `sha256:${sha256Hex(serializeManifest(out))}`;
  return out;
}

export function canonicalPiece(spec: Spec): Piece {
  return { header: encodeEntryHeader(spec.entry, EPOCH), content: Buffer.from(spec.content ?? '') };
}

export function manifestPiece(doc: BundleManifest | Buffer): Piece {
  const bytes = Buffer.isBuffer(doc) ? doc : serializeManifest(doc);
  return { header: encodeEntryHeader({ path: MANIFEST_PATH, type: 'file', mode: FILE_MODE, size: bytes.length }, EPOCH), content: bytes };
}

export interface RawFields {
  /** The name field: bytes as given (anything, even invalid UTF-8), at most 100. */
  name: Buffer | string;
  mode?: number;
  size?: number;
  /** '0' file, '1' hard link, '2' symlink, '3' char device, '4' block device, '5' dir, '6' FIFO, 'x' PAX. */
  typeflag: string;
  linkname?: Buffer | string;
  mtime?: number;
}

function octal(value: number, width: number): Buffer {
  return Buffer.from(value.toString(8).padStart(width - 1, '0') + '\0', 'ascii');
}

/** A ustar header block written byte by byte, with a correct checksum. */
export function rawHeader(f: RawFields): Buffer {
  const b = Buffer.alloc(512);
  Buffer.from(f.name).copy(b, 0, 0, 100);
  octal(f.mode ?? FILE_MODE, 8).copy(b, 100);
  octal(0, 8).copy(b, 108);
  octal(0, 8).copy(b, 116);
  octal(f.size ?? 0, 12).copy(b, 124);
  octal(f.mtime ?? EPOCH, 12).copy(b, 136);
  b.write(f.typeflag, 156, 'ascii');
  if (f.linkname !== undefined) Buffer.from(f.linkname).copy(b, 157, 0, 100);
  b.write('ustar\0', 257, 'ascii');
  b.write('00', 263, 'ascii');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  Buffer.from(sum.toString(8).padStart(6, '0') + '\0 ', 'ascii').copy(b, 148);
  return b;
}

/** A PAX extended header (typeflag x) carrying `records`, followed by nothing: put the entry's own header after it. */
export function paxPiece(records: Record<string, Buffer | string>): Buffer {
  const lines = Object.entries(records).map(([k, v]) => {
    const body = Buffer.concat([Buffer.from(` ${k}=`), Buffer.from(v), Buffer.from('\n')]);
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    return Buffer.concat([Buffer.from(String(len)), body]);
  });
  const data = Buffer.concat(lines);
  return Buffer.concat([rawHeader({ name: 'PaxHeader', typeflag: 'x', size: data.length, mode: FILE_MODE }), data, Buffer.alloc(paddingFor(data.length))]);
}

/** The tar bytes: pieces padded, then the end-of-archive marker. */
export function tarOf(pieces: readonly Piece[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of pieces) parts.push(p.header, p.content, Buffer.alloc(paddingFor(p.content.length)));
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

/** Frames tar bytes as repro does for `codec`: compressed, then the CRC-32 + length trailer. */
export async function frame(tar: Buffer | AsyncIterable<Buffer>, codec: Codec): Promise<Buffer> {
  const bytes = Buffer.isBuffer(tar) ? tar : await buffer(Readable.from(tar));
  if (codec === 'none') return bytes;
  const compressed = await compressBuffer(bytes, compressionInfo(codec));
  return Buffer.concat([compressed, makeTrailer(codec, payloadCheck(zlib.crc32(compressed), compressed.length))]);
}

/** A whole bundle from specs, honest unless the caller edits the pieces or the manifest. */
export async function assemble(manifest: BundleManifest | Buffer, pieces: readonly Piece[], codec: Codec = 'none'): Promise<Buffer> {
  return frame(tarOf([manifestPiece(manifest), ...pieces]), codec);
}

export async function honestBundle(codec: Codec = 'none', specs: Spec[] = baseSpecs()): Promise<Buffer> {
  return assemble(manifestFor(specs, codec), specs.map(canonicalPiece), codec);
}

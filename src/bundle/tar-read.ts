// Reads a tar stream entry by entry and refuses anything a bundle may not hold (DESIGN rule 8):
// bad checksums, unknown or dangerous entry types, unsafe names, setuid bits, oversized PAX
// records, too many entries or too many bytes. Content is streamed to a caller's sink.
import { Header, Pax } from 'tar';
import { ReproError } from '../core/errors.js';
import { ByteReader } from './byte-reader.js';
import type { EntryType } from './entry.js';

import { MANIFEST_PATH } from './layout.js';
import { DEFAULT_LIMITS, type TarLimits } from './limits.js';
import { bundleIntegrityError } from './integrity.js';

export { DEFAULT_LIMITS, type TarLimits } from './limits.js';

export interface RawEntry {
  path: string;
  type: EntryType;
  /** Full mode bits from the header, special bits included. */
  mode: number;
  size: number;
  target?: string;
  mtime: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** The header block(s) exactly as read, PAX record included. */
  raw: Buffer;
  /** Offset of the first header byte in the uncompressed stream. */
  offset: number;
}

/** The header block a visitor expects next, and the entry it stands for. */
export interface Prediction {
  header: Buffer;
  entry: Omit<RawEntry, 'raw' | 'offset'>;
}

export interface TarVisitor {
  /**
   * The header the visitor expects next (never asked for the first entry). A block equal to
   * it byte for byte is that entry, handed on without being decoded: a verifier that knows
   * every header from the manifest compares bytes instead of decoding and re-encoding each.
   * Every other block is decoded by node-tar and checked as always.
   */
  predict?(): Prediction | undefined;
  /** Called for each entry (`predicted`: its header was exactly the prediction); returns the sink for its content. */
  entry(e: RawEntry, predicted: boolean): (slice: Buffer) => void;
  /** Called after the content of an entry, with the padding bytes that followed it. */
  entryEnd?(e: RawEntry, padding: Buffer): void;
}

const TYPES: Record<string, EntryType> = { File: 'file', OldFile: 'file', Directory: 'directory', SymbolicLink: 'symlink' };
const MAX_PAX_BYTES = 1 << 20;

function unsafe(message: string, details: Record<string, unknown>): ReproError {
  return new ReproError('E_UNSAFE_ENTRY', message, {
    hint: 'The bundle holds an entry repro never writes; it may have been crafted. Do not use it.',
    details,
  });
}

const broken = (message: string, details: Record<string, unknown>) => bundleIntegrityError(message, details);

export interface TarReadOptions {
  /** The name the first entry must have (a bundle's manifest); anything else is not a bundle. */
  firstEntry?: string;
}

/** Reads every entry, then checks that the archive ends with exactly two zero blocks. */
export async function readTar(source: AsyncIterable<Buffer>, visitor: TarVisitor, limits: TarLimits = DEFAULT_LIMITS, options: TarReadOptions = {}): Promise<{ entries: number; bytes: number }> {
  const reader = new ByteReader(source);
  let count = 0;
  let bytes = 0;
  for (;;) {
    const offset = reader.offset;
    const first = await reader.read(512);
    if (first.length < 512) throw broken('the archive is truncated (no end-of-archive marker)', { offset });
    if (isZero(first)) {
      const second = await reader.read(512);
      if (second.length < 512 || !isZero(second)) throw broken('the end-of-archive marker is damaged', { offset });
      if (!(await reader.atEnd())) throw broken('unexpected data after the end of the archive', { offset: reader.offset });
      return { entries: count, bytes };
    }
    const prediction = offset === 0 ? undefined : visitor.predict?.();
    const predicted = prediction !== undefined && prediction.header.length === 512 && first.equals(prediction.header);
    const entry = predicted ? { ...prediction.entry, raw: first, offset } : await readHeader(reader, first, offset, offset === 0 ? options.firstEntry : undefined);
    count++;
    if (count > limits.maxEntries) {
      throw new ReproError('E_LIMIT', `the bundle has more than ${limits.maxEntries} entries`, {
        hint: 'Raise the limit with --max-entries if you trust this bundle.',
        details: { limit: limits.maxEntries },
      });
    }
    bytes += entry.size;
    if (bytes > limits.maxTotalBytes) {
      throw new ReproError('E_LIMIT', `the bundle unpacks to more than ${limits.maxTotalBytes} bytes`, {
        hint: 'Raise the limit with --max-bytes if you trust this bundle.',
        details: { limit: limits.maxTotalBytes },
      });
    }
    const sink = visitor.entry(entry, predicted);
    const got = await reader.pass(entry.size, sink);
    if (got < entry.size) throw broken(`the archive is truncated inside ${entry.path}`, { entry: entry.path, expected: entry.size, actual: got });
    const padLength = (512 - (entry.size % 512)) % 512;
    const padding = await reader.read(padLength);
    if (padding.length < padLength) throw broken(`the archive is truncated after ${entry.path}`, { entry: entry.path });
    visitor.entryEnd?.(entry, padding);
  }
}

async function readHeader(reader: ByteReader, first: Buffer, offset: number, mustBe: string | undefined): Promise<RawEntry> {
  let block = first;
  let pax: Pax | undefined;
  const rawParts: Buffer[] = [];
  let header = decode(block, offset);
  if (header.type === 'ExtendedHeader') {
    const size = header.size ?? 0;
    if (size > MAX_PAX_BYTES) throw unsafe('a PAX record is too large', { offset, size });
    const bodyLength = Math.ceil(size / 512) * 512;
    const body = await reader.read(bodyLength);
    if (body.length < bodyLength) throw broken('the archive is truncated inside a PAX record', { offset });
    pax = Pax.parse(body.subarray(0, size).toString('utf8'));
    rawParts.push(block, body);
    block = await reader.read(512);
    if (block.length < 512) throw broken('the archive is truncated after a PAX record', { offset });
    header = decode(block, reader.offset - 512);
    if (header.type === 'ExtendedHeader') throw unsafe('two PAX records in a row', { offset });
  }
  rawParts.push(block);
  const typeName = String(header.type);
  const type = TYPES[typeName];
  const rawPath = pax?.path ?? header.path ?? '';
  const path = type === 'directory' ? rawPath.replace(/\/$/, '') : rawPath;
  // The first entry of a bundle is always its manifest: anything else there is not a bundle.
  if (mustBe !== undefined && (type !== 'file' || path !== mustBe)) throw notABundle(rawPath);
  if (type === undefined) {
    throw unsafe(`entry ${JSON.stringify(rawPath)} has a forbidden type (${typeName})`, { entry: rawPath, type: typeName });
  }
  const size = pax?.size ?? header.size ?? 0;
  if (type !== 'file' && size !== 0) throw unsafe(`${type} entry ${JSON.stringify(path)} carries content`, { entry: path, size });
  return {
    path,
    type,
    mode: header.mode ?? 0,
    size,
    target: type === 'symlink' ? (pax?.linkpath ?? header.linkpath ?? '') : undefined,
    mtime: header.mtime ? header.mtime.getTime() / 1000 : NaN,
    uid: header.uid ?? NaN,
    gid: header.gid ?? NaN,
    uname: header.uname ?? '',
    gname: header.gname ?? '',
    raw: rawParts.length === 1 ? block : Buffer.concat(rawParts),
    offset,
  };
}

function decode(block: Buffer, offset: number): Header {
  const header = new Header(block);
  if (!header.cksumValid) throw broken('a tar header checksum does not match (damaged header)', { offset });
  return header;
}

function isZero(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** An archive whose first entry is not repro.bundle.json: an ordinary tarball, or one repacked. */
export function notABundle(first: string): ReproError {
  return new ReproError('E_INTEGRITY', `not a repro bundle: its first entry is ${JSON.stringify(first)}, not ${MANIFEST_PATH}`, {
    hint: 'A repro bundle is written by `repro build` and starts with its manifest. This looks like an ordinary tar archive, or a bundle repacked by another tool.',
    details: { entry: first, expected: MANIFEST_PATH, rule: 'not-a-bundle' },
  });
}

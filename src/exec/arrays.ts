// Numeric arrays in outputs, read without running anything: NumPy .npy (format 1.0 to 3.0), .npz
// (a zip of .npy members) and safetensors. Each is hostile input: the header is parsed by rule,
// never evaluated; object arrays (which hold pickles) are refused; every shape must account for
// exactly the bytes that follow it; sizes are bounded. Two files compare element by element:
// the largest |a-b| and relative error, and where. Pickles (.pkl, .pt, .joblib) are never read
// here at all: unpickling runs code, so they compare by bytes only.
import { inflateRawSync } from 'node:zlib';

/** The formats read as arrays, by file name. */
export function arrayFormat(file: string): 'npy' | 'npz' | 'safetensors' | null {
  const f = file.toLowerCase();
  return f.endsWith('.npy') ? 'npy' : f.endsWith('.npz') ? 'npz' : f.endsWith('.safetensors') ? 'safetensors' : null;
}

/** Outputs that are pickles (or hold them): compared by bytes only, never loaded. */
export function isPickle(file: string): boolean {
  return /\.(pkl|pickle|pt|pth|joblib|ckpt)$/i.test(file);
}

/** The most bytes of array data one comparison reads (both sides). */
export const MAX_ARRAY_BYTES = 256 << 20;

export interface NumericArray {
  name: string;
  shape: number[];
  values: ArrayLike<number>;
}

export class ArrayFormatError extends Error {}

const fail = (why: string): never => {
  throw new ArrayFormatError(why);
};

/** Little- or big-endian element readers for the dtypes NumPy and safetensors write. */
function reader(kind: string, size: number, little: boolean): ((view: DataView, at: number) => number) | null {
  if (kind === 'f' && size === 8) return (v, at) => v.getFloat64(at, little);
  if (kind === 'f' && size === 4) return (v, at) => v.getFloat32(at, little);
  if (kind === 'f' && size === 2) return (v, at) => halfToNumber(v.getUint16(at, little));
  if (kind === 'bf' && size === 2) return (v, at) => new Float32Array(new Uint32Array([v.getUint16(at, little) << 16]).buffer)[0]!;
  if (kind === 'i' && size === 1) return (v, at) => v.getInt8(at);
  if (kind === 'i' && size === 2) return (v, at) => v.getInt16(at, little);
  if (kind === 'i' && size === 4) return (v, at) => v.getInt32(at, little);
  if (kind === 'i' && size === 8) return (v, at) => Number(v.getBigInt64(at, little));
  if ((kind === 'u' || kind === 'b') && size === 1) return (v, at) => v.getUint8(at);
  if (kind === 'u' && size === 2) return (v, at) => v.getUint16(at, little);
  if (kind === 'u' && size === 4) return (v, at) => v.getUint32(at, little);
  if (kind === 'u' && size === 8) return (v, at) => Number(v.getBigUint64(at, little));
  return null;
}

function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function elements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) fail(`a dimension of ${d}`);
    n *= d;
    if (n > MAX_ARRAY_BYTES) fail('more elements than repro compares');
  }
  return n;
}

function decode(name: string, bytes: Buffer, offset: number, shape: number[], read: (v: DataView, at: number) => number, size: number): NumericArray {
  const n = elements(shape);
  if (bytes.length - offset !== n * size) fail(`${name}: its shape ${JSON.stringify(shape)} needs ${n * size} bytes, and ${bytes.length - offset} follow`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, n * size);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = read(view, i * size);
  return { name, shape, values };
}

/** A .npy file's array. The header is a Python dict literal, parsed by rule (never evaluated). */
export function readNpy(bytes: Buffer, name = 'array'): NumericArray {
  if (bytes.length < 10 || bytes.readUInt32BE(0) !== 0x934e554d || bytes.toString('latin1', 4, 6) !== 'PY') fail(`${name}: not a .npy file`);
  const major = bytes[6]!;
  if (major < 1 || major > 3) fail(`${name}: .npy format ${major} is not one repro reads`);
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (headerLen > 65536 || start + headerLen > bytes.length) fail(`${name}: a header of ${headerLen} bytes`);
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
  const descr = /'descr':\s*'([<>|=])([a-z])(\d+)'/.exec(header);
  if (!descr) fail(`${name}: its dtype is not a plain number type (object and structured arrays are never read: they may hold pickles)`);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (fortran === undefined || shapeText === undefined) fail(`${name}: a header without fortran_order or shape`);
  const shape = shapeText!.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : fail(`${name}: a shape of ${shapeText}`)));
  const [, order, kind, sizeText] = descr!;
  const read = reader(kind!, Number(sizeText), order !== '>');
  if (!read) fail(`${name}: dtype ${order}${kind}${sizeText} is not one repro compares`);
  const arr = decode(name, bytes, start + headerLen, shape, read!, Number(sizeText));
  // Fortran order holds the same elements in another order: compared in it, both sides alike.
  return fortran === 'True' ? { ...arr, name: `${name} (Fortran order)` } : arr;
}

const SAFETENSORS_DTYPES: Record<string, [string, number]> = { F64: ['f', 8], F32: ['f', 4], F16: ['f', 2], BF16: ['bf', 2], I64: ['i', 8], I32: ['i', 4], I16: ['i', 2], I8: ['i', 1], U8: ['u', 1], U16: ['u', 2], U32: ['u', 4], U64: ['u', 8], BOOL: ['b', 1] };

/** A safetensors file's tensors, by name (sorted). */
export function readSafetensors(bytes: Buffer): NumericArray[] {
  if (bytes.length < 8) fail('not a safetensors file');
  const len = Number(bytes.readBigUInt64LE(0));
  if (len > 100 << 20 || 8 + len > bytes.length) fail(`a header of ${len} bytes`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + len)) as Record<string, unknown>;
  } catch {
    return fail('a header that is not JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('a header that is not an object');
  const data = bytes.subarray(8 + len);
  const out: NumericArray[] = [];
  for (const name of Object.keys(header).filter((k) => k !== '__metadata__').sort()) {
    const t = header[name] as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dt = typeof t?.dtype === 'string' ? SAFETENSORS_DTYPES[t.dtype] : undefined;
    if (!dt) fail(`${name}: dtype ${JSON.stringify(t?.dtype)} is not one repro compares`);
    if (!Array.isArray(t.shape) || !Array.isArray(t.data_offsets) || t.data_offsets.length !== 2) fail(`${name}: no shape or data_offsets`);
    const [s, e] = t.data_offsets as number[];
    if (!Number.isSafeInteger(s) || !Number.isSafeInteger(e) || s! < 0 || e! < s! || e! > data.length) fail(`${name}: data_offsets ${JSON.stringify(t.data_offsets)} outside the file`);
    out.push(decode(name, Buffer.from(data.subarray(s!, e!)), 0, t.shape as number[], reader(dt![0], dt![1], true)!, dt![1]));
  }
  return out;
}

/** A .npz file's arrays (each member a .npy; stored or deflated), by member name (sorted). */
export function readNpz(bytes: Buffer): NumericArray[] {
  // The central directory: at the end, found from the end-of-central-directory record.
  const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || eocd + 22 > bytes.length) fail('not a zip file');
  const count = bytes.readUInt16LE(eocd + 10);
  let at = bytes.readUInt32LE(eocd + 16);
  const out: NumericArray[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) fail('a broken central directory');
    const method = bytes.readUInt16LE(at + 10);
    const compressed = bytes.readUInt32LE(at + 20);
    const size = bytes.readUInt32LE(at + 24);
    const nameLen = bytes.readUInt16LE(at + 28);
    const extra = bytes.readUInt16LE(at + 30);
    const comment = bytes.readUInt16LE(at + 32);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLen);
    at += 46 + nameLen + extra + comment;
    if (local + 30 > bytes.length || bytes.readUInt32LE(local) !== 0x04034b50) fail(`${name}: a broken local header`);
    const dataAt = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    if (dataAt + compressed > bytes.length) fail(`${name}: outside the file`);
    total += size;
    if (total > MAX_ARRAY_BYTES) fail('more bytes than repro compares');
    const raw = bytes.subarray(dataAt, dataAt + compressed);
    const member = method === 0 ? raw : method === 8 ? inflateRawSync(raw, { maxOutputLength: size + 1 }) : fail(`${name}: compression method ${method}`);
    if (member.length !== size) fail(`${name}: ${member.length} bytes where the zip says ${size}`);
    out.push(readNpy(Buffer.from(member), name.replace(/\.npy$/, '')));
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function readArrays(bytes: Buffer, format: 'npy' | 'npz' | 'safetensors'): NumericArray[] {
  if (bytes.length > MAX_ARRAY_BYTES) fail(`${bytes.length} bytes: more than repro compares`);
  return format === 'npy' ? [readNpy(bytes)] : format === 'npz' ? readNpz(bytes) : readSafetensors(bytes);
}

export interface ArrayDifference {
  /** The largest |a-b| over every element. */
  value: number;
  /** The largest |a-b| / max(|a|, |b|) (0 where both are 0). */
  relative: number;
  /** Where the largest |a-b| is: "name[i, j]". */
  at: string;
}

/** Element by element; null when the arrays are not the same shape (then only their bytes compare). NaN equals NaN. */
export function arrayDifference(a: readonly NumericArray[], b: readonly NumericArray[]): ArrayDifference | null {
  if (a.length !== b.length) return null;
  let best: ArrayDifference = { value: 0, relative: 0, at: '' };
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    const y = b[k]!;
    if (x.name !== y.name || x.shape.join(',') !== y.shape.join(',')) return null;
    for (let i = 0; i < x.values.length; i++) {
      const p = x.values[i]!;
      const q = y.values[i]!;
      if (Number.isNaN(p) && Number.isNaN(q)) continue;
      const d = p === q ? 0 : Math.abs(p - q);
      const value = Number.isNaN(d) ? Infinity : d;
      const scale = Math.max(Math.abs(p), Math.abs(q));
      const rel = value === 0 ? 0 : scale === 0 || !Number.isFinite(scale) ? Infinity : value / scale;
      if (value > best.value || best.at === '') best = { value, relative: Math.max(best.relative, rel), at: `${x.name}[${index(i, x.shape).join(', ')}]` };
      else if (rel > best.relative) best = { ...best, relative: rel };
    }
  }
  return best;
}

function index(flat: number, shape: readonly number[]): number[] {
  const out: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return out;
}

// Array outputs read by rule: .npy headers parsed (never evaluated), safetensors and .npz
// bounded, object arrays refused; and the element-by-element difference.
import { describe, expect, it } from 'vitest';
import { ArrayFormatError, arrayDifference, arrayFormat, isPickle, readArrays, readNpy, readSafetensors } from '../../../src/exec/arrays.js';
import { zipBytes } from '../../helpers/wheel.js';
import { f64, npyBytes } from '../../helpers/arrays.js';

const npy = npyBytes;

function safetensors(tensors: Record<string, { dtype: string; shape: number[]; data: Buffer }>, meta?: object): Buffer {
  const header: Record<string, unknown> = meta ? { __metadata__: meta } : {};
  let at = 0;
  for (const [k, t] of Object.entries(tensors)) {
    header[k] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + t.data.length] };
    at += t.data.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, ...Object.values(tensors).map((t) => t.data)]);
}

describe('arrayFormat and isPickle', () => {
  it('reads .npy, .npz and .safetensors as arrays; pickles never', () => {
    expect(['a.npy', 'b.NPZ', 'm.safetensors', 'x.pkl'].map(arrayFormat)).toEqual(['npy', 'npz', 'safetensors', null]);
    expect(['model.pkl', 'ckpt.pt', 'w.pth', 'm.joblib', 'a.npy'].map(isPickle)).toEqual([true, true, true, true, false]);
  });
});

describe('readNpy', () => {
  it('a float64 matrix, a big-endian int16 vector, a scalar', () => {
    expect(readNpy(npy('<f8', [2, 2], f64(1, 2, 3, 4)))).toMatchObject({ shape: [2, 2], values: new Float64Array([1, 2, 3, 4]) });
    const be = Buffer.alloc(4);
    be.writeInt16BE(-2, 0);
    be.writeInt16BE(300, 2);
    expect(Array.from(readNpy(npy('>i2', [2], be)).values)).toEqual([-2, 300]);
    expect(Array.from(readNpy(npy('<f8', [], f64(7))).values)).toEqual([7]);
  });

  it('attack: an object array (a pickle inside) is refused, never read', () => {
    expect(() => readNpy(npy('|O', [1], Buffer.from('cos\nsystem\n')))).toThrow(/object and structured arrays are never read/);
  });

  it('attack: a shape that claims more (or fewer) bytes than follow is refused', () => {
    expect(() => readNpy(npy('<f8', [1000000], f64(1)))).toThrow(ArrayFormatError);
    expect(() => readNpy(npy('<f8', [1], f64(1, 2)))).toThrow(/needs 8 bytes, and 16 follow/);
    expect(() => readNpy(npy('<f8', [2 ** 40, 2 ** 20], f64(1)))).toThrow(ArrayFormatError);
  });

  it('attack: not a .npy, an unknown format version, a header past the end', () => {
    expect(() => readNpy(Buffer.from('not numpy at all'))).toThrow(/not a .npy/);
    const v9 = npy('<f8', [1], f64(1));
    v9[6] = 9;
    expect(() => readNpy(v9)).toThrow(/format 9/);
    const long = npy('<f8', [1], f64(1));
    long.writeUInt16LE(60000, 8);
    expect(() => readNpy(long)).toThrow(/header of 60000/);
  });
});

describe('readSafetensors', () => {
  it('tensors by name, F32 and BF16 and I64, metadata ignored', () => {
    const bf = Buffer.alloc(2);
    bf.writeUInt16LE(0x3fc0); // 1.5
    const i64 = Buffer.alloc(8);
    i64.writeBigInt64LE(-5n);
    const t = readSafetensors(safetensors({ w: { dtype: 'F32', shape: [2], data: Buffer.from(new Float32Array([0.5, 2]).buffer) }, b: { dtype: 'BF16', shape: [1], data: bf }, n: { dtype: 'I64', shape: [1], data: i64 } }, { format: 'pt' }));
    expect(t.map((x) => [x.name, Array.from(x.values)])).toEqual([['b', [1.5]], ['n', [-5]], ['w', [0.5, 2]]]);
  });

  it('attack: offsets outside the data, a header longer than the file, an unknown dtype', () => {
    const bad = safetensors({ w: { dtype: 'F32', shape: [1], data: Buffer.alloc(4) } });
    const json = JSON.parse(bad.toString('utf8', 8, 8 + Number(bad.readBigUInt64LE(0))));
    json.w.data_offsets = [0, 4096];
    const text = Buffer.from(JSON.stringify(json));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(text.length));
    expect(() => readSafetensors(Buffer.concat([len, text, Buffer.alloc(4)]))).toThrow(/outside the file/);
    const huge = Buffer.alloc(16);
    huge.writeBigUInt64LE(2n ** 40n);
    expect(() => readSafetensors(huge)).toThrow(/header of/);
    expect(() => readSafetensors(safetensors({ w: { dtype: 'F8_E4M3', shape: [1], data: Buffer.alloc(1) } }))).toThrow(/dtype/);
  });
});

describe('.npz', () => {
  it('members stored and deflated, by name', () => {
    const zip = zipBytes([
      { name: 'b.npy', data: npy('<f8', [1], f64(2)), method: 0 },
      { name: 'a.npy', data: npy('<f8', [2], f64(0, 1)) },
    ]);
    expect(readArrays(zip, 'npz').map((x) => [x.name, Array.from(x.values)])).toEqual([['a', [0, 1]], ['b', [2]]]);
  });

  it('attack: a member that inflates past the size its entry declares (a bomb) is refused', () => {
    const big = npy('<f8', [4096], Buffer.alloc(4096 * 8));
    const zip = zipBytes([{ name: 'x.npy', data: big, claimedSize: 100 }]);
    expect(() => readArrays(zip, 'npz')).toThrow(/buffer|100/i);
  });
});

describe('arrayDifference', () => {
  it('the largest |a-b|, where, and the largest relative error; NaN equals NaN', () => {
    const a = [{ name: 'w', shape: [2, 2], values: new Float64Array([1, 2, 3, NaN]) }];
    const b = [{ name: 'w', shape: [2, 2], values: new Float64Array([1, 2.5, 3.1, NaN]) }];
    const d = arrayDifference(a, b)!;
    expect(d.value).toBeCloseTo(0.5);
    expect(d.at).toBe('w[0, 1]');
    expect(d.relative).toBeCloseTo(0.2);
    expect(arrayDifference(a, a)).toEqual({ value: 0, relative: 0, at: 'w[0, 0]' });
  });

  it('another shape or name: null (bytes only)', () => {
    expect(arrayDifference([{ name: 'w', shape: [4], values: new Float64Array(4) }], [{ name: 'w', shape: [2, 2], values: new Float64Array(4) }])).toBeNull();
    expect(arrayDifference([{ name: 'w', shape: [1], values: new Float64Array(1) }], [{ name: 'v', shape: [1], values: new Float64Array(1) }])).toBeNull();
  });
});

// NumPy .npy files written byte by byte (format 1.0), for tests of the array comparison that must
// not depend on a Python being installed.

/** A .npy file: the header dict NumPy writes, padded to 64 bytes, then the data. */
export function npyBytes(descr: string, shape: readonly number[], data: Buffer, fortran = false): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const head = Buffer.alloc(10);
  head.writeUInt32BE(0x934e554d, 0);
  head.write('PY', 4, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

export const f64 = (...v: number[]) => Buffer.from(new Float64Array(v).buffer);
export const f32 = (...v: number[]) => Buffer.from(new Float32Array(v).buffer);

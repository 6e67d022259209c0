// Normalisers (issue 28, finding 5): a PDF that differs only in its dates and ids, a PNG only in
// its metadata chunks, are equivalent; any other byte still differs; malformed input is compared
// byte for byte, never a crash.
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { normalizedDigest, normalizePng } from '../../../src/exec/normalize.js';

const pdf = (date: string, id: string, body = 'BT /F1 12 Tf (loss 0.5) Tj ET') =>
  Buffer.from(`%PDF-1.4\n1 0 obj << /Producer (matplotlib) /CreationDate (D:${date}) /ModDate (D:${date}) >> endobj\n2 0 obj << /Length 30 >> stream\n${body}\nendstream endobj\ntrailer << /ID [<${id}><${id}>] >>\n%%EOF\n`, 'latin1');

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
}
const png = (time: Buffer, pixel = 0) =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])), chunk('tIME', time), chunk('tEXt', Buffer.from('Creation Time\0now')), chunk('IDAT', deflateSync(Buffer.from([0, pixel]))), chunk('IEND', Buffer.alloc(0))]);

describe('normalizedDigest', () => {
  it('two PDFs that differ only in /CreationDate, /ModDate and /ID are the same once normalised', () => {
    const a = pdf("20261206072905+00'00'", 'A1B2C3D4');
    const b = pdf("20261207101010+00'00'", 'FFEE0011');
    expect(a.equals(b)).toBe(false);
    expect(normalizedDigest('pdf', a)).toBe(normalizedDigest('pdf', b));
  });

  it('a PDF that differs in its content stays different', () => {
    expect(normalizedDigest('pdf', pdf('20261206072905', 'AA'))).not.toBe(normalizedDigest('pdf', pdf('20261206072905', 'AA', 'BT /F1 12 Tf (loss 0.7) Tj ET')));
  });

  it('two PNGs that differ only in tIME and tEXt are the same once normalised; a pixel is not', () => {
    expect(normalizedDigest('png', png(Buffer.from([7, 234, 12, 6, 7, 29, 5])))).toBe(normalizedDigest('png', png(Buffer.from([7, 234, 12, 7, 1, 2, 3]))));
    expect(normalizedDigest('png', png(Buffer.alloc(7), 1))).not.toBe(normalizedDigest('png', png(Buffer.alloc(7), 0)));
  });

  it('attack: a truncated PNG, a chunk length past the end, or not a PNG at all is no normalisation (null), never a crash', () => {
    const good = png(Buffer.alloc(7));
    expect(normalizePng(good.subarray(0, 20))).toBeNull();
    const lying = Buffer.from(good);
    lying.writeUInt32BE(0x7ffffff0, 8);
    expect(normalizePng(lying)).toBeNull();
    expect(normalizedDigest('png', Buffer.from('not a png'))).toBeNull();
    expect(normalizedDigest('pdf', Buffer.from('not a pdf'))).toBeNull();
  });
});

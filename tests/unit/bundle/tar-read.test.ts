import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import type { BundleEntry } from '../../../src/bundle/entry.js';
import { encodeEntryHeader, END_OF_ARCHIVE, paddingFor } from '../../../src/bundle/tar-header.js';
import { readTar, type Prediction, type RawEntry } from '../../../src/bundle/tar-read.js';

const EPOCH = 946684800;

function tarOf(entries: Array<{ entry: BundleEntry; content?: string; header?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const { entry, content = '', header } of entries) {
    parts.push(header ?? encodeEntryHeader(entry, EPOCH));
    if (content) parts.push(Buffer.from(content), Buffer.alloc(paddingFor(content.length)));
  }
  parts.push(END_OF_ARCHIVE);
  return Buffer.concat(parts);
}

const predictionOf = (e: BundleEntry): Prediction => ({
  header: encodeEntryHeader(e, EPOCH),
  entry: { path: e.path, type: e.type, mode: e.mode, size: e.size, target: e.target, mtime: EPOCH, uid: 0, gid: 0, uname: '', gname: '' },
});

describe('readTar with predicted headers', () => {
  const a: BundleEntry = { path: 'project/a.py', type: 'file', mode: 0o644, size: 3 };
  const b: BundleEntry = { path: 'project/b.py', type: 'file', mode: 0o644, size: 2 };

  it('a header equal to the prediction is handed on undecoded, with the predicted fields; any other is decoded', async () => {
    const forged = encodeEntryHeader({ ...b, mode: 0o755 }, EPOCH); // one field off: decoded, and it says 0755
    const tar = tarOf([{ entry: a, content: 'abc' }, { entry: a, content: 'abc' }, { entry: b, content: 'xy', header: forged }]);
    const seen: Array<{ e: RawEntry; predicted: boolean }> = [];
    const predictions = [predictionOf(a), predictionOf(b)];
    let asked = 0;
    await readTar(Readable.from([tar]), {
      predict: () => predictions[asked++],
      entry: (e, predicted) => {
        seen.push({ e, predicted });
        return () => {};
      },
    });
    expect(asked).toBe(2); // never for the first entry
    expect(seen.map((s) => [s.e.path, s.predicted, s.e.mode.toString(8), s.e.size])).toEqual([
      ['project/a.py', false, '644', 3],
      ['project/a.py', true, '644', 3],
      ['project/b.py', false, '755', 2],
    ]);
    expect(seen[1]!.e.raw.equals(predictions[0]!.header)).toBe(true);
    expect(seen[1]!.e.offset).toBe(1024);
  });

  it('a prediction with a PAX record is never matched by a lone block', async () => {
    const long: BundleEntry = { path: `project/${'x'.repeat(120)}`, type: 'file', mode: 0o644, size: 1 };
    const tar = tarOf([{ entry: a, content: 'abc' }, { entry: long, content: 'z' }]);
    const flags: boolean[] = [];
    await readTar(Readable.from([tar]), { predict: () => predictionOf(long), entry: (_e, predicted) => (flags.push(predicted), () => {}) });
    expect(flags).toEqual([false, false]);
  });
});

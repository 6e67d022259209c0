// RECORD as Python's csv module writes it, read back and written again.
import { describe, expect, it } from 'vitest';
import { formatRecord, parseCsv, parseRecord, recordHash } from '../../../src/wheel/record.js';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and newlines, CRLF and LF lines', () => {
    expect(parseCsv('a,b,c\r\n"x,y","he said ""hi""",3\n"multi\nline",,\n')).toEqual([
      ['a', 'b', 'c'],
      ['x,y', 'he said "hi"', '3'],
      ['multi\nline', '', ''],
    ]);
  });
});

describe('parseRecord', () => {
  it('reads paths, hashes of the allowed algorithms and sizes; RECORD itself has neither', () => {
    const rows = parseRecord('pkg/__init__.py,sha256=AAAA,12\n"pkg/a,b.py",sha512=BB_-,3\npkg-1.0.dist-info/RECORD,,\n', 'w');
    expect(rows).toEqual([
      { path: 'pkg/__init__.py', hash: { algorithm: 'sha256', digest: 'AAAA' }, size: 12 },
      { path: 'pkg/a,b.py', hash: { algorithm: 'sha512', digest: 'BB_-' }, size: 3 },
      { path: 'pkg-1.0.dist-info/RECORD', hash: null, size: null },
    ]);
  });

  it.each([
    ['a.py,md5=AAAA,1\n', /not sha256, sha384 or sha512/],
    ['a.py,sha1=AAAA,1\n', /not sha256, sha384 or sha512/],
    ['a.py,sha256=AAAA,big\n', /size that is not a number/],
    ['a.py,sha256=AAAA\n', /has 2 fields, not 3/],
    ['a.py,sha256=AAAA,1,extra\n', /has 4 fields/],
  ])('refuses %j', (text, why) => {
    expect(() => parseRecord(text, 'w.whl')).toThrow(why);
  });

  it('formatRecord writes what parseRecord reads, quoting as csv does', () => {
    const rows = [
      { path: 'a,b.py', hash: { algorithm: 'sha256', digest: recordHash('sha256', Buffer.from('x')).slice(7) }, size: 1 },
      { path: 'q"uote.py', hash: null, size: null },
    ];
    const text = formatRecord(rows);
    expect(text).toBe(`"a,b.py",sha256=LXEWQrcmsEQBYnyp-6wy9chTD7GQPMTbAiWHF5IaSIE,1\n"q""uote.py",,\n`);
    expect(parseRecord(text, 'x')).toEqual(rows);
  });
});

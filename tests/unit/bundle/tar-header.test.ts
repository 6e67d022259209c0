import { describe, expect, it } from 'vitest';
import { Header } from 'tar';
import { encodeEntryHeader, paddingFor } from '../../../src/bundle/tar-header.js';

describe('encodeEntryHeader', () => {
  it('writes a plain ustar block with fixed owner, mtime and the given mode', () => {
    const raw = encodeEntryHeader({ path: 'project/a.py', type: 'file', mode: 0o644, size: 5 }, 946684800);
    expect(raw.length).toBe(512);
    const h = new Header(raw);
    expect(h.cksumValid).toBe(true);
    expect(h.path).toBe('project/a.py');
    expect(h.mode).toBe(0o644);
    expect([h.uid, h.gid, h.uname, h.gname]).toEqual([0, 0, '', '']);
    expect(h.mtime?.getTime()).toBe(946684800000);
    expect(h.size).toBe(5);
    expect(raw.subarray(257, 265).toString('latin1')).toBe('ustar\u000000');
  });

  it('marks directories with a trailing slash and symlinks with their target', () => {
    expect(new Header(encodeEntryHeader({ path: 'project/d', type: 'directory', mode: 0o755, size: 0 }, 0)).path).toBe('project/d/');
    const link = new Header(encodeEntryHeader({ path: 'project/l', type: 'symlink', mode: 0o777, size: 0, target: 'a.py' }, 0));
    expect([link.type, link.linkpath]).toEqual(['SymbolicLink', 'a.py']);
  });

  it('adds a PAX record only when ustar cannot hold the name, and it carries no atime/ctime', () => {
    const long = `project/${'deep/'.repeat(40)}${'n'.repeat(120)}.txt`;
    const raw = encodeEntryHeader({ path: long, type: 'file', mode: 0o644, size: 1 }, 946684800);
    expect(raw.length).toBeGreaterThan(512);
    const body = raw.subarray(512, raw.length - 512).toString('utf8');
    expect(body).toContain(`path=${long}`);
    expect(body).not.toMatch(/atime|ctime/);
    expect(new Header(raw.subarray(0, 512)).path).toMatch(/^PaxHeader\/n+/);
    expect(encodeEntryHeader({ path: 'project/short', type: 'file', mode: 0o644, size: 1 }, 0).length).toBe(512);
  });

  it('uses PAX for non-ASCII names so UTF-8 survives every reader', () => {
    const raw = encodeEntryHeader({ path: 'project/dáta.csv', type: 'file', mode: 0o644, size: 1 }, 0);
    expect(raw.subarray(512).toString('utf8')).toContain('path=project/dáta.csv');
  });

  it('is a pure function of its input', () => {
    const e = { path: `project/${'x'.repeat(150)}`, type: 'file' as const, mode: 0o755, size: 9 };
    expect(encodeEntryHeader(e, 1).equals(encodeEntryHeader({ ...e }, 1))).toBe(true);
  });
});

describe('paddingFor', () => {
  it.each([[0, 0], [1, 511], [511, 1], [512, 0], [513, 511]])('%i bytes need %i padding', (size, pad) => {
    expect(paddingFor(size)).toBe(pad);
  });
});

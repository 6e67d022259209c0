import { describe, expect, it } from 'vitest';
import { EntryGuard, assertSafePath } from '../../../src/bundle/entry-safety.js';

function ruleOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    const e = err as { code: string; details: { rule: string } };
    expect(e.code).toBe('E_UNSAFE_ENTRY');
    return e.details.rule;
  }
  return undefined;
}

describe('assertSafePath refuses', () => {
  it.each([
    ['dot-dot traversal', '../etc/passwd', 'dot-dot'],
    ['nested dot-dot traversal', 'project/../../x', 'dot-dot'],
    ['absolute path', '/etc/passwd', 'absolute-path'],
    ['drive-relative path', 'C:evil.txt', 'drive-path'],
    ['backslash path', 'a\\..\\b', 'backslash'],
    ['NUL in name', 'a\0b', 'nul-byte'],
    ['non-UTF-8 name', 'bad\uFFFDname', 'not-utf8'],
    ['empty name', '', 'empty-name'],
    ['non-canonical name', 'a//b', 'non-canonical-name'],
    ['NFD name', 'cafe\u0301', 'not-nfc'],
    ['name over 255 bytes', `d/${'x'.repeat(256)}`, 'name-too-long'],
    ['path over 4096 bytes', Array.from({ length: 40 }, () => 'y'.repeat(200)).join('/'), 'path-too-long'],
  ])('%s', (_attack, path, rule) => {
    expect(ruleOf(() => assertSafePath(path))).toBe(rule);
  });

  it('accepts an ordinary nested name', () => {
    expect(ruleOf(() => assertSafePath('project/src/train.py'))).toBeUndefined();
  });
});

describe('EntryGuard refuses', () => {
  const guarded = () => {
    const g = new EntryGuard();
    g.check('project', 'directory', 0o755);
    return g;
  };

  it('duplicate entries', () => {
    const g = guarded();
    g.check('project/a', 'file', 0o644);
    expect(ruleOf(() => g.check('project/a', 'file', 0o644))).toBe('duplicate');
  });

  it('case-folding twins', () => {
    const g = guarded();
    g.check('project/README', 'file', 0o644);
    expect(ruleOf(() => g.check('project/readme', 'file', 0o644))).toBe('case-collision');
  });

  it('a twin named by the name of the earlier entry, when the caller can tell it', () => {
    const names = ['project', 'project/README'];
    const g = new EntryGuard((ordinal) => names[ordinal]);
    g.check('project', 'directory', 0o755);
    g.check('project/README', 'file', 0o644);
    expect(() => g.check('project/readme', 'file', 0o644)).toThrow(expect.objectContaining({ message: 'entries differ only in case or Unicode form: project/README and project/readme', details: expect.objectContaining({ other: 'project/README' }) }));
  });

  it('setuid, setgid and sticky bits', () => {
    const g = guarded();
    expect(ruleOf(() => g.check('project/suid', 'file', 0o4755))).toBe('special-mode-bits');
    expect(ruleOf(() => g.check('project/sgid', 'file', 0o2755))).toBe('special-mode-bits');
    expect(ruleOf(() => g.check('project/sticky', 'directory', 0o1777))).toBe('special-mode-bits');
  });

  it('a symlink pointing outside', () => {
    expect(ruleOf(() => guarded().check('project/l', 'symlink', 0o777, '../../etc/passwd'))).toBe('symlink-escape');
    expect(ruleOf(() => guarded().check('project/l', 'symlink', 0o777, '/etc/passwd'))).toBe('symlink-escape');
  });

  it('a file written through a symlink (entry beneath a link)', () => {
    const g = guarded();
    g.check('project/l', 'symlink', 0o777, '.');
    expect(ruleOf(() => g.check('project/l/evil', 'file', 0o644))).toBe('beneath-symlink');
  });

  it('an entry before its parent directory', () => {
    expect(ruleOf(() => guarded().check('project/a/b', 'file', 0o644))).toBe('missing-parent');
  });

  it('an entry whose parent is a file', () => {
    const g = guarded();
    g.check('project/f', 'file', 0o644);
    expect(ruleOf(() => g.check('project/f/x', 'file', 0o644))).toBe('parent-not-directory');
  });
});

// Printed text is inert (core/inert.ts): a name or annotation someone else chose cannot drive the
// terminal (issue 27, Low: escape injection).
import { describe, expect, it } from 'vitest';
import { inert } from '../../../src/core/inert.js';

describe('inert', () => {
  it.each([
    ['clear screen', 'iris\u001b[2J\u001b[H', 'iris\\x1b[2J\\x1b[H'],
    ['an OSC 8 link', '\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007', '\\x1b]8;;https://evil.example\\x07click\\x1b]8;;\\x07'],
    ['a title rewrite with a C1 CSI', 'x\u009b31m', 'x\\x9b31m'],
    ['a bidi override (Trojan Source)', 'model\u202eexe.lkp', 'model\\u{202e}exe.lkp'],
    ['a carriage return that overwrites the line', 'reproduced\rNOT', 'reproduced\\x0dNOT'],
  ])('attack: %s is shown, not obeyed', (_what, text, shown) => {
    expect(inert(text)).toBe(shown);
  });

  it('newlines, tabs and ordinary Unicode stay', () => {
    expect(inert('a\tb\nc — ünïcode 模型 ✓\n')).toBe('a\tb\nc — ünïcode 模型 ✓\n');
  });
});

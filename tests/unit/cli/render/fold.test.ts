// Issue 28, finding 10: log lines of 200-350 characters on a terminal. foldText folds a message
// at spaces to a width, continuation lines indented; short lines and long words stay whole.
import { describe, expect, it } from 'vitest';
import { foldText } from '../../../../src/cli/render/text.js';

describe('foldText', () => {
  it('folds a long warning at spaces, never past the width, indenting what continues it', () => {
    const warning = "warning: build: the project has no name of its own, so it is named after its folder (\"proj\") and the bundle's digest depends on where it sits; give it one (name: in repro.yaml or MLproject, package.json, pyproject.toml, or a git remote)";
    const folded = foldText(warning, 100);
    const lines = folded.split('\n');
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.every((l) => l.length <= 100)).toBe(true);
    expect(lines.slice(1).every((l) => l.startsWith('  ') && !l.startsWith('   '))).toBe(true);
    expect(folded.replace(/\n {2}/g, ' ')).toBe(warning);
  });

  it('keeps short lines, existing line breaks and their indentation, and a word longer than the width', () => {
    expect(foldText('short', 10)).toBe('short');
    expect(foldText('a\n  b c', 10)).toBe('a\n  b c');
    const long = `see ${'x'.repeat(30)} here`;
    expect(foldText(long, 10)).toBe(`see\n  ${'x'.repeat(30)}\n  here`);
    expect(foldText('    one two three four', 12)).toBe('    one two\n      three\n      four');
  });
});

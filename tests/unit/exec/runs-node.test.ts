import { describe, expect, it } from 'vitest';
import { runsNode } from '../../../src/exec/exec.js';

describe('runsNode', () => {
  it.each([
    ['node main.js', true],
    ['/usr/bin/node --max-old-space-size=4096 train.mjs', true],
    ['npx tsx src/train.ts', true],
    ['npm run train', true],
    ['pnpm exec vitest', true],
    ['python train.py', false],
    ['bash -c "node x.js"', false],
    ['nodemon x.js', false],
    ['', false],
  ])('%j: %s', (command, want) => {
    expect(runsNode(command)).toBe(want);
  });
});

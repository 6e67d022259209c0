// The Slurm submitter reads each task's log for evidence. The entry point's own output goes
// into that log, so it is hostile input of any size: only its end is read.
import { appendFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLogTail } from '../../../src/exec/run-slurm.js';
import { tempDir } from '../../helpers/project.js';

describe('readLogTail', () => {
  it('hostile entry output: an 8 GiB task log is read only at its end', async () => {
    const log = path.join(tempDir(), 'task.out');
    writeFileSync(log, '');
    truncateSync(log, 8 * 2 ** 30); // sparse: 8 GiB of NULs, more than any string could hold
    appendFileSync(log, '\nTraceback (most recent call last):\nMemoryError\n');
    expect(await readLogTail(log, 2)).toBe('Traceback (most recent call last):\nMemoryError');
  });

  it('gives the last lines of a short log, and null for none', async () => {
    const log = path.join(tempDir(), 'task.out');
    writeFileSync(log, Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n'));
    expect(await readLogTail(log)).toBe(Array.from({ length: 15 }, (_, i) => `line ${i + 25}`).join('\n'));
    expect(await readLogTail(path.join(path.dirname(log), 'missing.out'))).toBeNull();
  });
});

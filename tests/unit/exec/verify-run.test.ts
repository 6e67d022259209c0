// What exec --verify counts as a difference between two runs: folder outputs file by file, the
// exit status, array files element by element (within a declared tolerance they are the same),
// pickles by bytes only, said so.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { differing, EXIT_STATUS } from '../../../src/exec/verify-run.js';
import type { ExecResult } from '../../../src/exec/exec.js';
import { readOutput } from '../../../src/exec/read-output.js';
import { tempDir } from '../../helpers/project.js';
import { f64, npyBytes } from '../../helpers/arrays.js';

const npy = (values: number[]) => npyBytes('<f8', [values.length], f64(...values));

/** A run directory with these outputs kept under project/, recorded as exec records them. */
async function runWith(files: Record<string, Buffer | string>, exitCode = 0): Promise<ExecResult> {
  const runDir = tempDir();
  for (const [p, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(runDir, 'project', p)), { recursive: true });
    writeFileSync(path.join(runDir, 'project', p), data);
  }
  const outputs = await Promise.all(['out/w.npy', 'out/model.pkl', 'dir'].filter((p) => Object.keys(files).some((f) => f === p || f.startsWith(`${p}/`))).map((p) => readOutput(path.join(runDir, 'project'), p, 0)));
  return { runDir, exitCode, outputs } as unknown as ExecResult;
}

describe('differing', () => {
  it('array files: max |Δ| and relative error; within a declared tolerance they count as the same', async () => {
    const a = await runWith({ 'out/w.npy': npy([1, 2, 3]) });
    const b = await runWith({ 'out/w.npy': npy([1, 2.0001, 3]) });
    const [d] = await differing(a, b, [{ path: 'out/w.npy' }]);
    expect(d).toMatchObject({ path: 'out/w.npy', verdict: 'different', maxDifference: { at: 'array[1]' } });
    expect(d!.maxDifference!.value).toBeCloseTo(0.0001, 8);
    expect(d!.maxDifference!.relative).toBeCloseTo(0.0001 / 2.0001, 8);
    expect(await differing(a, b, [{ path: 'out/w.npy', tolerance: 0.001 }])).toEqual([]);
    expect(await differing(a, b, [{ path: 'out/w.npy', tolerance: 0.00001 }])).toHaveLength(1);
  });

  it('a pickle is compared by bytes only, and the verdict says it was never unpickled', async () => {
    const [d] = await differing(await runWith({ 'out/model.pkl': 'a' }), await runWith({ 'out/model.pkl': 'b' }), [{ path: 'out/model.pkl' }]);
    expect(d!.note).toMatch(/never unpickles/);
  });

  it('a folder output is judged file by file; an exit status that changes is a difference of its own', async () => {
    const a = await runWith({ 'dir/x.txt': '1', 'dir/y.txt': '2' });
    const b = await runWith({ 'dir/x.txt': '1', 'dir/y.txt': '3', 'dir/z.txt': 'new' }, 3);
    const d = await differing(a, b, [{ path: 'dir' }]);
    expect(d.map((x) => [x.path, x.verdict])).toEqual([['dir/y.txt', 'different'], ['dir/z.txt', 'extra'], [EXIT_STATUS, 'different']]);
  });
});

// Did it reproduce? The numeric-tolerance comparison of metric files, as a table: every shape of
// JSON and CSV it compares, where the largest difference is found, and the shapes it refuses.
import { describe, expect, it } from 'vitest';
import { judgeRerun, numericDifference } from '../../../src/exec/outputs.js';
import type { OutputSpec, ParameterSpec } from '../../../src/project/types.js';
import type { OutputRecord, RunRecord } from '../../../src/run-record/record.js';
import { f32, npyBytes } from '../../helpers/arrays.js';

/** A reference run record with these outputs, and the verdict of a rerun of the same entry point and parameters. */
function compareOutputs(reference: OutputRecord[], current: OutputRecord[], specs: OutputSpec[], params: ParameterSpec[] = []) {
  const ref = { entry: 'main', parameters: { seed: '0' }, exitCode: 0, outputs: reference } as unknown as RunRecord;
  return judgeRerun(ref, { entry: 'main', parameters: { seed: '0' }, outputs: current }, specs, params);
}

describe('numericDifference', () => {
  it.each([
    ['m.json', '{"acc":0.9}', '{"acc":0.9}', { value: 0, at: '$.acc' }],
    ['m.json', '{"acc":0.9}', '{"acc":0.91}', { value: Math.abs(0.9 - 0.91), at: '$.acc' }],
    ['m.json', '{"a":1,"b":2}', '{"b":2.5,"a":1}', { value: 0.5, at: '$.b' }], // key order does not matter
    ['m.json', '[1,2,3]', '[1,2,4]', { value: 1, at: '$[2]' }],
    ['m.json', '{"x":{"y":[1,{"z":5}]}}', '{"x":{"y":[1,{"z":3}]}}', { value: 2, at: '$.x.y[1].z' }],
    ['m.json', '{"name":"run","loss":1}', '{"name":"run","loss":1.25}', { value: 0.25, at: '$.loss' }],
    ['M.JSON', '{"a":1}', '{"a":2}', { value: 1, at: '$.a' }],
    ['m.csv', 'epoch,loss\n1,0.5\n2,0.25\n', 'epoch,loss\n1,0.5\n2,0.5\n', { value: 0.25, at: 'row 3, column 2' }],
    ['m.csv', 'a,b\r\n1,2\r\n', 'a,b\n1,2\n', { value: 0, at: 'row 1, column 1' }],
    ['m.csv', '1,2\n', '1,2\n\n\n', { value: 0, at: 'row 1, column 1' }], // trailing blank lines
  ])('%s: %s vs %s', (file, a, b, expected) => {
    expect(numericDifference(a, b, file)).toEqual(expected);
  });

  it.each([
    ['m.json', '{"a":1}', '{"a":1,"b":2}', 'different keys'],
    ['m.json', '[1,2]', '[1,2,3]', 'different lengths'],
    ['m.json', '{"a":"x"}', '{"a":"y"}', 'different strings'],
    ['m.json', '{"a":1}', 'not json', 'unparsable'],
    ['m.json', '{"a":1}', '{"a":"1"}', 'a number against a string'],
    ['m.csv', 'a,b\n1,2\n', 'a,b\n1,2\n3,4\n', 'different row counts'],
    ['m.csv', 'a,b\n1,2\n', 'a,b,c\n1,2,3\n', 'different column counts'],
    ['m.csv', 'x,1\n', 'y,1\n', 'different text cells'],
    ['m.csv', ',1\n', '0,1\n', 'an empty cell against a number'],
  ])('%s: %s vs %s is no numeric comparison (%s)', (file, a, b) => {
    expect(numericDifference(a, b, file)).toBeNull();
  });
});

describe('compareOutputs', () => {
  const rec = (path: string, sha256: string | null, text?: string): OutputRecord => ({ path, size: sha256 ? 1 : null, sha256, ...(text === undefined ? {} : { text }) });

  it.each([
    ['identical bytes', rec('m.json', 'aa'), rec('m.json', 'aa'), undefined, 'identical', true],
    ['within the tolerance', rec('m.json', 'aa', '{"acc":0.9}'), rec('m.json', 'bb', '{"acc":0.9005}'), 0.001, 'within-tolerance', true],
    ['at the tolerance exactly', rec('m.json', 'aa', '{"acc":1}'), rec('m.json', 'bb', '{"acc":1.5}'), 0.5, 'within-tolerance', true],
    ['beyond the tolerance', rec('m.json', 'aa', '{"acc":0.9}'), rec('m.json', 'bb', '{"acc":0.8}'), 0.01, 'different', false],
    ['no tolerance declared', rec('m.json', 'aa', '{"acc":0.9}'), rec('m.json', 'bb', '{"acc":0.9001}'), undefined, 'different', false],
    ['a shape change under a tolerance', rec('m.json', 'aa', '{"acc":0.9}'), rec('m.json', 'bb', '{"auc":0.9}'), 1, 'different', false],
    ['missing now', rec('model.pkl', 'aa'), rec('model.pkl', null), undefined, 'missing', false],
    ['missing in both runs (two missing models are no reproduction)', rec('model.pkl', null), rec('model.pkl', null), undefined, 'missing', false],
    ['missing in the reference only', rec('model.pkl', null), rec('model.pkl', 'aa'), undefined, 'missing', false],
    ['a link where the output should be', rec('m.json', 'aa'), { path: 'm.json', size: null, sha256: null, refused: { path: 'm.json', kind: 'symlink' } }, undefined, 'refused', false],
  ] as const)('%s', (_name, reference, current, tolerance, verdict, reproduced) => {
    const specs = [{ path: reference.path, ...(tolerance === undefined ? {} : { tolerance }) }];
    const v = compareOutputs([reference], [current], specs as never);
    expect(v.outputs[0]!.verdict).toBe(verdict);
    expect(v.reproduced).toBe(reproduced);
  });

  it('an output absent from this run\'s records is missing', () => {
    const v = compareOutputs([rec('a.txt', 'aa')], [], []);
    expect(v.status).toBe('not-reproduced');
    expect(v.reproduced).toBe(false);
    expect(v.outputs).toEqual([{ path: 'a.txt', verdict: 'missing', expected: 'aa', actual: null }]);
  });
});

describe('issue 27, finding 4: the verdict covers every declared output', () => {
  it('attack: a reference run that leaves out a declared output makes no rerun "reproduced": it is missing', () => {
    const sha = `sha256:${'a'.repeat(64)}`;
    const reference = [{ path: 'out/metrics.json', size: 2, sha256: sha }];
    const current = [{ path: 'out/metrics.json', size: 2, sha256: sha }, { path: 'out/model.pkl', size: 9, sha256: `sha256:${'b'.repeat(64)}` }];
    const v = compareOutputs(reference, current, [{ path: 'out/metrics.json' }, { path: 'out/model.pkl' }]);
    expect(v.reproduced).toBe(false);
    expect(v.outputs.map((o) => [o.path, o.verdict])).toEqual([['out/metrics.json', 'identical'], ['out/model.pkl', 'missing']]);
  });
});

describe('issue 28, finding 1 and 5: comparable first, every output, and what differs', () => {
  const sha = (c: string) => `sha256:${c.repeat(64)}`;
  const ref = (params: Record<string, string>, outputs: OutputRecord[], exitCode = 0, entry = 'main') => ({ entry, parameters: params, exitCode, outputs }) as unknown as RunRecord;
  const declared: ParameterSpec[] = [{ name: 'steps', type: 'int', default: '1', required: false }, { name: 'seed', type: 'int', default: '0', required: false, role: 'seed' }];
  const model = { path: 'model.pkl', size: 3, sha256: sha('a') };

  it('attack: -P steps=2 against a steps=1 reference is "not comparable", never "reproduced", even with identical outputs', () => {
    const v = judgeRerun(ref({ steps: '1' }, [model]), { entry: 'main', parameters: { steps: '2' }, outputs: [model] }, [], declared);
    expect(v).toMatchObject({ status: 'not-comparable', reproduced: false, notComparable: ['parameter steps 2 vs 1'] });
  });

  it('another seed keeps the rerun comparable: NOT reproduced names the output', () => {
    const v = judgeRerun(ref({ steps: '1', seed: '0' }, [model]), { entry: 'main', parameters: { steps: '1', seed: '7' }, outputs: [{ ...model, sha256: sha('b') }] }, [], declared);
    expect(v).toMatchObject({ status: 'not-reproduced', outputs: [{ path: 'model.pkl', verdict: 'different' }], comparability: { seeds: [{ name: 'seed', rerun: '7' }] } });
  });

  it('attack: nothing declared and nothing recorded is "not comparable: no outputs", never "reproduced"', () => {
    const v = judgeRerun(ref({}, []), { entry: 'main', parameters: {}, outputs: [] }, [], []);
    expect(v.status).toBe('not-comparable');
    expect(v.notComparable![0]).toMatch(/^no outputs to compare/);
  });

  it('a failed reference run (from a bundle built before --with-run refused them) is no result to compare with', () => {
    const v = judgeRerun(ref({}, [model], 3), { entry: 'main', parameters: {}, outputs: [model] }, [], []);
    expect(v.notComparable).toEqual(['the reference run exited 3: it is no result to reproduce']);
  });

  it('a file the rerun made that the reference did not is "extra": not reproduced', () => {
    const v = judgeRerun(ref({}, [model]), { entry: 'main', parameters: {}, outputs: [model, { path: 'stray.txt', size: 1, sha256: sha('c') }] }, [], []);
    expect(v.status).toBe('not-reproduced');
    expect(v.outputs.map((o) => [o.path, o.verdict])).toEqual([['model.pkl', 'identical'], ['stray.txt', 'extra']]);
  });

  it('MLflow artifacts under two run ids are the same output; identical bytes reproduce', () => {
    const a = { path: 'mlruns/0/0123456789abcdef0123456789abcdef/artifacts/model/model.pkl', size: 3, sha256: sha('a') };
    const b = { ...a, path: 'mlruns/0/fedcba9876543210fedcba9876543210/artifacts/model/model.pkl' };
    const v = judgeRerun(ref({}, [a]), { entry: 'main', parameters: {}, outputs: [b] }, [], []);
    expect(v.status).toBe('reproduced');
    expect(v.outputs).toEqual([{ path: b.path, verdict: 'identical', expected: a.sha256, actual: a.sha256 }]);
  });

  it('a small text output that differs names the first differing line, and both sizes', () => {
    const r = { path: 'report.txt', size: 12, sha256: sha('a'), text: 'loss 0.5\nok\n' };
    const c = { path: 'report.txt', size: 12, sha256: sha('b'), text: 'loss 0.7\nok\n' };
    const v = judgeRerun(ref({}, [r]), { entry: 'main', parameters: {}, outputs: [c] }, [], []);
    expect(v.outputs[0]!.detail).toEqual({ expectedSize: 12, actualSize: 12, line: { number: 1, expected: 'loss 0.5', actual: 'loss 0.7' } });
  });
});

describe('issue 28, finding 5: normalised outputs', () => {
  it('a PDF whose bytes differ but whose normalised digests agree is "equivalent", which reproduces; different normalised digests do not', () => {
    const ref = { entry: 'main', parameters: {}, exitCode: 0, outputs: [{ path: 'loss.pdf', size: 9, sha256: 'a'.repeat(64), normalized: { by: 'pdf' as const, sha256: 'c'.repeat(64) } }] } as unknown as RunRecord;
    const same = judgeRerun(ref, { entry: 'main', parameters: {}, outputs: [{ path: 'loss.pdf', size: 9, sha256: 'b'.repeat(64), normalized: { by: 'pdf', sha256: 'c'.repeat(64) } }] }, [{ path: 'loss.pdf', normalize: 'pdf' }], []);
    expect(same.status).toBe('reproduced');
    expect(same.outputs[0]).toMatchObject({ verdict: 'equivalent', normalized: 'pdf' });
    const other = judgeRerun(ref, { entry: 'main', parameters: {}, outputs: [{ path: 'loss.pdf', size: 9, sha256: 'b'.repeat(64), normalized: { by: 'pdf', sha256: 'd'.repeat(64) } }] }, [{ path: 'loss.pdf', normalize: 'pdf' }], []);
    expect(other.outputs[0]!.verdict).toBe('different');
  });
});

describe('issue 31: array outputs against the reference run, and pickles', () => {
  const npy = (values: number[]) => npyBytes('<f4', [values.length], f32(...values)).toString('base64');
  const arr = (sha: string, values: number[]): OutputRecord => ({ path: 'out/w.npy', size: 20, sha256: sha, data: npy(values) });

  it('a .npy with a tolerance: element by element, max |Δ| and relative error in the verdict', () => {
    const within = compareOutputs([arr('aa', [1, 2])], [arr('bb', [1, 2.001])], [{ path: 'out/w.npy', tolerance: 0.01 }]);
    expect(within.reproduced).toBe(true);
    expect(within.outputs[0]).toMatchObject({ verdict: 'within-tolerance', maxDifference: { at: 'array[1]' } });
    expect(within.outputs[0]!.maxDifference!.relative).toBeGreaterThan(0);
    const beyond = compareOutputs([arr('aa', [1, 2])], [arr('bb', [1, 3])], [{ path: 'out/w.npy', tolerance: 0.01 }]);
    expect(beyond.outputs[0]).toMatchObject({ verdict: 'different', maxDifference: { value: 1, at: 'array[1]' } });
  });

  it('attack: an array file that lies about its shape is compared by bytes, and the verdict says why', () => {
    const bad: OutputRecord = { path: 'out/w.npy', size: 5, sha256: 'bb', data: Buffer.from('\x93NUMPY junk').toString('base64') };
    const v = compareOutputs([arr('aa', [1])], [bad], [{ path: 'out/w.npy', tolerance: 1 }]);
    expect(v.outputs[0]).toMatchObject({ verdict: 'different' });
    expect(v.outputs[0]!.note).toMatch(/compared by bytes/);
  });

  it('a pickle that differs: by bytes only, and the verdict says it was never unpickled', () => {
    const v = compareOutputs([{ path: 'model.pkl', size: 1, sha256: 'aa' }], [{ path: 'model.pkl', size: 1, sha256: 'bb' }], [{ path: 'model.pkl' }]);
    expect(v.outputs[0]!.note).toMatch(/never unpickles/);
  });
});

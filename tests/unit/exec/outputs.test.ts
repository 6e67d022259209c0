// Did it reproduce? The numeric-tolerance comparison of metric files, as a table: every shape of
// JSON and CSV it compares, where the largest difference is found, and the shapes it refuses.
import { describe, expect, it } from 'vitest';
import { compareOutputs, numericDifference } from '../../../src/exec/outputs.js';
import type { OutputRecord } from '../../../src/run-record/record.js';

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
    expect(v).toEqual({ reproduced: false, outputs: [{ path: 'a.txt', verdict: 'missing', expected: 'aa', actual: null }] });
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

// What varies across a sweep: numeric JSON fields flattened and bounded, their spread, and the
// one-line answer to "is this result seed-stable?".
import { describe, expect, it } from 'vitest';
import { MAX_FIELDS_PER_OUTPUT, numericFields, pointMetrics, spreadOf, sweepSpread } from '../../../src/exec/sweep-stats.js';

describe('numericFields', () => {
  it('flattens nested numbers by path, skips strings, booleans and non-finite values', () => {
    expect(numericFields('{"acc": 0.9, "eval": {"loss": [0.5, 0.25]}, "name": "x", "ok": true, "n": null}')).toEqual({ acc: 0.9, 'eval.loss[0]': 0.5, 'eval.loss[1]': 0.25 });
    expect(numericFields('3.5')).toEqual({ $: 3.5 });
    expect(numericFields('not json')).toEqual({});
  });

  it(`attack: a JSON output with a million numbers gives at most ${MAX_FIELDS_PER_OUTPUT} fields`, () => {
    expect(Object.keys(numericFields(JSON.stringify(Array.from({ length: 1_000_000 }, (_, i) => i))))).toHaveLength(MAX_FIELDS_PER_OUTPUT);
  });
});

describe('spreadOf', () => {
  it('mean, sample std, min, max, CV and distinct values', () => {
    const s = spreadOf([1, 2, 3, 4]);
    expect(s).toMatchObject({ points: 4, distinct: 4, mean: 2.5, min: 1, max: 4 });
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(s.cv).toBeCloseTo(Math.sqrt(5 / 3) / 2.5, 12);
    expect(spreadOf([0, 0])).toMatchObject({ std: 0, cv: null, distinct: 1 });
    expect(spreadOf([7]).std).toBe(0);
  });
});

describe('sweepSpread', () => {
  const point = (acc: number, digest: string) => ({ metrics: pointMetrics([{ path: 'out/m.json', text: JSON.stringify({ acc, epochs: 3 }) }, { path: 'out/log.txt', text: '{"acc": 1}' }]), outputs: { 'out/m.json': digest } });

  it('seed-stable when every output is identical', () => {
    const s = sweepSpread([point(0.9, 'a'), point(0.9, 'a')]);
    expect(s.stable).toBe(true);
    expect(s.verdict).toBe('seed-stable: every output identical across 2 points');
    expect(Object.keys(s.metrics)).toEqual(['out/m.json:acc', 'out/m.json:epochs']);
  });

  it('NOT seed-stable: the metric that moves most, with its spread', () => {
    const s = sweepSpread([point(0.9, 'a'), point(0.92, 'b'), point(0.94, 'c')]);
    expect(s.stable).toBe(false);
    expect(s.verdict).toMatch(/^NOT seed-stable: out\/m\.json:acc 0\.9200 ± 0\.02000 \(min 0\.9000, max 0\.9400, CV 2\.2%, 3 distinct values over 3 points\); 1 of 1 outputs differ$/);
    expect(s.outputs['out/m.json']).toEqual({ points: 3, distinct: 3 });
  });

  it("bug: among metrics that move alike the headline was picked by the host's collation (under sk_SK 'chunk' sorts after 'hidden'): code-unit order on every machine", () => {
    const at = (v: number) => ({ metrics: pointMetrics([{ path: 'out/m.json', text: JSON.stringify({ hidden: v, chunk: v }) }]), outputs: { 'out/m.json': String(v) } });
    const s = sweepSpread([at(1), at(2), at(3)]);
    expect(s.verdict).toMatch(/^NOT seed-stable: out\/m\.json:chunk 2 ± 1 /);
  });

  it('bytes that move with no number moving: said so', () => {
    const s = sweepSpread([{ metrics: {}, outputs: { 'model.pkl': 'a' } }, { metrics: {}, outputs: { 'model.pkl': 'b' } }]);
    expect(s.verdict).toBe('NOT seed-stable: model.pkl 2 distinct digests over 2 points (no numeric JSON field moves: the bytes do)');
  });
});

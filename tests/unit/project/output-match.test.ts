// What an output declaration means (issue 28, finding 5): globs, ignore rules, what detection
// skips, and MLflow's run directories compared by their artifacts.
import { describe, expect, it } from 'vitest';
import { comparisonKey, isDetectable, isGlob, literalOutputs, matchesPath, specFor } from '../../../src/project/output-match.js';

describe('output declarations', () => {
  it.each([
    ['outputs/*.json', 'outputs/metrics.json', true],
    ['outputs/*.json', 'outputs/sub/metrics.json', false],
    ['outputs/**/*.json', 'outputs/sub/metrics.json', true],
    ['mlruns/**/artifacts/**', 'mlruns/0/0123456789abcdef0123456789abcdef/artifacts/model/model.pkl', true],
    ['outputs', 'outputs/model.pkl', true], // a literal directory covers what is under it
    ['outputs', 'outputs2/model.pkl', false],
    ['*.pdf', '.hidden.pdf', false], // dotfiles only when the glob names them
    ['{a,b}.txt', 'b.txt', true],
  ])('%s matches %s: %s', (pattern, p, expected) => {
    expect(matchesPath(pattern, p)).toBe(expected);
  });

  it('globs are told from paths', () => {
    expect(['a/*.json', 'a/[ab].txt', 'x/{a,b}', 'm?.csv'].every(isGlob)).toBe(true);
    expect(isGlob('outputs/model.pkl')).toBe(false);
  });

  it('the tolerance of a file matched by a glob comes from its declaration; the literal one first; ignore rules declare nothing', () => {
    const specs = [{ path: 'out/*.json', tolerance: 0.1 }, { path: 'out/exact.json', tolerance: 0 }, { path: 'out/log.json', ignore: true }];
    expect(specFor('out/metrics.json', specs)?.tolerance).toBe(0.1);
    expect(specFor('out/exact.json', specs)?.tolerance).toBe(0);
    expect(literalOutputs(specs).map((s) => s.path)).toEqual(['out/exact.json']);
  });

  it('finding 5: MLflow artifacts are compared without the run id; its bookkeeping is no output', () => {
    const a = 'mlruns/0/0123456789abcdef0123456789abcdef/artifacts/model/model.pkl';
    const b = 'mlruns/0/fedcba9876543210fedcba9876543210/artifacts/model/model.pkl';
    expect(comparisonKey(a)).toBe(comparisonKey(b));
    expect(comparisonKey(a)).toBe('mlruns/0/*/artifacts/model/model.pkl');
    expect(comparisonKey('mlruns/1/models/m-abc123/artifacts/MLmodel')).toBe('mlruns/1/models/*/artifacts/MLmodel');
    expect(comparisonKey('outputs/model.pkl')).toBe('outputs/model.pkl');
    expect(isDetectable(a, [])).toBe(true);
    for (const p of ['mlruns/0/0123456789abcdef0123456789abcdef/meta.yaml', 'mlruns/0/0123456789abcdef0123456789abcdef/metrics/rmse', 'mlruns/0/meta.yaml', 'mlflow.db']) expect(isDetectable(p, [])).toBe(false);
  });

  it('attack: hidden files a run plants (.git/config, .envrc, .ssh/) are never detected outputs', () => {
    for (const p of ['.git/config', '.envrc', 'sub/.ssh/authorized_keys', '.hidden']) expect(isDetectable(p, [])).toBe(false);
  });

  it('caches and bytecode are never detected outputs; an ignore rule removes more', () => {
    expect(isDetectable('src/__pycache__/train.cpython-311.pyc', [])).toBe(false);
    expect(isDetectable('train.pyc', [])).toBe(false);
    expect(isDetectable('logs/run.log', [{ path: 'logs', ignore: true }])).toBe(false);
    expect(isDetectable('outputs/model.pkl', [{ path: 'logs', ignore: true }])).toBe(true);
  });
});

// repro lint's judgments: GPU rules only on a GPU project, the fix by the installed version,
// scikit-learn's random_state excused by a numpy seed, and a finding's status after exec --verify.
import { describe, expect, it } from 'vitest';
import { confirmFindings, judge, type LintContext, type ParsedProject } from '../../../src/exec/lint-rules.js';

const parsed = (over: Partial<ParsedProject> = {}): ParsedProject => ({ files: 1, unparsed: [], findings: [], imports: [], seeds: [], uses: {}, gpu: false, deterministicAlgorithms: false, opDeterminism: false, setsCublas: false, ...over });
const ctx = (over: Partial<LintContext> = {}): LintContext => ({ packages: {}, cuda: null, gpuProject: false, env: {}, ...over });
const at = { file: 'train.py', line: 3 };

describe('judge', () => {
  it('cudnn.benchmark and torch determinism apply to a GPU project only', () => {
    const p = parsed({ imports: ['torch'], torchImport: at, findings: [{ ...at, rule: 'cudnn-benchmark', detail: 'x' }] });
    expect(judge(p, ctx())).toEqual([]);
    expect(judge(p, ctx({ gpuProject: true })).map((f) => f.rule)).toEqual(['cudnn-benchmark', 'torch-deterministic']);
    expect(judge({ ...p, gpu: true }, ctx()).map((f) => f.rule)).toContain('torch-deterministic');
  });

  it('the fix follows the installed torch: use_deterministic_algorithms from 1.8, set_deterministic in 1.7', () => {
    const p = parsed({ imports: ['torch'], torchImport: at });
    expect(judge(p, ctx({ gpuProject: true, packages: { torch: '2.5.1+cu124' } }))[0]!.fix).toMatch(/use_deterministic_algorithms/);
    expect(judge(p, ctx({ gpuProject: true, packages: { torch: '1.7.1' } }))[0]!.fix).toMatch(/set_deterministic/);
    expect(judge(p, ctx({ gpuProject: true, packages: { torch: '1.6.0' } }))[0]!.fix).toMatch(/cudnn\.deterministic/);
  });

  it('with deterministic algorithms on: CUBLAS_WORKSPACE_CONFIG unset is a finding (CUDA 10.2+), set anywhere it is not', () => {
    const p = parsed({ imports: ['torch'], torchImport: at, deterministicAlgorithms: true });
    expect(judge(p, ctx({ gpuProject: true, cuda: '12.4' })).map((f) => [f.rule, f.variation])).toEqual([['cublas-workspace', 'cublas']]);
    expect(judge(p, ctx({ gpuProject: true, cuda: '10.1' }))).toEqual([]);
    expect(judge(p, ctx({ gpuProject: true, env: { CUBLAS_WORKSPACE_CONFIG: ':4096:8' } }))).toEqual([]);
    expect(judge({ ...p, setsCublas: true }, ctx({ gpuProject: true }))).toEqual([]);
  });

  it('TensorFlow: enable_op_determinism from 2.8, TF_DETERMINISTIC_OPS before; either set: nothing', () => {
    const p = parsed({ imports: ['tensorflow'], tfImport: at });
    expect(judge(p, ctx({ packages: { tensorflow: '2.17.0' } }))[0]!.fix).toMatch(/enable_op_determinism/);
    expect(judge(p, ctx({ packages: { tensorflow: '2.6.0' } }))[0]!.fix).toMatch(/TF_DETERMINISTIC_OPS=1/);
    expect(judge({ ...p, opDeterminism: true }, ctx())).toEqual([]);
    expect(judge(p, ctx({ env: { TF_DETERMINISTIC_OPS: '1' } }))).toEqual([]);
  });

  it('scikit-learn without random_state is excused when numpy\'s global generator is seeded', () => {
    const p = parsed({ findings: [{ ...at, rule: 'sklearn-random-state', detail: 'x' }] });
    expect(judge(p, ctx()).map((f) => f.rule)).toEqual(['sklearn-random-state']);
    expect(judge({ ...p, seeds: ['numpy'] }, ctx())).toEqual([]);
  });

  it('a library\'s generator used and never seeded: one finding at its first use; seeded: none; numpy before 1.17: np.random.seed', () => {
    const p = parsed({ imports: ['numpy'], uses: { numpy: at } });
    expect(judge(p, ctx()).map((f) => [f.rule, f.variation])).toEqual([['unseeded-rng', 'control']]);
    expect(judge({ ...p, seeds: ['numpy'] }, ctx())).toEqual([]);
    expect(judge(p, ctx({ packages: { numpy: '1.16.6' } }))[0]!.fix).toMatch(/numpy\.random\.seed/);
  });

  it('a rule the parser does not know (a crafted parser output) is dropped', () => {
    expect(judge(parsed({ findings: [{ ...at, rule: 'rm -rf', detail: 'x' }] }), ctx())).toEqual([]);
  });
});

describe('confirmFindings', () => {
  const f = judge(parsed({ findings: [{ ...at, rule: 'set-iteration', detail: 'x' }, { ...at, rule: 'hostname', detail: 'y' }, { ...at, rule: 'unsorted-listing', detail: 'z' }], uses: { random: at } }), ctx());
  it('confirmed when its variation changed an output, not observed when it ran and did not, not tested when it did not run', () => {
    const out = confirmFindings(f, { applied: ['hashseed', 'order'], changed: new Set(['hashseed']), unstable: false, controlRan: true });
    expect(Object.fromEntries(out.map((x) => [x.rule, x.status]))).toEqual({ 'set-iteration': 'confirmed', hostname: 'not tested', 'unsorted-listing': 'not observed', 'unseeded-rng': 'not observed' });
    expect(confirmFindings(f, { applied: [], changed: new Set(), unstable: true, controlRan: true }).find((x) => x.rule === 'unseeded-rng')!.status).toBe('confirmed');
  });
});

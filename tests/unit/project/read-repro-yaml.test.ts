import { describe, expect, it } from 'vitest';
import { readReproYaml } from '../../../src/project/read-repro-yaml.js';
import { renderCommand } from '../../../src/project/render.js';

const GOOD = `name: iris-demo
version: 0.1.0
entry_points:
  main:
    command: "python3 train.py --seed {seed} --n-estimators {n_estimators} --criterion {criterion} --out {out}"
    parameters:
      seed: {type: int, default: 0}
      n_estimators: {type: int, default: 50}
      criterion: {type: choice, choices: [gini, entropy], default: gini}
      out: {type: path, default: outputs}
      lr: {type: float, default: 1.0}
      verbose: {type: bool, default: false}
environment:
  python: "3.11"
  lockfile: requirements.txt
  system_packages: [python3-sklearn]
gpu: {required: false}
data: [data/]
outputs:
  - outputs/model.pkl
  - {path: outputs/metrics.json, tolerance: 1e-9}
env:
  PYTHONHASHSEED: 0
`;

describe('repro.yaml', () => {
  const m = readReproYaml(GOOD);

  it('resolves a complete manifest', () => {
    expect(m).toMatchObject({ source: 'repro.yaml', name: 'iris-demo', version: '0.1.0', data: ['data/'], env: { PYTHONHASHSEED: '0' } });
    expect(m.environment).toEqual({ python: '3.11', lockfile: 'requirements.txt', node: null, systemPackages: ['python3-sklearn'], baseImage: null });
    expect(m.gpu).toEqual({ required: false, count: 1, minCuda: null, minComputeCapability: null });
    expect(m.outputs).toEqual([{ path: 'outputs/model.pkl' }, { path: 'outputs/metrics.json', tolerance: 1e-9 }]);
    expect(m.entryPoints.main!.parameters.map((p) => [p.name, p.type, p.default])).toEqual([
      ['seed', 'int', '0'],
      ['n_estimators', 'int', '50'],
      ['criterion', 'choice', 'gini'],
      ['out', 'path', 'outputs'],
      ['lr', 'float', '1.0'],
      ['verbose', 'bool', 'False'],
    ]);
  });

  it('validates typed values before anything runs: -P n_estimators=abc names parameter, type and value', () => {
    const ep = m.entryPoints.main!;
    const opts = { rules: 'repro' as const, callerDir: '/' };
    expect(renderCommand(ep, [['seed', '7']], opts).command).toBe('python3 train.py --seed 7 --n-estimators 50 --criterion gini --out outputs');
    expect(() => renderCommand(ep, [['n_estimators', 'abc']], opts)).toThrow(expect.objectContaining({ code: 'E_USAGE', message: 'parameter n_estimators (int) is not an integer: "abc"' }));
    expect(() => renderCommand(ep, [['criterion', 'log_loss']], opts)).toThrow(expect.objectContaining({ hint: 'Use one of: gini, entropy.' }));
    expect(() => renderCommand(ep, [['verbose', 'maybe']], opts)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  it.each([
    ['an unknown field', GOOD.replace('data: [data/]', 'datta: [data/]'), /^repro\.yaml:1: \(top level\): unknown field "datta"/],
    ['an unknown parameter type', GOOD.replace('{type: int, default: 0}', '{type: tensor, default: 0}'), /^repro\.yaml:7: /],
    ['a missing command', GOOD.replace(/    command: .*\n/, ''), /^repro\.yaml:5: entry_points\.main must have required property 'command'/],
    ['a default outside the choices', GOOD.replace('default: gini}', 'default: mse}'), /^repro\.yaml:9: the default of criterion \(mse\) is not one of its choices/],
    ['broken YAML', 'name: [unclosed\nentry_points: {}\n', /^repro\.yaml:\d+:\d+: /],
  ])('%s is an E_CONFIG error naming the line', (_what, text, message) => {
    expect(() => readReproYaml(text)).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringMatching(message) }));
  });
});

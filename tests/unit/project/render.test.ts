// Command rendering, from MLflow's documented MLproject examples: the command must be the one
// `mlflow run` would run for the same project and parameters.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { conventionEntryPoint } from '../../../src/project/convention.js';
import { readMlproject } from '../../../src/project/read-mlproject.js';
import { findEntryPoint, formatCommand, parseParamFlags, renderCommand } from '../../../src/project/render.js';

// The example in MLflow's "Specifying Projects" documentation.
const MLPROJECT = `name: My Project

python_env: python_env.yaml

entry_points:
  main:
    parameters:
      data_file: path
      regularization: {type: float, default: 0.1}
    command: "python train.py -r {regularization} {data_file}"
  validate:
    parameters:
      data_file: path
    command: "python validate.py {data_file}"
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-mlp-'));
mkdirSync(path.join(dir, 'data'), { recursive: true });
writeFileSync(path.join(dir, 'data', 'train.csv'), 'x\n');
const opts = { workDir: dir, mlflowPaths: true };

describe('MLproject rendering (MLflow semantics)', () => {
  const m = readMlproject(MLPROJECT, dir);

  it('reads name, environment kind and typed parameters in order', () => {
    expect(m.name).toBe('My Project');
    expect(m.mlflowEnvironment).toEqual({ kind: 'python_env', value: 'python_env.yaml' });
    expect(m.entryPoints.main!.parameters).toEqual([
      { name: 'data_file', type: 'path', default: null, required: true },
      { name: 'regularization', type: 'float', default: '0.1', required: false },
    ]);
  });

  it('substitutes defaults and makes a local path absolute', () => {
    const r = renderCommand(m.entryPoints.main!, [['data_file', 'data/train.csv']], opts);
    expect(r.command).toBe(`python train.py -r 0.1 ${path.join(dir, 'data', 'train.csv')}`);
  });

  it('appends undeclared parameters as --key value, quoted, in the order given', () => {
    const r = renderCommand(m.entryPoints.main!, [['data_file', 'data/train.csv'], ['zeta', 'a b'], ['alpha', '1']], opts);
    expect(r.command.endsWith(" --zeta 'a b' --alpha 1")).toBe(true);
  });

  it('shell-quotes values, as shlex.quote does', () => {
    const m2 = readMlproject('entry_points:\n  main:\n    parameters:\n      name: string\n    command: "echo {name}"\n', dir);
    expect(renderCommand(m2.entryPoints.main!, [['name', "a;b c'd"]], opts).command).toBe(`echo 'a;b c'"'"'d'`);
  });

  it('reports every missing required parameter', () => {
    expect(() => renderCommand(m.entryPoints.validate!, [], opts)).toThrow(expect.objectContaining({ code: 'E_USAGE', message: "no value given for missing parameters: 'data_file'" }));
  });

  it('refuses a path that does not exist, and a float that is not a number', () => {
    expect(() => renderCommand(m.entryPoints.main!, [['data_file', 'nope.csv']], opts)).toThrow(expect.objectContaining({ code: 'E_USAGE', details: { parameter: 'data_file', type: 'path', value: 'nope.csv' } }));
    expect(() => renderCommand(m.entryPoints.main!, [['data_file', 'data/train.csv'], ['regularization', 'abc']], opts)).toThrow(expect.objectContaining({ message: 'parameter regularization (float) is not a number: "abc"' }));
  });

  it('keeps YAML float defaults as Python prints them (1.0, 1e-05)', () => {
    const m2 = readMlproject('entry_points:\n  main:\n    parameters:\n      a: {type: float, default: 1.0}\n      b: {type: float, default: 1e-5}\n      c: {type: int, default: 3}\n    command: "run {a} {b} {c}"\n', dir);
    expect(renderCommand(m2.entryPoints.main!, [], opts).command).toBe('run 1.0 1e-05 3');
  });

  it('refuses two environment sections and unknown parameter types, naming the line', () => {
    expect(() => readMlproject('name: x\npython_env: a.yaml\nconda_env: b.yaml\nentry_points: {}\n', dir)).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringMatching(/^MLproject:3: only one of/) }));
    expect(() => readMlproject('entry_points:\n  main:\n    parameters:\n      a: {type: tensor}\n    command: x\n', dir)).toThrow(expect.objectContaining({ message: expect.stringMatching(/^MLproject:4: parameter a has unknown type tensor/) }));
  });

  it('docker_env: image and explicit environment values', () => {
    const m3 = readMlproject('name: d\ndocker_env:\n  image: mlflow-docker-example-environment:1.0\n  volumes: ["/local/path:/container/mount/path"]\n  environment: [["NEW_ENV_VAR", "new_var_value"], "VAR_TO_COPY_FROM_HOST_ENVIRONMENT"]\nentry_points:\n  main:\n    command: python train.py\n', dir);
    expect(m3.environment.baseImage).toBe('mlflow-docker-example-environment:1.0');
    expect(m3.env).toEqual({ NEW_ENV_VAR: 'new_var_value' });
  });
});

describe('without an MLproject (MLflow convention)', () => {
  it('runs .py with python and .sh with bash, extra parameters appended', () => {
    const ep = conventionEntryPoint('train.py', new Set(['train.py']));
    expect(renderCommand(ep, [['alpha', '0.5']], opts).command).toBe('python train.py --alpha 0.5');
    expect(conventionEntryPoint('run me.sh', new Set(['run me.sh'])).command).toBe("bash 'run me.sh'");
    expect(() => conventionEntryPoint('train.ipynb', new Set(['train.ipynb']))).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});

describe('helpers', () => {
  it('formatCommand keeps {{ }} literal and refuses unknown fields', () => {
    expect(formatCommand('echo {{x}} {a}', { a: '1' })).toBe('echo {x} 1');
    expect(() => formatCommand('echo {b}', { a: '1' })).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
  });

  it('parseParamFlags keeps order and allows = in values', () => {
    expect(parseParamFlags(['b=1', 'a=x=y'])).toEqual([['b', '1'], ['a', 'x=y']]);
    expect(() => parseParamFlags(['novalue'])).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  it('findEntryPoint lists the available ones', () => {
    const m = readMlproject(MLPROJECT, dir);
    expect(() => findEntryPoint(m, 'nope')).toThrow(expect.objectContaining({ hint: 'Entry points: main, validate.' }));
  });
});

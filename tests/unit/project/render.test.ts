// Command rendering, from MLflow's documented MLproject examples: the command must be the one
// `mlflow run` would run for the same project and parameters.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { conventionEntryPoint } from '../../../src/project/convention.js';
import { readMlproject } from '../../../src/project/read-mlproject.js';
import { readReproYaml } from '../../../src/project/read-repro-yaml.js';
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
writeFileSync(path.join(dir, 'python_env.yaml'), 'python: "3.11"\n');
const opts = { rules: 'mlflow' as const, callerDir: dir };

describe('MLproject rendering (MLflow semantics)', () => {
  const m = readMlproject(MLPROJECT, dir);

  it('reads name, environment kind and typed parameters in order', () => {
    expect(m.name).toBe('My Project');
    expect(m.mlflowEnvironment).toEqual({ kind: 'python_env', value: 'python_env.yaml' });
    expect(readMlproject('entry_points: {}\n', dir).name).toBe(path.basename(dir));
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
    expect(() => renderCommand(m.entryPoints.main!, [['data_file', 'nope.csv']], opts)).toThrow(expect.objectContaining({ code: 'E_USAGE', message: 'Got value nope.csv for parameter data_file, but no such file or directory was found.' }));
    expect(() => renderCommand(m.entryPoints.main!, [['data_file', 'data/train.csv'], ['regularization', 'abc']], opts)).toThrow(expect.objectContaining({ code: 'E_USAGE', message: `parameter regularization (float) is not a number (Python's float() refuses it): "abc"` }));
  });

  it('passes every int and float value Python accepts exactly as given (1_000, " 7 ", 1e3)', () => {
    const m2 = readMlproject('entry_points:\n  main:\n    parameters:\n      n: int\n      x: float\n    command: "run {n} {x}"\n', dir);
    expect(renderCommand(m2.entryPoints.main!, [['n', '1_000'], ['x', '1e3']], opts).command).toBe('run 1_000 1e3');
    expect(renderCommand(m2.entryPoints.main!, [['n', ' 7 '], ['x', 'inf']], opts).command).toBe("run ' 7 ' inf");
    expect(() => renderCommand(m2.entryPoints.main!, [['n', '1.5'], ['x', '1']], opts)).toThrow(expect.objectContaining({ code: 'E_USAGE', details: { parameter: 'n', type: 'int', value: '1.5' } }));
  });

  it('refuses a repeated -P name, as MLflow does', () => {
    expect(() => renderCommand(m.entryPoints.main!, [['data_file', 'data/train.csv'], ['data_file', 'data/train.csv']], opts)).toThrow(expect.objectContaining({ code: 'E_USAGE', message: "Repeated parameter: 'data_file'" }));
  });

  it('keeps YAML 1.1 defaults as PyYAML reads them and Python prints them (1.0, 1e-5, 1e-05)', () => {
    const m2 = readMlproject('entry_points:\n  main:\n    parameters:\n      a: {type: float, default: 1.0}\n      b: {type: float, default: 1e-5}\n      c: {type: int, default: 3}\n      d: {type: float, default: 1.0e-5}\n    command: "run {a} {b} {c} {d}"\n', dir);
    expect(renderCommand(m2.entryPoints.main!, [], opts).command).toBe('run 1.0 1e-5 3 1e-05');
  });

  it('refuses what MLflow refuses when it loads a project', () => {
    const refuses = (text: string, message: RegExp) => expect(() => readMlproject(text, dir), text).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringMatching(message) }));
    refuses('name: x\npython_env: python_env.yaml\nconda_env: b.yaml\nentry_points: {}\n', /multiple environment fields: python_env, conda_env/);
    refuses('docker_env:\n  not-image: x\nentry_points: {}\n', /no image attribute found/);
    refuses('conda_env: missing.yaml\nentry_points: {}\n', /conda environment file missing.yaml, but no such file/);
    refuses('entry_points:\n  main:\n    parameters:\n      v: 5\n    command: x {v}\n', /parameter v of entry point main is 5/);
    refuses('entry_points:\n  main: python x.py\n', /entry point main is not a mapping/);
    refuses('docker_env:\n  image: i\n  volumes: /a:/b\nentry_points: {}\n', /volumes must be a list of strings/);
  });

  it('treats type names MLflow gives no meaning (str, bool) as strings, unchecked', () => {
    const m2 = readMlproject('entry_points:\n  main:\n    parameters:\n      a: {type: str, default: x}\n      b: bool\n    command: "run {a} {b}"\n', dir);
    expect(m2.entryPoints.main!.parameters).toEqual([
      { name: 'a', type: 'string', declaredType: 'str', default: 'x', required: false },
      { name: 'b', type: 'string', declaredType: 'bool', default: null, required: true },
    ]);
    expect(renderCommand(m2.entryPoints.main!, [['b', 'maybe']], opts).command).toBe('run x maybe');
  });

  it('keeps an entry point without a command; only running it fails', () => {
    const m2 = readMlproject('entry_points:\n  main:\n    command: echo ok\n  broken:\n    parameters: {}\n', dir);
    expect(renderCommand(m2.entryPoints.main!, [], opts).command).toBe('echo ok');
    expect(() => renderCommand(m2.entryPoints.broken!, [], opts)).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: 'entry point broken has no command' }));
  });

  it('renders str.format specs, conversions and indexing as Python does', () => {
    const m2 = readMlproject('entry_points:\n  main:\n    parameters:\n      v: {type: string, default: "a b"}\n    command: "run {v:_>8} {v!r} {v[0]}"\n', dir);
    expect(renderCommand(m2.entryPoints.main!, [], opts).command).toBe(`run ___'a b' "'a b'" '`);
  });

  it('resolves file:// paths and relative ones against the caller, not the project', () => {
    const caller = mkdtempSync(path.join(os.tmpdir(), 'repro-caller-'));
    writeFileSync(path.join(caller, 'in.csv'), 'x\n');
    const r = renderCommand(m.entryPoints.validate!, [['data_file', `file://${caller}/in.csv`]], { rules: 'mlflow', callerDir: '/' });
    expect(r.command).toBe(`python validate.py ${caller}/in.csv`);
    expect(r.paths).toEqual([`${caller}/in.csv`]);
    expect(renderCommand(m.entryPoints.validate!, [['data_file', './in.csv/']], { rules: 'mlflow', callerDir: caller }).parameters.data_file).toBe(`${caller}/in.csv`);
  });

  it('docker_env: image and explicit environment values', () => {
    const m3 = readMlproject('name: d\ndocker_env:\n  image: mlflow-docker-example-environment:1.0\n  volumes: ["/local/path:/container/mount/path"]\n  environment: [["NEW_ENV_VAR", "new_var_value"], "VAR_TO_COPY_FROM_HOST_ENVIRONMENT"]\nentry_points:\n  main:\n    command: python train.py\n', dir);
    expect(m3.environment.baseImage).toBe('mlflow-docker-example-environment:1.0');
    expect(m3.env).toEqual({ NEW_ENV_VAR: 'new_var_value' });
  });
});

describe('without an MLproject (MLflow convention)', () => {
  it('runs .py with python, .sh with bash and .R with Rscript, extra parameters appended', () => {
    const ep = conventionEntryPoint('train.py');
    expect(renderCommand(ep, [['alpha', '0.5']], opts).command).toBe('python train.py --alpha 0.5');
    expect(conventionEntryPoint('run me.sh').command).toBe("bash 'run me.sh'");
    expect(conventionEntryPoint('fit.R').command).toBe(`Rscript -e "mlflow::mlflow_source('fit.R')" --args`);
    expect(() => conventionEntryPoint('train.ipynb', ['main'])).toThrow(expect.objectContaining({ code: 'E_USAGE', message: expect.stringContaining("among entry points ['main']") }));
  });
});

describe('helpers', () => {
  it('formatCommand keeps {{ }} literal and refuses unknown fields', () => {
    expect(() => formatCommand('echo {', {})).toThrow(expect.objectContaining({ code: 'E_CONFIG', details: expect.objectContaining({ pythonError: 'ValueError' }) }));
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

describe('issue 28, finding 7: a misspelt -P name', () => {
  const yaml = readReproYaml('name: p\nentry_points:\n  main:\n    command: "python train.py --alpha {alpha} --l1-ratio {l1_ratio}"\n    parameters:\n      alpha: {type: float, default: 0.5}\n      l1_ratio: {type: float, default: 0.1}\n');
  const repro = { rules: 'repro' as const, callerDir: dir };

  it('-P alhpa=0.3 on a repro.yaml project is refused (exit 2) with the declared name it misspells, never appended', () => {
    expect(() => renderCommand(yaml.entryPoints.main!, [['alhpa', '0.3']], repro)).toThrow(
      expect.objectContaining({ code: 'E_USAGE', message: 'entry point main has no parameter "alhpa"; did you mean alpha?', hint: '-P alpha=0.3', details: expect.objectContaining({ suggestion: 'alpha' }) }),
    );
  });

  it('a name near nothing declared is refused with the declared list', () => {
    expect(() => renderCommand(yaml.entryPoints.main!, [['epochs', '3']], repro)).toThrow(expect.objectContaining({ code: 'E_USAGE', hint: expect.stringContaining('declares: alpha, l1_ratio') }));
  });

  it('an MLproject keeps MLflow semantics (appended as --name value) and warns, with the nearest name', () => {
    const m = readMlproject(MLPROJECT, dir);
    const r = renderCommand(m.entryPoints.main!, [['data_file', 'data/train.csv'], ['regularisation', '0.2']], opts);
    expect(r.command.endsWith(' --regularisation 0.2')).toBe(true);
    expect(r.warnings).toEqual(['-P regularisation is not declared by entry point main: passed on as --regularisation, as mlflow run does; did you mean regularization?']);
    expect(renderCommand(m.entryPoints.main!, [['data_file', 'data/train.csv']], opts).warnings).toEqual([]);
  });
});

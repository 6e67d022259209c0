// MLproject commands rendered by repro against a reference run here in python3 + PyYAML that
// follows MLflow's rendering step by step (yaml.safe_load, str() of each default, shlex.quote,
// str.format, undeclared parameters appended as --key value): the same command for every row.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readMlproject } from '../../../src/project/read-mlproject.js';
import { renderCommand } from '../../../src/project/render.js';

const REFERENCE = `
import json, shlex, sys, yaml
def render(text, entry, params):
    ep = yaml.safe_load(text)['entry_points'][entry]
    declared = {}
    for k, v in (ep.get('parameters') or {}).items():
        declared[k] = None if isinstance(v, str) else v.get('default')
    missing = [k for k in declared if k not in params and declared[k] is None]
    if missing:
        return 'missing: ' + ', '.join(missing)
    final = {k: (params[k] if k in params else d) for k, d in declared.items()}
    quoted = {str(k): shlex.quote(str(v)) for k, v in final.items()}
    extra = [f'--{k} {shlex.quote(str(v))}' for k, v in params.items() if k not in final]
    return ' '.join([ep['command'].format(**quoted)] + extra)
for text, entry, params in json.load(sys.stdin):
    print(json.dumps(render(text, entry, dict(params))))
`;

const mlp = (params: string, command: string) => `name: t\nentry_points:\n  main:\n    parameters:\n${params}\n    command: ${JSON.stringify(command)}\n`;

const ROWS: Array<[string, string, Array<[string, string]>]> = [
  [mlp('      a: {type: float, default: 1e-1}\n      b: {type: float, default: 1.0e-1}\n      c: {type: int, default: 1_000}', 'run {a} {b} {c}'), 'main', []],
  [mlp('      a: {type: string, default: 1:30}\n      b: {type: int, default: 017}\n      c: {type: string, default: 0b1010}', 'run {a} {b} {c}'), 'main', []],
  [mlp('      a: {type: string, default: yes}\n      b: {type: str, default: off}\n      c: {type: bool, default: True}', 'run {a} {b} {c}'), 'main', []],
  [mlp('      a: {type: string, default: 2001-12-14}\n      b: {type: string, default: 2001-12-14 21:59:43.10 -5}', 'run {a} {b}'), 'main', []],
  [mlp('      a: {type: string, default: [1, two, 3.0, null]}\n      b: {type: string, default: {k: v, n: 1}}', 'run {a} {b}'), 'main', []],
  [mlp('      a: {type: int, default: 123456789012345678901234567890}\n      b: {type: float, default: 1.0e+16}\n      c: {type: float, default: .5}', 'run {a} {b} {c}'), 'main', []],
  [mlp('      a: {type: string, default: "it\'s"}\n      b: {type: string, default: "a b"}\n      c: {type: string, default: ""}', 'run {a} {b} {c}'), 'main', []],
  [mlp('      a: {type: string, default: x}', 'run {a:_>8} {a!r} {a[0]} {{a}}'), 'main', [['a', 'héllo wörld']]],
  [mlp('      a: {type: string, default: x}', 'run {a:^11.4}|{a!a}'), 'main', [['a', 'naïve "quote"']]],
  [mlp('      a: string\n      b: {type: int, default: 2}', 'run {a} {b}'), 'main', [['a', '$(rm -rf ~)'], ['zeta', 'z z'], ['alpha', '1']]],
  [mlp('      a: {type: float, default: 0.1}', 'run {a}'), 'main', [['a', ' 7 ']]],
  [mlp('      a: {type: float, default: 0.1}', 'run {a}'), 'main', [['a', '1_000.5']]],
  [mlp('      a: string', 'run {a}'), 'main', []],
  [`name: t\nbase: &b\n  x: {type: string, default: merged}\nentry_points:\n  main:\n    parameters:\n      <<: *b\n      y: {type: int, default: 2}\n    command: "run {x} {y}"\n`, 'main', []],
  [`name: t\nentry_points:\n  main:\n    parameters:\n      v: {type: int, default: 1}\n      v: {type: int, default: 2}\n    command: "run {v}"\n`, 'main', []],
  [`name: t\nentry_points:\n  main:\n    parameters:\n      n: {type: int, default: 5}\n    command: |\n      python x.py \\\\\n        --n {n}`, 'main', []],
  [`name: t\nentry_points:\n  main:\n    parameters:\n      n: {type: int, default: 5}\n    command: >\n      python x.py\n      --n {n}\n`, 'main', []],
];

describe('MLproject commands, against a python3 + PyYAML reference of MLflow\'s rendering', () => {
  it('renders every row as the reference does', () => {
    const r = spawnSync('python3', ['-c', REFERENCE], { input: JSON.stringify(ROWS), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`python3 with PyYAML is the reference (apt-get install python3-yaml): ${r.stderr}`);
    const theirs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as string);
    const ours = ROWS.map(([text, entry, params]) => {
      const ep = readMlproject(text, '/').entryPoints[entry]!;
      try {
        return renderCommand(ep, params, { rules: 'mlflow', callerDir: null }).command;
      } catch (err) {
        const missing = (err as { details?: { missing?: string[] } }).details?.missing;
        if (missing) return `missing: ${missing.join(', ')}`;
        throw err;
      }
    });
    for (let i = 0; i < ROWS.length; i++) expect(ours[i], `row ${i}: ${ROWS[i]![0]}`).toBe(theirs[i]);
  });
});

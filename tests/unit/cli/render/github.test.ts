// --format github's workflow commands, against GitHub's documented syntax and escaping
// ("Workflow commands for GitHub Actions": %25 %0D %0A in data, also %3A %2C in properties).
import { describe, expect, it } from 'vitest';
import { annotation, errorAnnotations, escapeData, escapeProperty, outcomeAnnotations } from '../../../../src/cli/render/github.js';
import { ReproError } from '../../../../src/core/errors.js';

describe('escaping', () => {
  it('escapes % CR LF in data, and : , besides in properties', () => {
    expect(escapeData('100% done\r\nnext')).toBe('100%25 done%0D%0Anext');
    expect(escapeProperty('a:b,c%d\n')).toBe('a%3Ab%2Cc%25d%0A');
  });

  it('writes one line: ::level key=value,key=value::message', () => {
    expect(annotation('error', 'two\nlines', { file: 'src/a,b.py', title: 'repro: x' })).toBe('::error file=src/a%2Cb.py,title=repro%3A x::two%0Alines\n');
    expect(annotation('notice', 'plain')).toBe('::notice::plain\n');
  });
});

describe('errorAnnotations', () => {
  it('a bundle that does not verify: one error per problem, titled, without a file (entries are not repository files)', () => {
    const err = new ReproError('E_INTEGRITY', 'bundle does not verify', { details: { problems: [{ entry: 'project/a.py', field: 'sha256', expected: 'x', actual: 'y' }, { entry: '(compressed file)', field: 'compression', expected: 'a', actual: 'b' }] } });
    expect(errorAnnotations('verify', err, '/repo')).toBe('::error title=repro verify%3A bundle does not verify::project/a.py: sha256: x -> y\n::error title=repro verify%3A bundle does not verify::(compressed file): compression: a -> b\n');
  });

  it('--verify differences name the repository file, relative to the working directory', () => {
    const err = new ReproError('E_NOT_REPRODUCIBLE', 'not reproducible', { details: { root: '/repo/models/iris', differences: [{ entry: 'project/train.py', field: 'header.mtime', a: 1, b: 2 }] } });
    expect(errorAnnotations('build', err, '/repo')).toBe('::error file=models/iris/train.py,title=repro build%3A not reproducible::project/train.py: header.mtime: 1 -> 2\n');
  });

  it('any other error: its message and hint, titled with its code', () => {
    expect(errorAnnotations('exec', new ReproError('E_ENV', 'no engine', { hint: 'start dockerd' }), '/')).toBe('::error title=repro exec (E_ENV)::no engine%0Ahint: start dockerd\n');
  });
});

describe('outcomeAnnotations', () => {
  it('a rerun that did not reproduce: an error per output that differs', () => {
    const r = { reproduced: { reproduced: false, outputs: [{ path: 'model.pkl', verdict: 'different' }, { path: 'm.json', verdict: 'within-tolerance' }, { path: 'gone.bin', verdict: 'missing' }] } };
    expect(outcomeAnnotations('exec', r)).toBe('::error title=repro exec%3A NOT reproduced::model.pkl: different\n::error title=repro exec%3A NOT reproduced::gone.bin: missing\n');
  });

  it('breaking drift in a diff: a warning each; nothing for commands without annotations', () => {
    const d = { changes: [{ section: 'python', field: 'version', a: '3.11', b: '3.12', severity: 'breaking', reason: 'minor version changed' }, { section: 'os', field: 'kernel', a: '1', b: '2', severity: 'info', reason: 'x' }] };
    expect(outcomeAnnotations('diff', d)).toBe('::warning title=repro diff%3A breaking::python: version: 3.11 -> 3.12 (minor version changed)\n');
    expect(outcomeAnnotations('snapshot', {})).toBe('');
  });
});

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pythonFloatStr, pythonStr, shlexQuote } from '../../../src/project/python-format.js';

const FLOATS = [0.1, 1.0, 1e-5, 1.5e-7, 1e16, 1.2345678901234568e17, 123.456, -2.5, 0.0001, 1e15, 3.0e-4, 5e-324, 1.7976931348623157e308, 100.0, 0.30000000000000004];
const STRINGS = ['', 'plain', 'with space', "it's", 'a;rm -rf /', 'ünïcode', 'a/b.c-d:e,f=g+h@i%j', '$HOME', 'tab\there', 'x"y'];

describe('Python str() and shlex.quote, checked against the real Python', () => {
  it('floats print as Python prints them', () => {
    const py = execFileSync('/usr/bin/python3', ['-c', `import json,sys\nfor x in json.load(sys.stdin): print(str(float(x)))`], { input: JSON.stringify(FLOATS) }).toString().trim().split('\n');
    expect(FLOATS.map(pythonFloatStr)).toEqual(py);
  });

  it('shlex.quote matches', () => {
    const py = execFileSync('/usr/bin/python3', ['-c', `import json,sys,shlex\nprint(json.dumps([shlex.quote(s) for s in json.load(sys.stdin)]))`], { input: JSON.stringify(STRINGS) }).toString();
    expect(STRINGS.map(shlexQuote)).toEqual(JSON.parse(py));
  });

  it('YAML scalars become what str() of yaml.safe_load gives', () => {
    expect(pythonStr(true)).toBe('True');
    expect(pythonStr(null)).toBe('None');
    expect(pythonStr(1, 'float')).toBe('1.0');
    expect(pythonStr(1, 'int')).toBe('1');
    expect(pythonStr('1.0')).toBe('1.0');
  });
});

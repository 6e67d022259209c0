// MLproject values as PyYAML 6 (YAML 1.1) reads them and Python's str() renders them: the
// table below is what python3 + PyYAML print for each, and every row is also checked against
// the python3 on this machine (test-setup installs python3-yaml), so a table entry cannot drift
// from the reference.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { safeLoad } from '../../../src/project/pyyaml.js';
import { pyStr } from '../../../src/project/python-value.js';
import { pyStrFormat } from '../../../src/project/python-format.js';
import { pythonFloatAccepts, pythonIntAccepts } from '../../../src/project/mlflow-values.js';

// [YAML text of the value, str() of what yaml.safe_load makes of it]
const VALUES: Array<[string, string]> = [
  ['1e-1', '1e-1'],
  ['1.0e-1', '0.1'],
  ['1.0e1', '1.0e1'],
  ['1.0e+1', '10.0'],
  ['1_000', '1000'],
  ['1_000.5', '1000.5'],
  ['1:30', '90'],
  ['-1:30', '-90'],
  ['1:30.5', '90.5'],
  ['017', '15'],
  ['08', '08'],
  ['0o17', '0o17'],
  ['0x1F', '31'],
  ['0b1010', '10'],
  ['-0b11', '-3'],
  ['yes', 'True'],
  ['Off', 'False'],
  ['ON', 'True'],
  ['y', 'y'],
  ['n', 'n'],
  ['True', 'True'],
  ['~', 'None'],
  ['null', 'None'],
  ['.5', '0.5'],
  ['.inf', 'inf'],
  ['-.Inf', '-inf'],
  ['.NaN', 'nan'],
  ['1.', '1.0'],
  ['0.1', '0.1'],
  ['1e5', '1e5'],
  ['100000000000000000000000000001', '100000000000000000000000000001'],
  ['-9007199254740993', '-9007199254740993'],
  ['1.0e+16', '1e+16'],
  ['0.0001', '0.0001'],
  ['0.00001', '1e-05'],
  ['2001-12-14', '2001-12-14'],
  ['2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.100000-05:00'],
  ['2001-12-14 21:59:43.10', '2001-12-14 21:59:43.100000'],
  ['2001-12-15T02:59:43.1Z', '2001-12-15 02:59:43.100000+00:00'],
  ['2002-12-14 2:03:04 +1', '2002-12-14 02:03:04+01:00'],
  ["'017'", '017'],
  ['"yes"', 'yes'],
  ['!!str 1.5', '1.5'],
  ['!!float 1e-1', '0.1'],
  ['!!int "017"', '15'],
  ['[1, a, 1.5, yes, null]', "[1, 'a', 1.5, True, None]"],
  ["[it's, 'a\"b', \"x\\ty\"]", `["it's", 'a"b', 'x\\ty']`],
  ['{b: 1, a: [2]}', "{'b': 1, 'a': [2]}"],
  ['{1: a, 2.5: b}', "{1: 'a', 2.5: 'b'}"],
  ['[2001-12-14, 2001-12-14 21:59:43]', '[datetime.date(2001, 12, 14), datetime.datetime(2001, 12, 14, 21, 59, 43)]'],
  ['[2001-12-14 21:59:43.5Z, 2001-12-14 21:59:43-1:30]', '[datetime.datetime(2001, 12, 14, 21, 59, 43, 500000, tzinfo=datetime.timezone.utc), datetime.datetime(2001, 12, 14, 21, 59, 43, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=81000)))]'],
  ['[é, "\\u0085", "\\x07"]', "['é', '\\x85', '\\x07']"],
  ['"a\\\\b"', 'a\\b'],
  ['"="', '='],
  ['', 'None'],
];

// Whole documents: merges, duplicate keys, anchors, block scalars at the end of the file.
const DOCS: Array<[string, string]> = [
  ['base: &b {a: 1, b: 2}\nv:\n  c: 3\n  <<: *b\n  a: 9\n', "{'base': {'a': 1, 'b': 2}, 'v': {'a': 9, 'b': 2, 'c': 3}}"],
  ['x: &x {a: 1}\ny: &y {a: 2, b: 2}\nv:\n  <<: [*x, *y]\n', "{'x': {'a': 1}, 'y': {'a': 2, 'b': 2}, 'v': {'a': 1, 'b': 2}}"],
  ['a: 1\nb: 2\na: 3\n', "{'a': 3, 'b': 2}"],
  ['1: a\ntrue: b\n1.0: c\n', "{1: 'c'}"],
  ['a: |\n  x\n  y', "{'a': 'x\\ny'}"],
  ['a: |\n  x\n', "{'a': 'x\\n'}"],
  ['a: >\n  x\n  y\n', "{'a': 'x y\\n'}"],
  ['a: {type str, default: "None"}', "{'a': {'type str': None, 'default': 'None'}}"],
  ['a: "python x.py {p}\n     --b {q}"\n', "{'a': 'python x.py {p} --b {q}'}"],
];

function python(script: string, input: string): string {
  const r = spawnSync('python3', ['-c', script], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 with PyYAML is the reference for these tests (apt-get install python3-yaml): ${r.stderr || r.error?.message}`);
  return r.stdout;
}

const ours = (yaml: string) => pyStr(safeLoad(yaml, 'test.yaml'));

describe('YAML 1.1 values as PyYAML reads them, rendered as Python str()', () => {
  it.each(VALUES)('%s -> %s', (yaml, expected) => {
    expect(pyStr((safeLoad(`v: ${yaml}\n`, 't') as any).get('v'))).toBe(expected);
  });

  it.each(DOCS)('document %#', (yaml, expected) => {
    expect(ours(yaml)).toBe(expected);
  });

  it('every row agrees with python3 + PyYAML on this machine', () => {
    const docs = [...VALUES.map(([v]) => `v: ${v}\n`), ...DOCS.map(([d]) => d)];
    const out = python('import json,sys,yaml\nfor d in json.load(sys.stdin): print(json.dumps(str(yaml.safe_load(d))))', JSON.stringify(docs));
    const theirs = out.trim().split('\n').map((l) => JSON.parse(l) as string);
    expect(docs.map(ours)).toEqual(theirs);
  });

  it('billion laughs: an MLproject whose aliases expand exponentially is refused, quickly', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    const started = Date.now();
    expect(() => safeLoad(lines.join('\n') + '\n', 'MLproject')).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringContaining('expands to more than') }));
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a bare = (YAML 1.1\'s value tag) is refused as PyYAML refuses it, so an MLproject parameter default `=` is MLflow\'s error too', () => {
    expect(() => safeLoad('parameters:\n  p: {type: string, default: =}\n', 'MLproject')).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringContaining("could not determine a constructor for the tag 'tag:yaml.org,2002:value'") }));
  });

  it('refuses what PyYAML refuses: unknown tags, bad dates, merging a scalar', () => {
    for (const bad of ['v: =\n', 'v: !foo x\n', 'v: 2001-13-01\n', 'v: 2001-02-29 10:00:00\n', 'v: !!binary aGk=\n', 'a: 1\nv:\n  <<: 5\n', 'a: &a [*a]\n']) {
      expect(() => safeLoad(bad, 'MLproject'), bad).toThrow(expect.objectContaining({ code: 'E_CONFIG' }));
    }
  });
});

const FORMATS: Array<[string, Record<string, string>]> = [
  ['{v:_>8}', { v: 'ab' }],
  ['{v:^9}|{v:<3}|{v:.1}|{v:05}|{v:x^7.1}', { v: 'ab' }],
  ['{v!r} {v!s} {v!a}', { v: "it's é" }],
  ['{v!r:>12}', { v: "'a b'" }],
  ['{v[0]}{v[1]}', { v: 'xyz' }],
  ['{v:{w}}|{v:>{w}.{w}}', { v: 'abc', w: '2' }],
  ['{{literal}} {a-b}', { 'a-b': 'dash' }],
  ['{v}', { v: '' }],
];
const FORMAT_ERRORS = ['{', '}', '{v', '{v!}', '{v!x}', '{v!rr}', '{}', '{0}', '{v[9]}', '{v[a]}', '{v[0]x}', '{v:=5}', '{v:+5}', '{v:,}', '{v:d}', '{v:5.}', '{v:{w:{w}}}'];

describe("Python's str.format, as MLflow renders a command", () => {
  it('renders specs, conversions and indexing as python3 does', () => {
    const theirs = python('import json,sys\nfor t,v in json.load(sys.stdin): print(json.dumps(t.format(**v)))', JSON.stringify(FORMATS)).trim().split('\n').map((l) => JSON.parse(l) as string);
    expect(FORMATS.map(([t, v]) => pyStrFormat(t, v))).toEqual(theirs);
    expect(pyStrFormat('{v:_>8}', { v: 'ab' })).toBe('______ab');
  });

  it('raises where python3 raises', () => {
    const theirs = python('import json,sys\nfor t in json.load(sys.stdin):\n  try: t.format(v="ab", w="3"); print("ok")\n  except Exception as e: print(type(e).__name__)', JSON.stringify(FORMAT_ERRORS)).trim().split('\n');
    expect(theirs.every((t) => t !== 'ok')).toBe(true);
    for (const t of FORMAT_ERRORS) expect(() => pyStrFormat(t, { v: 'ab', w: '3' }), t).toThrow();
  });

  it('refuses attribute access, which Python renders as a method with its memory address', () => {
    expect(() => pyStrFormat('{v.upper}', { v: 'ab' })).toThrow(/attribute access/);
  });
});

describe("int and float values as Python's int() and float() accept them", () => {
  const samples = ['7', ' 7 ', '+7', '-0', '1_000', '1__0', '_1', '1_', '0x10', '1.5', '1e3', '.5', '5.', 'inf', '-Infinity', 'nan', 'NaN ', '1e', 'e3', '', ' ', '1 2', '١', '1.5e-3_0', '1_0.5', '\u00a07'];
  it('agrees with python3 on every sample', () => {
    const theirs = python('import json,sys\nfor s in json.load(sys.stdin):\n  r=[]\n  for f in (int,float):\n    try: f(s); r.append(True)\n    except ValueError: r.append(False)\n  print(json.dumps(r))', JSON.stringify(samples)).trim().split('\n').map((l) => JSON.parse(l) as [boolean, boolean]);
    // Non-ASCII digits ('١') are accepted by Python and refused by repro: a stricter check, never a looser one.
    const ours = samples.map((s) => [pythonIntAccepts(s), pythonFloatAccepts(s)]);
    for (let i = 0; i < samples.length; i++) {
      if (samples[i] === '١') expect(ours[i]).toEqual([false, false]);
      else expect(ours[i], JSON.stringify(samples[i])).toEqual(theirs[i]);
    }
  });
});

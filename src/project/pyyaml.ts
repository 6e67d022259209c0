// YAML read as PyYAML 6's yaml.safe_load reads it (YAML 1.1), which is how MLflow reads an
// MLproject: `1e-1` is a string, `1_000` is 1000, `1:30` is 90, `017` is 15, `yes`/`off` are
// booleans, `0b1010` is 10, dates are datetimes, `<<` merges, a repeated key's last value wins
// and integers are exact at any size. The yaml package parses (failsafe schema: every scalar
// kept as text with its style and tag); PyYAML's resolver and constructors are applied here.
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Scalar, type YAMLMap } from 'yaml';
import { ReproError } from '../core/errors.js';
import { PyDate, PyDateTime, PyDict, PyFloat, PyInt, type PyValue } from './python-value.js';
import { throwSyntaxError } from './yaml-doc.js';

const TAG = 'tag:yaml.org,2002:';

// PyYAML's implicit resolvers (yaml/resolver.py), tried in this order for a plain scalar.
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP = /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const TIMESTAMP_PARTS = /^([0-9]{4})-([0-9][0-9]?)-([0-9][0-9]?)(?:(?:[Tt]|[ \t]+)([0-9][0-9]?):([0-9][0-9]):([0-9][0-9])(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9][0-9]?)(?::([0-9][0-9]))?))?)?$/;

/** The tag PyYAML's resolver gives a plain scalar (resolvers are keyed by the first character). */
export function resolvePlain(text: string): string {
  const first = text[0] ?? '';
  if ('yYnNtTfFoO'.includes(first) && first !== '' && BOOL.test(text)) return 'bool';
  if ('-+0123456789.'.includes(first) && first !== '' && FLOAT.test(text)) return 'float';
  if ('-+0123456789'.includes(first) && first !== '' && INT.test(text)) return 'int';
  if (text === '<<') return 'merge';
  if (['~', 'n', 'N', ''].includes(first) && NULL.test(text)) return 'null';
  if ('0123456789'.includes(first) && first !== '' && TIMESTAMP.test(text)) return 'timestamp';
  if (text === '=') return 'value';
  return 'str';
}

class YamlValueError extends Error {}

function sexagesimal<T>(parts: T[], zero: T, add: (a: T, b: T) => T, times60: (a: T) => T): T {
  let value = zero;
  for (const p of parts) value = add(times60(value), p);
  return value;
}

/** PyYAML's construct_yaml_int. */
export function constructInt(text: string): PyInt {
  let value = text.replaceAll('_', '');
  let sign = 1n;
  if (value[0] === '-') sign = -1n;
  if (value[0] === '+' || value[0] === '-') value = value.slice(1);
  const parse = (digits: string, radix: number, re: RegExp): bigint => {
    if (!re.test(digits)) throw new YamlValueError(`invalid literal for int() with base ${radix}: '${digits}'`);
    return [...digits].reduce((acc, d) => acc * BigInt(radix) + BigInt(parseInt(d, radix)), 0n);
  };
  if (value === '0') return new PyInt(0n);
  if (value.startsWith('0b')) return new PyInt(sign * parse(value.slice(2), 2, /^[01]+$/));
  if (value.startsWith('0x')) return new PyInt(sign * parse(value.slice(2), 16, /^[0-9a-fA-F]+$/));
  if (value[0] === '0') return new PyInt(sign * parse(value, 8, /^[0-7]+$/));
  if (value.includes(':')) return new PyInt(sign * sexagesimal(value.split(':').map((p) => parse(p, 10, /^[0-9]+$/)), 0n, (a, b) => a + b, (a) => a * 60n));
  return new PyInt(sign * parse(value, 10, /^[0-9]+$/));
}

/** PyYAML's construct_yaml_float (Python's float() on the rest: correctly rounded, like Number()). */
export function constructFloat(text: string): PyFloat {
  let value = text.replaceAll('_', '').toLowerCase();
  let sign = 1;
  if (value[0] === '-') sign = -1;
  if (value[0] === '+' || value[0] === '-') value = value.slice(1);
  if (value === '.inf') return new PyFloat(sign * Infinity);
  if (value === '.nan') return new PyFloat(NaN);
  if (value.includes(':')) return new PyFloat(sign * sexagesimal(value.split(':').map(pyFloatText), 0, (a, b) => a + b, (a) => a * 60));
  return new PyFloat(sign * pyFloatText(value));
}

function pyFloatText(s: string): number {
  if (!/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/.test(s)) throw new YamlValueError(`could not convert string to float: '${s}'`);
  return Number(s);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** PyYAML's construct_yaml_timestamp, with Python's datetime range checks. */
export function constructTimestamp(text: string): PyDate | PyDateTime {
  const m = TIMESTAMP_PARTS.exec(text);
  if (!m) throw new YamlValueError(`not a timestamp: '${text}'`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1) throw new YamlValueError(`year ${year} is out of range`);
  if (month < 1 || month > 12) throw new YamlValueError('month must be in 1..12');
  const days = month === 2 && leap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > days) throw new YamlValueError('day is out of range for month');
  const date = new PyDate(year, month, day);
  if (m[4] === undefined) return date;
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (hour > 23) throw new YamlValueError('hour must be in 0..23');
  if (minute > 59) throw new YamlValueError('minute must be in 0..59');
  if (second > 59) throw new YamlValueError('second must be in 0..59');
  const microsecond = m[7] ? Number(m[7].slice(0, 6).padEnd(6, '0')) : 0;
  let offset: number | null = null;
  if (m[9]) {
    offset = (Number(m[10]) * 60 + Number(m[11] ?? 0)) * (m[9] === '-' ? -1 : 1);
    if (Math.abs(offset) >= 24 * 60) throw new YamlValueError('offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)');
  } else if (m[8]) {
    offset = 0;
  }
  return new PyDateTime(date, hour, minute, second, microsecond, offset);
}

const BOOL_VALUES: Record<string, boolean> = { yes: true, no: false, true: true, false: false, on: true, off: false };

/** The value PyYAML's SafeConstructor makes of a scalar with this tag (short name) and text. */
function constructScalar(tag: string, text: string): PyValue {
  switch (tag) {
    case 'null':
      return null;
    case 'bool': {
      const b = BOOL_VALUES[text.toLowerCase()];
      if (b === undefined) throw new YamlValueError(`'${text}' is not a boolean`);
      return b;
    }
    case 'int':
      return constructInt(text);
    case 'float':
      return constructFloat(text);
    case 'timestamp':
      return constructTimestamp(text);
    case 'str':
      return text;
    // 'value' (a bare `=`): PyYAML's safe loader has no constructor for it and refuses the file, so MLflow does.
    default:
      throw new YamlValueError(`could not determine a constructor for the tag '${TAG}${tag}'`);
  }
}

function shortTag(tag: string | undefined): string | null {
  if (tag === undefined) return null;
  if (tag === '!') return 'str';
  return tag.startsWith(TAG) ? tag.slice(TAG.length) : tag;
}

/** The node's position, for errors. */
function lineOf(node: Node, text: string): number | null {
  const start = node.range?.[0];
  return start === undefined ? null : text.slice(0, start).split('\n').length;
}

/** Nodes one document may construct, aliases expanded: a few MLproject lines cannot make billions. */
const MAX_NODES = 1_000_000;

interface Reader {
  doc: Document;
  text: string;
  file: string;
  /** Nodes constructed so far (aliases count each time they are expanded). */
  nodes: number;
  /** Anchored nodes under construction, so a recursive alias is refused instead of looping. */
  active: Set<Node>;
}

function fail(r: Reader, node: Node | null, message: string): never {
  const line = node ? lineOf(node, r.text) : null;
  throw new ReproError('E_CONFIG', `${r.file}${line ? `:${line}` : ''}: ${message}`, {
    hint: 'MLflow reads this file with PyYAML (yaml.safe_load), which refuses it too: fix the value.',
    details: { file: r.file, line },
  });
}

function construct(r: Reader, node: Node | null): PyValue {
  if (node === null || node === undefined) return null;
  if (++r.nodes > MAX_NODES) fail(r, node, `the document expands to more than ${MAX_NODES} values (aliases of aliases): refused`);
  if (isAlias(node)) {
    const target = node.resolve(r.doc) as Node | undefined;
    if (!target) fail(r, node, `found undefined alias ${node.source}`);
    if (r.active.has(target)) fail(r, node, `alias ${node.source} refers to the node that contains it`);
    return construct(r, target);
  }
  r.active.add(node);
  try {
    const tag = shortTag((node as { tag?: string }).tag);
    if (isScalar(node)) {
      const text = blockAtEof(r, node as Scalar, String((node as Scalar).value ?? ''));
      const kind = tag ?? ((node as Scalar).type === 'PLAIN' ? resolvePlain(text) : 'str');
      try {
        return constructScalar(kind === 'merge' ? 'str' : kind, text);
      } catch (err) {
        if (err instanceof YamlValueError) fail(r, node, err.message);
        throw err;
      }
    }
    if (isSeq(node)) {
      if (tag !== null && tag !== 'seq') fail(r, node, `could not determine a constructor for the tag '${TAG}${tag}'`);
      return node.items.map((item) => construct(r, item as Node | null));
    }
    if (isMap(node)) {
      if (tag !== null && tag !== 'map') fail(r, node, `could not determine a constructor for the tag '${TAG}${tag}'`);
      const dict = new PyDict();
      for (const [k, v] of flatten(r, node)) {
        const key = construct(r, k);
        if (Array.isArray(key) || key instanceof PyDict) fail(r, k, 'found unhashable key');
        dict.set(key, construct(r, v));
      }
      return dict;
    }
    fail(r, node, 'unsupported YAML node');
  } finally {
    r.active.delete(node);
  }
}

/**
 * A block scalar (| or >) that ends the file without a line break has no final line break to
 * keep: PyYAML gives `x`, the yaml package `x\n`. MLproject files often end that way.
 */
function blockAtEof(r: Reader, node: Scalar, value: string): string {
  if (node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED') return value;
  const end = node.range?.[1];
  if (end !== r.text.length || /[\r\n]$/.test(r.text) || !value.endsWith('\n')) return value;
  return value.slice(0, -1);
}

type NodePair = [Node | null, Node | null];

function deref(r: Reader, node: Node | null): Node | null {
  if (node && isAlias(node)) return (node.resolve(r.doc) as Node | undefined) ?? null;
  return node;
}

function isMergeKey(node: Node | null): boolean {
  return node !== null && isScalar(node) && (node as Scalar).type === 'PLAIN' && (node as { tag?: string }).tag === undefined && (node as Scalar).value === '<<';
}

/** PyYAML's flatten_mapping: `<<` pairs removed, the merged mappings' pairs put first. */
function flatten(r: Reader, node: YAMLMap): NodePair[] {
  const own: NodePair[] = [];
  const merge: NodePair[] = [];
  for (const pair of node.items) {
    const key = pair.key as Node | null;
    const value = pair.value as Node | null;
    if (!isMergeKey(key)) {
      own.push([key, value]);
      continue;
    }
    const target = deref(r, value);
    if (target && isMap(target)) {
      merge.push(...flatten(r, target));
    } else if (target && isSeq(target)) {
      const sub: NodePair[][] = [];
      for (const item of target.items) {
        const m = deref(r, item as Node | null);
        if (!m || !isMap(m)) fail(r, item as Node, 'expected a mapping for merging');
        sub.push(flatten(r, m));
      }
      for (const pairs of sub.reverse()) merge.push(...pairs);
    } else {
      fail(r, value, 'expected a mapping or list of mappings for merging');
    }
  }
  return [...merge, ...own];
}

/** yaml.safe_load(text): the first document's value (None for an empty file). */
export function safeLoad(text: string, file: string): PyValue {
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: false, merge: false, version: '1.1', prettyErrors: true });
  throwSyntaxError(doc, file);
  return construct({ doc, text, file, active: new Set(), nodes: 0 }, doc.contents as Node | null);
}

// Python's str() and shlex.quote(), as MLflow applies them when it renders an entry point's
// command, so that repro renders exactly the command line `mlflow run` would run.

/** Python's repr/str of a float: shortest round-trip digits, scientific below 1e-4 or from 1e16. */
export function pythonFloatStr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
}

/** A YAML scalar as Python's str() shows the value yaml.safe_load gives for it. */
export function pythonStr(value: unknown, yamlType?: 'int' | 'float'): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (yamlType === 'float' || !Number.isInteger(value)) return pythonFloatStr(value);
    return BigInt(value).toString();
  }
  return String(value);
}

/** Python's shlex.quote (re.ASCII: \w is [A-Za-z0-9_]). */
export function shlexQuote(s: string): string {
  if (s === '') return "''";
  if (!/[^A-Za-z0-9_@%+=:,./-]/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

/** What Python raises when str.format fails; the caller names the entry point. */
export class PyFormatError extends Error {
  constructor(readonly pythonType: 'ValueError' | 'KeyError' | 'IndexError' | 'TypeError' | 'AttributeError', message: string) {
    super(message);
  }
}

/**
 * Python's `template.format(**values)` for string values, as MLflow renders a command: `{{`/`}}`
 * escapes, `{name}`, indexing (`{v[0]}`), conversions (`!r`, `!s`, `!a`), format specs with
 * nested fields (`{v:_>{w}}`), and the same errors where Python raises. Attribute access
 * (`{v.upper}`) is refused: Python would render a method's repr with a memory address.
 */
export function pyStrFormat(template: string, values: Readonly<Record<string, string>>, depth = 2): string {
  if (depth <= 0) throw new PyFormatError('ValueError', 'Max string recursion exceeded');
  const s = Array.from(template);
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i++]!;
    if (c !== '{' && c !== '}') {
      out += c;
      continue;
    }
    const atEnd = i >= s.length;
    if (c === '}' && (atEnd || s[i] !== '}')) throw new PyFormatError('ValueError', "Single '}' encountered in format string");
    if (atEnd) throw new PyFormatError('ValueError', "Single '{' encountered in format string");
    if (s[i] === c) {
      out += c;
      i++;
      continue;
    }
    // A field: the name up to '}', ':' or '!' (brackets skipped), then conversion and spec.
    const nameStart = i;
    let stop = '';
    while (i < s.length) {
      const ch = s[i++]!;
      if (ch === '{') throw new PyFormatError('ValueError', "unexpected '{' in field name");
      if (ch === '[') {
        while (i < s.length && s[i] !== ']') i++;
        continue;
      }
      if (ch === '}' || ch === ':' || ch === '!') {
        stop = ch;
        break;
      }
    }
    const name = s.slice(nameStart, stop ? i - 1 : i).join('');
    let conversion = '';
    let spec = '';
    let specNested = false;
    if (stop === '!' || stop === ':') {
      let specFollows = true;
      if (stop === '!') {
        if (i >= s.length) throw new PyFormatError('ValueError', 'end of string while looking for conversion specifier');
        conversion = s[i++]!;
        if (i < s.length) {
          const next = s[i++]!;
          if (next === '}') specFollows = false;
          else if (next !== ':') throw new PyFormatError('ValueError', "expected ':' after conversion specifier");
        }
      }
      if (specFollows) {
        const specStart = i;
        let count = 1;
        let closed = false;
        while (i < s.length) {
          const ch = s[i++]!;
          if (ch === '{') {
            specNested = true;
            count++;
          } else if (ch === '}' && --count === 0) {
            closed = true;
            break;
          }
        }
        if (!closed) throw new PyFormatError('ValueError', "unmatched '{' in format spec");
        spec = s.slice(specStart, i - 1).join('');
      }
    } else if (stop !== '}') {
      throw new PyFormatError('ValueError', "expected '}' before end of string");
    }
    let value = lookupField(name, values);
    if (conversion === 'r') value = pyStrRepr(value);
    else if (conversion === 'a') value = pyAscii(value);
    else if (conversion !== '' && conversion !== 's') throw new PyFormatError('ValueError', `Unknown conversion specifier ${conversion}`);
    out += formatStr(value, specNested ? pyStrFormat(spec, values, depth - 1) : spec);
  }
  return out;
}

/** A field name: an argument name, then `[index]` (str indexing) or `.attribute` parts. */
function lookupField(name: string, values: Readonly<Record<string, string>>): string {
  const first = /^[^.[]*/.exec(name)![0];
  if (first === '' || /^[0-9]+$/.test(first)) {
    throw new PyFormatError('IndexError', `Replacement index ${first === '' ? 0 : Number(first)} out of range for positional args tuple`);
  }
  if (!Object.prototype.hasOwnProperty.call(values, first)) throw new PyFormatError('KeyError', `'${first}'`);
  let value = values[first]!;
  let rest = name.slice(first.length);
  while (rest !== '') {
    if (rest[0] === '.') {
      const attr = /^\.([^.[]*)/.exec(rest)![1]!;
      if (attr === '') throw new PyFormatError('ValueError', 'Empty attribute in format string');
      throw new PyFormatError('AttributeError', `attribute access ({${first}.${attr}}) in a command is not supported: Python would render a str method`);
    }
    const close = rest.indexOf(']');
    if (close < 0) throw new PyFormatError('ValueError', "Missing ']' in format string");
    const key = rest.slice(1, close);
    if (key === '') throw new PyFormatError('ValueError', 'Empty attribute in format string');
    rest = rest.slice(close + 1);
    if (rest !== '' && rest[0] !== '.' && rest[0] !== '[') throw new PyFormatError('ValueError', "Only '.' or '[' may follow ']' in format field specifier");
    if (!/^[0-9]+$/.test(key)) throw new PyFormatError('TypeError', "string indices must be integers, not 'str'");
    const chars = Array.from(value);
    const at = Number(key);
    if (at >= chars.length) throw new PyFormatError('IndexError', 'string index out of range');
    value = chars[at]!;
  }
  return value;
}

/** format(value, spec) for a str: [[fill]align][width][.precision][s]; what str refuses, refused. */
function formatStr(value: string, spec: string): string {
  const s = Array.from(spec);
  let i = 0;
  let fill = ' ';
  let align = '<';
  if (s.length >= 2 && '<>=^'.includes(s[1]!)) {
    fill = s[0]!;
    align = s[1]!;
    i = 2;
  } else if (s.length >= 1 && '<>=^'.includes(s[0]!)) {
    align = s[0]!;
    i = 1;
  }
  const explicitFill = i === 2;
  if (s[i] === '+' || s[i] === '-' || s[i] === ' ') throw new PyFormatError('ValueError', 'Sign not allowed in string format specifier');
  if (s[i] === 'z') throw new PyFormatError('ValueError', 'Negative zero coercion (z) not allowed in string format specifier');
  if (s[i] === '#') throw new PyFormatError('ValueError', 'Alternate form (#) not allowed in string format specifier');
  if (s[i] === '0') {
    if (!explicitFill) fill = '0';
    i++;
  }
  let width = '';
  while (i < s.length && /[0-9]/.test(s[i]!)) width += s[i++];
  if (s[i] === ',' || s[i] === '_') throw new PyFormatError('ValueError', `Cannot specify '${s[i]}' with 's'.`);
  let precision: number | null = null;
  if (s[i] === '.') {
    i++;
    let p = '';
    while (i < s.length && /[0-9]/.test(s[i]!)) p += s[i++];
    if (p === '') throw new PyFormatError('ValueError', 'Format specifier missing precision');
    precision = Number(p);
  }
  if (s.length - i > 1) throw new PyFormatError('ValueError', 'Invalid format specifier');
  const type = s[i];
  if (type !== undefined && type !== 's') throw new PyFormatError('ValueError', `Unknown format code '${type}' for object of type 'str'`);
  if (align === '=') throw new PyFormatError('ValueError', "'=' alignment not allowed in string format specifier");
  let chars = Array.from(value);
  if (precision !== null) chars = chars.slice(0, precision);
  const total = width === '' ? 0 : Number(width);
  const padding = Math.max(0, total - chars.length);
  const text = chars.join('');
  if (align === '>') return fill.repeat(padding) + text;
  if (align === '^') return fill.repeat(Math.floor(padding / 2)) + text + fill.repeat(padding - Math.floor(padding / 2));
  return text + fill.repeat(padding);
}

/** Characters Python's str.isprintable() refuses: other (Cc, Cf, Cs, Co, Cn) and separators but the space. */
const NOT_PRINTABLE = /[\p{C}\p{Z}]/u;

/** Python's repr() of a str: single quotes unless the text has one and no double quote. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x7f || ch === ' ' || !NOT_PRINTABLE.test(ch)) out += ch;
    else if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + quote;
}

/** Python's ascii(): repr with every non-ASCII character escaped. */
export function pyAscii(s: string): string {
  return pyStrRepr(s).replace(/[^\x00-\x7f]/gu, (ch) => {
    const cp = ch.codePointAt(0)!;
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
  });
}

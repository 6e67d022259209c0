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

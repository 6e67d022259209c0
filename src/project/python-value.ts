// The values Python's yaml.safe_load gives (None, bool, int, float, str, list, dict, date,
// datetime) and Python's str() and repr() of each, so that an MLproject default reaches the
// command exactly as MLflow's str(value) renders it: `[1, 'a']`, `{'k': True}`,
// `2001-12-14 21:59:43.100000+00:00`, `123456789012345678901234567890`.
import { pyStrRepr, pythonFloatStr } from './python-format.js';

export class PyInt {
  constructor(readonly value: bigint) {}
}
export class PyFloat {
  constructor(readonly value: number) {}
}
/** A dict: insertion order, keys compared as Python compares them (1 == 1.0 == True). */
export class PyDict {
  readonly entries: Array<[PyValue, PyValue]> = [];
  private readonly index = new Map<string, number>();
  set(key: PyValue, value: PyValue): void {
    const id = keyId(key);
    const at = this.index.get(id);
    if (at === undefined) {
      this.index.set(id, this.entries.length);
      this.entries.push([key, value]);
    } else {
      this.entries[at]![1] = value; // Python keeps the first key object and its place
    }
  }
  get(key: string): PyValue | undefined {
    const at = this.index.get(keyId(key));
    return at === undefined ? undefined : this.entries[at]![1];
  }
  has(key: string): boolean {
    return this.index.has(keyId(key));
  }
}
export class PyDate {
  constructor(readonly year: number, readonly month: number, readonly day: number) {}
}
export class PyDateTime {
  constructor(
    readonly date: PyDate,
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
    readonly microsecond: number,
    /** Offset from UTC in minutes; null: naive; 0 is datetime.timezone.utc. */
    readonly offsetMinutes: number | null,
  ) {}
}

export type PyValue = null | boolean | string | PyInt | PyFloat | PyValue[] | PyDict | PyDate | PyDateTime;

/** What makes two dict keys the same key in Python (hash and ==). */
function keyId(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return `n:${v ? 1 : 0}`;
  if (typeof v === 'string') return `s:${v}`;
  if (v instanceof PyInt) return `n:${v.value}`;
  if (v instanceof PyFloat) return Number.isInteger(v.value) ? `n:${BigInt(v.value)}` : `f:${pythonFloatStr(v.value)}`;
  if (v instanceof PyDate || v instanceof PyDateTime) return `d:${pyStr(v)}`;
  throw new TypeError(`unhashable type: '${v instanceof PyDict ? 'dict' : 'list'}'`);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `${sign}${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

/** Python's str(value). */
export function pyStr(v: PyValue): string {
  if (typeof v === 'string') return v;
  if (v instanceof PyDate) return `${pad(v.year, 4)}-${pad(v.month)}-${pad(v.day)}`;
  if (v instanceof PyDateTime) {
    const frac = v.microsecond ? `.${pad(v.microsecond, 6)}` : '';
    return `${pyStr(v.date)} ${pad(v.hour)}:${pad(v.minute)}:${pad(v.second)}${frac}${v.offsetMinutes === null ? '' : offsetText(v.offsetMinutes)}`;
  }
  return pyRepr(v);
}

/** datetime.timedelta's repr for an offset in minutes (days, seconds normalized as Python does). */
function timedeltaRepr(minutes: number): string {
  if (minutes === 0) return 'datetime.timedelta(0)';
  const total = minutes * 60;
  const days = Math.floor(total / 86400);
  const seconds = total - days * 86400;
  const parts = [days ? `days=${days}` : '', seconds ? `seconds=${seconds}` : ''].filter(Boolean);
  return `datetime.timedelta(${parts.join(', ')})`;
}

/** Python's repr(value). */
export function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return pyStrRepr(v);
  if (v instanceof PyInt) return v.value.toString();
  if (v instanceof PyFloat) return pythonFloatStr(v.value);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof PyDict) return `{${v.entries.map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  if (v instanceof PyDate) return `datetime.date(${v.year}, ${v.month}, ${v.day})`;
  const fields = [v.date.year, v.date.month, v.date.day, v.hour, v.minute];
  if (v.second || v.microsecond) fields.push(v.second);
  if (v.microsecond) fields.push(v.microsecond);
  const tz = v.offsetMinutes === null ? '' : `, tzinfo=${v.offsetMinutes === 0 ? 'datetime.timezone.utc' : `datetime.timezone(${timedeltaRepr(v.offsetMinutes)})`}`;
  return `datetime.datetime(${fields.join(', ')}${tz})`;
}

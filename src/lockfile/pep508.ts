// PEP 508 environment markers, evaluated for one environment as pip (packaging.markers) does:
// `and` binds tighter than `or`, parentheses group; a comparison whose both sides are PEP 440
// versions and whose operator is a version operator compares as versions (@renovatebot/pep440),
// otherwise as strings (==, !=, <, <=, >, >=, and `in`/`not in` as substring tests); `extra` is
// the empty string unless asked for. A marker that does not parse, or names a variable that is
// not known, evaluates to null: the caller then does not decide by it. Markers come from lockfiles
// someone else wrote: length and nesting are bounded.
import { pep440 } from './pep440.js';

export interface MarkerEnvironment {
  python_version: string;
  python_full_version: string;
  implementation_name: string;
  implementation_version: string;
  platform_python_implementation: string;
  sys_platform: string;
  platform_system: string;
  platform_machine: string;
  os_name: string;
  platform_release?: string;
  platform_version?: string;
  extra?: string;
}

const MAX_MARKER = 4096;
const MAX_DEPTH = 32;
const VERSION_OPS = new Set(['==', '!=', '<', '<=', '>', '>=', '~=', '===']);
const TOKEN = /\s*(\(|\)|===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b|and\b|or\b|'[^']*'|"[^"]*"|[A-Za-z_][A-Za-z0-9_.]*)/y;

type Token = string;

function tokenize(marker: string): Token[] | null {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < marker.length) {
    if (/^\s*$/.test(marker.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(marker);
    if (!m) return null;
    out.push(m[1]!.replace(/^not\s+in$/, 'not in'));
    at = TOKEN.lastIndex;
  }
  return out;
}

function compare(lhs: string, op: string, rhs: string): boolean {
  if (op === 'in') return rhs.includes(lhs);
  if (op === 'not in') return !rhs.includes(lhs);
  const lib = pep440();
  if (VERSION_OPS.has(op) && op !== '===' && lib.valid(lhs) && lib.validRange(`${op}${rhs}`)) return lib.satisfies(lhs, `${op}${rhs}`);
  switch (op) {
    case '==':
    case '===':
      return lhs === rhs;
    case '!=':
      return lhs !== rhs;
    case '<':
      return lhs < rhs;
    case '<=':
      return lhs <= rhs;
    case '>':
      return lhs > rhs;
    case '>=':
      return lhs >= rhs;
    default:
      throw new Error(`operator ${op} needs versions`);
  }
}

/** true/false for this environment; null when the marker cannot be evaluated here. */
export function evaluateMarker(marker: string, env: MarkerEnvironment): boolean | null {
  if (marker.length > MAX_MARKER) return null;
  const tokens = tokenize(marker);
  if (!tokens || tokens.length === 0) return null;
  let i = 0;
  const vars = env as unknown as Record<string, string | undefined>;
  const value = (t: Token | undefined): string => {
    if (t === undefined) throw new Error('end of marker');
    if (/^['"]/.test(t)) return t.slice(1, -1);
    if (t === 'extra') return env.extra ?? '';
    const v = Object.prototype.hasOwnProperty.call(vars, t) ? vars[t] : undefined;
    if (v === undefined) throw new Error(`unknown variable ${t}`);
    return v;
  };
  const atom = (depth: number): boolean => {
    if (depth > MAX_DEPTH) throw new Error('nested too deep');
    if (tokens[i] === '(') {
      i++;
      const v = or(depth + 1);
      if (tokens[i++] !== ')') throw new Error('unbalanced parenthesis');
      return v;
    }
    const lhs = value(tokens[i++]);
    const op = tokens[i++];
    if (op === undefined || !(VERSION_OPS.has(op) || op === 'in' || op === 'not in')) throw new Error('no operator');
    return compare(lhs, op, value(tokens[i++]));
  };
  const and = (depth: number): boolean => {
    let v = atom(depth);
    while (tokens[i] === 'and') {
      i++;
      v = atom(depth) && v;
    }
    return v;
  };
  const or = (depth: number): boolean => {
    let v = and(depth);
    while (tokens[i] === 'or') {
      i++;
      v = and(depth) || v;
    }
    return v;
  };
  try {
    const v = or(0);
    return i === tokens.length ? v : null;
  } catch {
    return null;
  }
}

/** The marker environment of a recorded interpreter on a recorded OS (as `python -c "import packaging.markers; …default_environment()"` would give). */
export function markerEnvironment(python: { version: string; implementation: string }, os: { platform: string; arch: string; kernel?: string }): MarkerEnvironment {
  const [major = '', minor = ''] = python.version.split('.');
  const sys = os.platform === 'win32' ? 'win32' : os.platform === 'darwin' ? 'darwin' : os.platform;
  const machine = ({ x64: 'x86_64', arm64: os.platform === 'darwin' ? 'arm64' : 'aarch64', ia32: 'i686', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[os.arch] ?? os.arch;
  return {
    python_version: `${major}.${minor}`,
    python_full_version: python.version,
    implementation_name: python.implementation.toLowerCase(),
    implementation_version: python.version,
    platform_python_implementation: python.implementation,
    sys_platform: sys,
    platform_system: ({ linux: 'Linux', darwin: 'Darwin', win32: 'Windows' } as Record<string, string>)[os.platform] ?? os.platform,
    platform_machine: machine,
    os_name: os.platform === 'win32' ? 'nt' : 'posix',
    ...(os.kernel ? { platform_release: os.kernel } : {}),
  };
}

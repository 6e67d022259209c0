// A parameter value as MLflow's Parameter.compute_value makes it: a `uri` must have a scheme
// (urllib.parse), a local `path` (plain or file://) must exist and becomes absolute against the
// caller's directory, every other type passes through unchanged. One deliberate difference:
// an `int` or `float` value the user gives that Python's own int()/float() would refuse is a
// usage error before anything runs (MLflow passes it on unchecked); anything Python accepts
// (`1_000`, ` 7 `, `1e3` for a float) passes through exactly as given.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ReproError } from '../core/errors.js';
import type { ParameterSpec } from './types.js';

export function usage(p: ParameterSpec, value: string, why: string, hint?: string): ReproError {
  return new ReproError('E_USAGE', `parameter ${p.name} (${p.declaredType ?? p.type}) ${why}: ${JSON.stringify(value)}`, {
    hint: hint ?? (p.choices ? `Use one of: ${p.choices.join(', ')}.` : `Pass -P ${p.name}=<${p.type}>.`),
    details: { parameter: p.name, type: p.declaredType ?? p.type, value },
  });
}

/** What str.strip() removes (Python's whitespace, which int() and float() ignore around a number). */
const PY_SPACE = '[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]*';
const DIGITS = '[0-9](?:_?[0-9])*';
const PY_INT = new RegExp(`^${PY_SPACE}[-+]?${DIGITS}${PY_SPACE}$`);
const PY_FLOAT = new RegExp(`^${PY_SPACE}[-+]?(?:(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][-+]?${DIGITS})?|inf|infinity|nan)${PY_SPACE}$`, 'i');

/** Whether Python's int(value) accepts the text (base 10). */
export function pythonIntAccepts(value: string): boolean {
  return PY_INT.test(value);
}

/** Whether Python's float(value) accepts the text. */
export function pythonFloatAccepts(value: string): boolean {
  return PY_FLOAT.test(value);
}

/** The C0 controls and space urlsplit strips from the front, and the bytes it deletes. */
const C0_OR_SPACE = /^[\x00-\x20]+/;
const UNSAFE = /[\t\r\n]/g;

/** urllib.parse.urlparse's scheme, netloc and path (the parts MLflow looks at). */
export function urlParts(url: string): { scheme: string; netloc: string; path: string } {
  let rest = url.replace(C0_OR_SPACE, '').replace(UNSAFE, '');
  let scheme = '';
  const colon = rest.indexOf(':');
  if (colon > 0 && /^[A-Za-z]$/.test(rest[0]!) && /^[A-Za-z0-9+.-]+$/.test(rest.slice(0, colon))) {
    scheme = rest.slice(0, colon).toLowerCase();
    rest = rest.slice(colon + 1);
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end < 0 ? rest.slice(2) : rest.slice(2, 2 + end);
    rest = end < 0 ? '' : rest.slice(2 + end);
  }
  rest = rest.replace(/#.*$/s, '').replace(/\?.*$/s, '');
  // urlparse splits ;params off the last path segment.
  const semi = rest.includes('/') ? rest.indexOf(';', rest.lastIndexOf('/')) : rest.indexOf(';');
  if (semi >= 0) rest = rest.slice(0, semi);
  return { scheme, netloc, path: rest };
}

/** mlflow.data.is_uri: urlparse finds a scheme. */
export function isUri(value: string): boolean {
  return urlParts(value).scheme.length > 0;
}

/** mlflow's get_local_path_or_none: a plain path, or a file: URI without a host, as a path. */
export function localPathOrNone(value: string): string | null {
  const parts = urlParts(value);
  if (parts.scheme !== '' && !(parts.scheme === 'file' && parts.netloc === '')) return null;
  // local_file_uri_to_path: a file: URI's path, percent-decoded (url2pathname on POSIX).
  const raw = value.startsWith('file:') ? parts.path : value;
  try {
    return decodeURIComponent(raw.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
  } catch {
    return raw;
  }
}

/** os.path.abspath: joined to the directory, normalized; a leading `//` (exactly two) kept as POSIX does. */
export function pythonAbspath(p: string, cwd: string): string {
  const joined = p.startsWith('/') ? p : `${cwd}/${p}`;
  const resolved = path.posix.normalize(joined).replace(/\/+$/, '') || '/';
  return /^\/\/(?!\/)/.test(joined) ? `/${resolved}` : resolved;
}

export interface MlflowValue {
  value: string;
  /** The local file or directory a `path` value named, absolute; null for every other value. */
  localPath: string | null;
}

/** Parameter.compute_value, with repro's int/float check on values the user gave. */
export function mlflowValue(p: ParameterSpec, value: string, userGiven: boolean, callerDir: string | null): MlflowValue {
  if (userGiven && p.type === 'int' && !pythonIntAccepts(value)) throw usage(p, value, "is not an integer (Python's int() refuses it)");
  if (userGiven && p.type === 'float' && !pythonFloatAccepts(value)) throw usage(p, value, "is not a number (Python's float() refuses it)");
  if (p.type === 'uri') {
    if (!isUri(value)) throw new ReproError('E_USAGE', `Expected URI for parameter ${p.name} but got ${value}`, { hint: `Give a URI with a scheme, e.g. -P ${p.name}=s3://bucket/key or file:///data.`, details: { parameter: p.name, type: 'uri', value } });
    return { value, localPath: null };
  }
  if (p.type !== 'path' || callerDir === null) return { value, localPath: null };
  const local = localPathOrNone(value);
  if (local === null || local === '') {
    // MLflow downloads a remote path into a temporary directory through its artifact stores.
    throw usage(p, value, 'is a remote URI; repro does not download path parameters', 'Fetch it first and pass the local path (or declare the parameter as uri, which is passed through).');
  }
  const abs = pythonAbspath(local, callerDir);
  if (!existsSync(abs)) {
    throw new ReproError('E_USAGE', `Got value ${value} for parameter ${p.name}, but no such file or directory was found.`, {
      hint: `A relative path resolves against the directory repro was run from (${callerDir}), as in mlflow run.`,
      details: { parameter: p.name, type: 'path', value, resolved: abs },
    });
  }
  return { value: abs, localPath: abs };
}

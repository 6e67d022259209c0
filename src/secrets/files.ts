// Credentials never travel in a bundle. Package-manager configuration and lock files are where
// projects keep them (an .npmrc token, a requirements index URL with user:token@, a .pypirc
// password, a yarn npmAuthToken): the bundle carries a copy of each such file with the
// credentials cut out, and the build says which files and how many. The same cut defines a
// lockfile's identity in snapshots, so a snapshot taken in the project matches the bundle.
import path from 'node:path';
import { cutUrlUserInfo, ENV_PLACEHOLDER, NETRC_PASSWORD, SECRET_CONFIG_LINE } from './rules.js';

const NAMES = new Set([
  '.npmrc', '.yarnrc', '.yarnrc.yml', 'pip.conf', 'pip.ini', '.pypirc', '.condarc', '.netrc',
  'Pipfile', 'Pipfile.lock', 'pyproject.toml', 'poetry.lock', 'uv.lock', 'uv.toml', 'pdm.lock',
  'package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock',
  'environment.yml', 'environment.yaml', 'conda-lock.yml',
]);
const PATTERNS = [/^requirements.*\.(txt|in)$/i, /^constraints.*\.txt$/i, /\.requirements\.txt$/i, /^environment.*\.ya?ml$/i];
const MARKER = 'REDACTED-BY-REPRO';

/** Files whose credentials are cut out of the bundle's copy (by name, wherever they are). */
export function carriesCredentials(relPath: string): boolean {
  const base = path.posix.basename(relPath);
  return NAMES.has(base) || PATTERNS.some((p) => p.test(base));
}

export interface Scrubbed {
  text: string;
  /** How many credentials were cut (URL user-info and secret values). */
  removed: number;
}

function placeholder(value: string, key: string): string {
  const quote = /^(["']).*\1$/.test(value) ? value[0]! : '';
  // npm and yarn expand ${NPM_TOKEN} from the environment: the copy still installs when it is set.
  const name = /authToken/i.test(key) ? '${NPM_TOKEN}' : MARKER;
  return `${quote}${name}${quote}`;
}

export function scrubCredentials(relPath: string, text: string): Scrubbed {
  let removed = 0;
  const isNetrc = path.posix.basename(relPath) === '.netrc';
  const lines = text.split('\n').map((line) => {
    const cut = cutUrlUserInfo(line);
    removed += cut.removed;
    let out = cut.text;
    const m = (isNetrc ? NETRC_PASSWORD : SECRET_CONFIG_LINE).exec(out);
    if (m && !ENV_PLACEHOLDER.test(m[2]!) && !m[2]!.includes(MARKER)) {
      removed++;
      out = isNetrc ? `${m[1]}${MARKER}${m[3] ?? ''}` : `${m[1]}${placeholder(m[2]!, m[1]!)}`;
    }
    return out;
  });
  return { text: lines.join('\n'), removed };
}

/** The bytes a lockfile's identity is computed from: credentials cut, as in a bundle. */
export function identityBytes(relPath: string, bytes: Buffer): Buffer {
  if (!carriesCredentials(relPath)) return bytes;
  const text = bytes.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(bytes) === false) return bytes; // not UTF-8 text: as is
  const s = scrubCredentials(relPath, text);
  return s.removed === 0 ? bytes : Buffer.from(s.text, 'utf8');
}

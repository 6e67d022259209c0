// The one home of what counts as a credential. Every place that keeps secrets out of what repro
// writes (snapshots, lockfile records, bundled config copies, run records) asks these rules, so
// a form caught in one place is caught in all of them. tests/unit/secrets/rules.test.ts lists
// every form they catch and every look-alike they must keep.

/**
 * User-info in a URL: `scheme://user:password@` or `scheme://token@`, anywhere in a text. It
 * runs from `//` to the LAST `@` before the authority ends (a `/`, whitespace, a quote, a
 * backtick or an angle bracket, none of which RFC 3986 allows unencoded there), so a password
 * with an unencoded `@`, `#` or `?` is cut whole rather than half.
 */
const URL_USER_INFO = /([a-z][a-z0-9+.-]*:\/\/)[^/\s"'`<>]*@/gi;

/** Environment variable names that hold secrets: their values are never recorded. */
const SECRET_NAME = /(TOKEN|SECRET|PASSW(OR)?D|PASSPHRASE|(^|_)KEY($|_)|APIKEY|API_KEY|PRIVATE|CREDENTIAL|(^|_)AUTH|SESSION|COOKIE|SIGNATURE|(^|_)PAT($|_)|(^|_)DSN($|_)|CONN(ECTION)?_?STR)/i;

/** Token shapes that give a credential away under any name (GitHub, GitLab, Slack, AWS, Hugging Face, OpenAI, npm). */
const TOKEN_SHAPE = /\b(gh[pousr]_[A-Za-z0-9]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[baprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|hf_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{20,})\b/;

/** The same shapes, everywhere in a text (for replacing each). */
export const TOKEN_SHAPES = new RegExp(TOKEN_SHAPE.source, 'g');

/** A URL that still holds user-info after stripCredentials (a password with a quote or a space in it): cut it whole. */
const UNCUT_USER_INFO = /[a-z][a-z0-9+.-]*:\/\/[^/\s]*@/i;

export function hasUncutUserInfo(text: string): boolean {
  return UNCUT_USER_INFO.test(stripCredentials(text));
}

/** `key = value` / `key: value` lines of package-manager config, with npm's //host/:key form and yarn's camel case. */
export const SECRET_CONFIG_LINE = /^(\s*(?:[^\s=:#]*:)?(?:_authToken|_auth|_password|password|npmAuthToken|npmAuthIdent|token|api[-_]?key|secret)\s*[=:]\s*)(.+?)\s*$/i;

/** A .netrc line's password. */
export const NETRC_PASSWORD = /^(\s*(?:machine\s+\S+\s+)?(?:login\s+\S+\s+)?password\s+)(\S+)(.*)$/i;

/** A value that is already a placeholder (`${NPM_TOKEN}`, quoted or not): nothing to cut. */
export const ENV_PLACEHOLDER = /^\$\{[A-Z0-9_]+\}$|^["']\$\{[A-Z0-9_]+\}["']$/;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Cuts user-info out of every URL in `text` and counts the cuts. */
export function cutUrlUserInfo(text: string): { text: string; removed: number } {
  let removed = 0;
  const out = text.replace(URL_USER_INFO, (_m, scheme: string) => {
    removed++;
    return scheme;
  });
  return { text: out, removed };
}

/** A URL without its user-info, and the Basic Authorization that user-info makes (null when it has none): credentials travel in a header, never in a URL that could be logged. */
export function splitCredentials(url: URL): { url: URL; authorization: string | null } {
  const u = new URL(url);
  const authorization = u.username || u.password ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` : null;
  u.username = '';
  u.password = '';
  return { url: u, authorization };
}

/** `text` without user-info in any URL it holds (pip options, npmrc lines, git remotes). */
export function stripCredentials(text: string): string {
  return cutUrlUserInfo(text).text;
}

/** True when a value carries a credential even under an innocent name. */
export function looksLikeCredential(value: string): boolean {
  return cutUrlUserInfo(value).removed > 0 || TOKEN_SHAPE.test(value);
}

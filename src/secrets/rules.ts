// Secrets never enter a snapshot: credentials are cut out of URLs, and environment variables
// whose names look like secrets are recorded as present-and-redacted, never their values.

const SECRET_NAME = /(TOKEN|SECRET|PASSW(OR)?D|PASSPHRASE|(^|_)KEY($|_)|APIKEY|API_KEY|PRIVATE|CREDENTIAL|(^|_)AUTH|SESSION|COOKIE|SIGNATURE|(^|_)PAT($|_)|(^|_)DSN($|_)|CONN(ECTION)?_?STR)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * Removes user-info (user:password@ or token@) from URLs, including scp-like git remotes'
 * https forms and URLs embedded in longer text (pip options, npmrc lines).
 */
export function stripCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s]+@)/gi, '$1');
}

/** True when a value looks like it carries a credential even under an innocent name. */
export function looksLikeCredential(value: string): boolean {
  return /[a-z][a-z0-9+.-]*:\/\/[^/@\s]+@/i.test(value) || /\b(gh[pousr]_[A-Za-z0-9]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[baprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|hf_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{20,})\b/.test(value);
}

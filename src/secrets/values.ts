// The last line of defence for secrets: whatever a probe returned, any string in the snapshot
// that contains the value of a secret-like environment variable (or a URL with credentials)
// has it replaced before anything is written or hashed.
import { hasUncutUserInfo, isSecretName, stripCredentials, TOKEN_SHAPES } from './rules.js';

const MIN_SECRET_LENGTH = 6;
export const REDACTED = '[redacted]';

export function secretValues(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => value !== undefined && value.length >= MIN_SECRET_LENGTH && isSecretName(name))
    .map(([, value]) => value!)
    .sort((a, b) => b.length - a.length);
}

export function scrubSecrets<T>(value: T, env: Readonly<Record<string, string | undefined>>): T {
  const secrets = secretValues(env);
  const scrub = (v: unknown): unknown => {
    if (typeof v === 'string') return redactText(stripCredentials(v), secrets);
    if (Array.isArray(v)) return v.map(scrub);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[scrub(k) as string] = scrub(x);
      return out;
    }
    return v;
  };
  return scrub(value) as T;
}

/**
 * Parameters as they are recorded (run.json, --json, a bundle's reference run): URL user-info
 * cut from every value, and the whole value replaced when its name says it is a secret (token,
 * password, key, ...), when it has a token's shape (hf_…, ghp_…, AKIA…, sk-…) whatever its name,
 * or when it holds user-info that cannot be cut cleanly (a password with a quote). The entry point
 * itself still gets the real values. `secrets` are the values to remove from any other text
 * (redactText), longest first.
 */
export function redactParameters(params: Readonly<Record<string, string>>): { parameters: Record<string, string>; secrets: string[] } {
  const parameters: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (value !== '' && (isSecretName(name) || new RegExp(TOKEN_SHAPES.source).test(value) || hasUncutUserInfo(value))) {
      secrets.push(value);
      parameters[name] = REDACTED;
    } else parameters[name] = stripCredentials(value);
  }
  return { parameters, secrets: secrets.sort((a, b) => b.length - a.length) };
}

/**
 * `text` (a rendered command) with each secret value replaced, in every spelling the shell
 * quoting gave it (`quoted`: e.g. shlex.quote), token shapes replaced, and URL user-info cut.
 */
export function redactText(text: string, secrets: readonly string[], quoted: (s: string) => string = (s) => s): string {
  const forms = [...new Set(secrets.flatMap((s) => [quoted(s), s]))].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
  return stripCredentials(out.replace(TOKEN_SHAPES, REDACTED));
}

/** An entry point's environment as recorded: the values of secret-named and token-shaped variables replaced. */
export function redactEnvironment(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, isSecretName(k) || new RegExp(TOKEN_SHAPES.source).test(v) || hasUncutUserInfo(v) ? REDACTED : stripCredentials(v)]));
}

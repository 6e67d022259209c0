// The last line of defence for secrets: whatever a probe returned, any string in the snapshot
// that contains the value of a secret-like environment variable (or a URL with credentials)
// has it replaced before anything is written or hashed.
import { isSecretName, stripCredentials } from './rules.js';

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
 * cut from every value, and the whole value of a parameter whose name says it is a secret
 * (token, password, key, ...) replaced. The entry point itself still gets the real values.
 */
export function redactParameters(params: Readonly<Record<string, string>>): { parameters: Record<string, string>; secrets: string[] } {
  const parameters: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (isSecretName(name) && value !== '') {
      secrets.push(value);
      parameters[name] = REDACTED;
    } else parameters[name] = stripCredentials(value);
  }
  return { parameters, secrets: secrets.sort((a, b) => b.length - a.length) };
}

/** `text` (a rendered command) with each secret value replaced and URL user-info cut. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return stripCredentials(out);
}

/** An entry point's environment as recorded: the values of secret-named variables replaced. */
export function redactEnvironment(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, isSecretName(k) ? REDACTED : stripCredentials(v)]));
}

// WWW-Authenticate as RFC 7235 section 4.1 defines it: one or more challenges, each an
// auth-scheme (case-insensitive) followed by a token68 or by auth-params (name=token or
// name="quoted string", names case-insensitive, commas between). Registries answer with Bearer
// (docker's token flow) or Basic; some send both, or put commas inside quoted scopes.

export interface Challenge {
  /** Lower-cased auth-scheme: `bearer`, `basic`, ... */
  scheme: string;
  /** auth-params by lower-cased name. */
  params: Record<string, string>;
  /** A token68 in place of the params, if the challenge has one. */
  token68?: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;
const SPACE = /^[ \t]*/;
/** `name=value` or `name="…"` starts here (a token68 may end in '=' but is never followed by a value). */
const PARAM_START = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=[ \t]*(?:"|[!#$%&'*+\-.^_`|~0-9A-Za-z])/;

/** Every challenge in the header, in order; malformed tails are dropped, never thrown. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let rest = header;
  const skip = (re: RegExp) => {
    const m = re.exec(rest);
    if (m) rest = rest.slice(m[0].length);
    return m?.[0] ?? null;
  };
  const skipCommas = () => {
    while (true) {
      skip(SPACE);
      if (!rest.startsWith(',')) return;
      rest = rest.slice(1);
    }
  };
  skipCommas();
  while (rest.length > 0) {
    const scheme = skip(TOKEN);
    if (!scheme) break;
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    if (skip(/^[ \t]+/) === null) {
      skipCommas();
      continue;
    }
    // token68 (a lone value not followed by '=' param syntax) or a list of auth-params.
    const t68 = TOKEN68.exec(rest);
    if (t68 && !PARAM_START.test(rest) && /^[ \t]*(,|$)/.test(rest.slice(t68[0].length))) {
      challenge.token68 = t68[0];
      rest = rest.slice(t68[0].length);
      skipCommas();
      continue;
    }
    while (true) {
      const save = rest;
      const name = skip(TOKEN);
      skip(SPACE);
      if (!name || !rest.startsWith('=')) {
        rest = save; // the next challenge's scheme
        break;
      }
      rest = rest.slice(1);
      skip(SPACE);
      let value: string | null;
      if (rest.startsWith('"')) {
        value = readQuoted();
        if (value === null) return out;
      } else {
        value = skip(TOKEN) ?? '';
      }
      challenge.params[name.toLowerCase()] = value;
      skip(SPACE);
      if (!rest.startsWith(',')) break;
      skipCommas();
    }
    skipCommas();
  }
  return out;

  function readQuoted(): string | null {
    let value = '';
    for (let i = 1; i < rest.length; i++) {
      const c = rest[i]!;
      if (c === '\\' && i + 1 < rest.length) value += rest[++i];
      else if (c === '"') {
        rest = rest.slice(i + 1);
        return value;
      } else value += c;
    }
    return null; // unterminated
  }
}

/** The challenge repro answers: Bearer when offered (docker prefers it), else Basic, else the first. */
export function preferredChallenge(header: string): Challenge | null {
  const all = parseChallenges(header);
  return all.find((c) => c.scheme === 'bearer' && c.params.realm) ?? all.find((c) => c.scheme === 'basic') ?? all[0] ?? null;
}

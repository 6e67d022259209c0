// PEP 440 versions, as pip compares them, through @renovatebot/pep440: loaded when first asked
// (it costs ~10 ms at start-up, and most commands never compare a version).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let loaded: typeof import('@renovatebot/pep440') | undefined;

/** The library, loaded on first use. */
export function pep440(): typeof import('@renovatebot/pep440') {
  loaded ??= require('@renovatebot/pep440') as typeof import('@renovatebot/pep440');
  return loaded;
}

/** Whether two versions are the same under PEP 440 (1.0 == 1.0.0); text that is no version only equals itself. */
export function sameVersion(a: string, b: string): boolean {
  return a === b || (pep440().valid(a) !== null && pep440().valid(b) !== null && pep440().eq(a, b));
}

/** Whether `version` satisfies `spec` (`==2.5.1`, `>=3.9,<4`); null when either does not parse. */
export function versionSatisfies(version: string, spec: string): boolean | null {
  try {
    if (!pep440().valid(version) || !pep440().validRange(spec)) return null;
    return pep440().satisfies(version, spec);
  } catch {
    return null;
  }
}

// Comparable or not, decided before any output is compared: a rerun says something about the
// reference run only when it ran the same entry point with the same parameters. A parameter
// whose role is `seed` may differ (a rerun under another seed asks whether the result depends
// on it); any other difference makes the two runs not comparable, and the verdict says which
// parameter, never "reproduced" nor "NOT reproduced". Redacted values (credentials) compare as
// equal: neither record holds them.
import type { ParameterSpec } from '../project/types.js';
import { REDACTED } from '../secrets/values.js';

export interface Incomparability {
  what: 'entry point' | 'parameter';
  name: string;
  reference: string | null;
  rerun: string | null;
}

export interface Comparability {
  comparable: boolean;
  differences: Incomparability[];
  /** Seed parameters (role: seed) whose value differs: still comparable. */
  seeds: Incomparability[];
}

export function comparability(reference: { entry: string; parameters: Record<string, string> }, rerun: { entry: string; parameters: Record<string, string> }, declared: readonly ParameterSpec[]): Comparability {
  if (reference.entry !== rerun.entry) return { comparable: false, differences: [{ what: 'entry point', name: 'entry point', reference: reference.entry, rerun: rerun.entry }], seeds: [] };
  const seeds = new Set(declared.filter((p) => p.role === 'seed').map((p) => p.name));
  const names = [...new Set([...Object.keys(reference.parameters), ...Object.keys(rerun.parameters)])].sort();
  const differences: Incomparability[] = [];
  const seedChanges: Incomparability[] = [];
  for (const name of names) {
    const a = Object.prototype.hasOwnProperty.call(reference.parameters, name) ? reference.parameters[name]! : null;
    const b = Object.prototype.hasOwnProperty.call(rerun.parameters, name) ? rerun.parameters[name]! : null;
    if (a === b || (a === REDACTED && b === REDACTED)) continue;
    (seeds.has(name) ? seedChanges : differences).push({ what: 'parameter', name, reference: a, rerun: b });
  }
  return { comparable: differences.length === 0, differences, seeds: seedChanges };
}

/** One line: "parameter steps 2 vs 1" (the rerun's value first, as the user typed it). */
export function describeIncomparability(d: Incomparability): string {
  const show = (v: string | null) => (v === null ? '(not given)' : JSON.stringify(v).length === v.length + 2 && !/\s/.test(v) ? v : JSON.stringify(v));
  return d.what === 'entry point' ? `entry point ${show(d.rerun)} vs ${show(d.reference)}` : `parameter ${d.name} ${show(d.rerun)} vs ${show(d.reference)}`;
}

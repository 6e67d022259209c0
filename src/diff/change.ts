// One difference between two snapshots: the shared Difference shape with a section, both values,
// how much it matters and why, and whether the field was added, removed or changed.
import { canonicalJson } from '../core/canonical-json.js';
import type { Severity } from '../core/difference.js';

export type ChangeKind = 'added' | 'removed' | 'changed';

/** A snapshot difference: a Difference that always has a section, a/b, a severity and a reason. */
export interface Change {
  section: string;
  field: string;
  kind: ChangeKind;
  a: unknown;
  b: unknown;
  severity: Severity;
  reason: string;
}

export function change(section: string, field: string, a: unknown, b: unknown, severity: Severity, reason: string): Change {
  const kind: ChangeKind = a === null || a === undefined ? 'added' : b === null || b === undefined ? 'removed' : 'changed';
  return { section, field, kind, a: a ?? null, b: b ?? null, severity, reason };
}

/** Structural equality for the plain JSON values snapshots hold (key order does not matter). */
export function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

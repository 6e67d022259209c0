// One difference between two snapshots: where it is, both values, how much it matters and why.
import { canonicalJson } from '../core/canonical-json.js';

export type Severity = 'breaking' | 'warning' | 'info';
export type ChangeKind = 'added' | 'removed' | 'changed';

export interface Change {
  section: string;
  field: string;
  kind: ChangeKind;
  a: unknown;
  b: unknown;
  severity: Severity;
  reason: string;
}

export const SEVERITY_ORDER: Record<Severity, number> = { breaking: 0, warning: 1, info: 2 };

export function change(section: string, field: string, a: unknown, b: unknown, severity: Severity, reason: string): Change {
  const kind: ChangeKind = a === null || a === undefined ? 'added' : b === null || b === undefined ? 'removed' : 'changed';
  return { section, field, kind, a: a ?? null, b: b ?? null, severity, reason };
}

/** Structural equality for the plain JSON values snapshots hold (key order does not matter). */
export function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

// One shape for "what differs", wherever repro finds it: a bundle entry that does not match its
// manifest (verify), two builds that differ (compare, --verify, --locked), two image builds whose
// layers differ, two snapshots that differ (diff, exec's drift), an attestation's predicate that
// is not what the bundle says (attestation/check.ts). Each names where (a bundle entry
// or a snapshot section), the field, both values and, where it is judged, a severity and a reason.
// One function describes any of them in a line of text.

export type Severity = 'breaking' | 'warning' | 'info';

export const SEVERITY_ORDER: Record<Severity, number> = { breaking: 0, warning: 1, info: 2 };

/** Where: a bundle entry's path ("(manifest) field", "layer N: RUN …") or a snapshot section. */
type Where = { entry: string; section?: never } | { section: string; entry?: never };

/**
 * The two values: `expected`/`actual` when a thing is checked against a record of it (a
 * manifest, a pinned digest); `a`/`b` when two things are compared as equals (two builds, two
 * snapshots).
 */
type Sides = { expected: unknown; actual: unknown; a?: never; b?: never } | { a: unknown; b: unknown; expected?: never; actual?: never };

export type Difference<F extends string = string> = Where &
  Sides & {
    field: F;
    severity?: Severity;
    reason?: string;
  };

/** The two values of any difference, in order (expected then actual, or a then b). */
export function sidesOf(d: Difference): [unknown, unknown] {
  return 'expected' in d || 'actual' in d ? [d.expected, d.actual] : [d.a, d.b];
}

/** Where a difference is: its entry or its section. */
export function whereOf(d: Difference): string {
  return d.entry ?? d.section ?? '';
}

/** A value shortened for one line of text: "(none)" for nothing, strings cut at 80, JSON at 120. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  if (typeof v === 'string') return v.length > 80 ? `${v.slice(0, 77)}...` : v;
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** "<where>  <field>: <first> -> <second>", with "[severity]" before and "(reason)" after when judged. */
export function describeDifference(d: Difference): string {
  const [first, second] = sidesOf(d);
  const severity = d.severity ? `${d.severity} ` : '';
  const reason = d.reason ? ` (${d.reason})` : '';
  return `${severity}${whereOf(d)}  ${d.field}: ${showValue(first)} -> ${showValue(second)}${reason}`;
}

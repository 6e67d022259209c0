// How results and errors reach the user: with --json, exactly one envelope document on stdout;
// otherwise readable text. Logs, warnings and progress always go to stderr.
import { canonicalJson } from '../core/canonical-json.js';
import type { ReproError } from '../core/errors.js';

export const JSON_SCHEMA_VERSION = 1;

export interface Output {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export function renderJsonSuccess(command: string, result: unknown): string {
  return canonicalJson({ schemaVersion: JSON_SCHEMA_VERSION, command, ok: true, result });
}

export function renderJsonError(command: string, error: ReproError): string {
  return canonicalJson({ schemaVersion: JSON_SCHEMA_VERSION, command, ok: false, error: error.toJSON() });
}

export function renderHumanError(error: ReproError): string {
  const lines = [`repro: error ${error.code}: ${error.message}`];
  if (error.hint) lines.push(`hint: ${error.hint}`);
  const problems = (error.details.problems ?? error.details.differences) as Array<Record<string, unknown>> | undefined;
  if (Array.isArray(problems)) lines.push(...renderDifferences(problems, 20));
  return lines.join('\n') + '\n';
}

/** One line per difference: the entry, the field, and both values. */
export function renderDifferences(items: ReadonlyArray<Record<string, unknown>>, max = Infinity): string[] {
  const lines = items.slice(0, max).map((d) => {
    const [left, right] = 'expected' in d ? [d.expected, d.actual] : [d.a, d.b];
    return `  ${String(d.entry)}  ${String(d.field)}: ${show(left)} -> ${show(right)}`;
  });
  if (items.length > max) lines.push(`  … and ${items.length - max} more (use --json for all)`);
  return lines;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  if (typeof v === 'string') return v.length > 80 ? `${v.slice(0, 77)}...` : v;
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Aligned "key: value" lines. */
export function renderFields(fields: ReadonlyArray<[string, string | number]>): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

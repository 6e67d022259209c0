// The pieces every command's text output is made of: errors with their hint and evidence,
// aligned fields, byte sizes. Logs, warnings and progress always go to stderr.
import path from 'node:path';
import { describeDifference, type Difference } from '../../core/difference.js';
import type { ReproError } from '../../core/errors.js';

export function renderHumanError(error: ReproError): string {
  const lines = [`repro: error ${error.code}: ${error.message}`];
  if (error.hint) lines.push(`hint: ${error.hint}`);
  const differences = (error.details.problems ?? error.details.differences) as Difference[] | undefined;
  if (Array.isArray(differences)) lines.push(...renderDifferences(differences, 20));
  return lines.join('\n') + '\n';
}

/** One line per difference (verify problems, build differences, image layers, snapshot changes). */
export function renderDifferences(items: readonly Difference[], max = Infinity): string[] {
  const lines = items.slice(0, max).map((d) => `  ${describeDifference(d)}`);
  if (items.length > max) lines.push(`  … and ${items.length - max} more (use --json for all)`);
  return lines;
}

/** Aligned "key: value" lines. */
export function renderFields(fields: ReadonlyArray<[string, string | number]>): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

/** 1536 -> "1.5 KiB": binary units, one decimal below 100. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** A path as printed: relative to the working directory when under it, else absolute (never ../../..). */
export function shownPath(cwd: string, p: string): string {
  const rel = path.relative(cwd, p);
  return rel === '' ? p : rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
}

/**
 * A message folded at spaces to `width` columns, continuation lines indented by `indent`
 * (a terminal's log lines; a word longer than the width stays whole). Lines already short, and
 * their own line breaks, are kept.
 */
export function foldText(text: string, width: number, indent = '  '): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.length <= width) return line;
      const lead = /^\s*/.exec(line)![0];
      const out: string[] = [];
      let current = '';
      for (const word of line.slice(lead.length).split(' ')) {
        const prefix = out.length === 0 ? lead : `${lead}${indent}`;
        if (current !== '' && prefix.length + current.length + 1 + word.length > width) {
          out.push(prefix + current);
          current = word;
        } else current = current === '' ? word : `${current} ${word}`;
      }
      out.push((out.length === 0 ? lead : `${lead}${indent}`) + current);
      return out.join('\n');
    })
    .join('\n');
}

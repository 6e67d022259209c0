// The text `repro exec --verify` prints: per output, the variations that change it and those it
// is identical under; the variations that do not apply here, with why; the one-line verdict.
import path from 'node:path';
import type { VerifyReport } from '../../exec/verify-run.js';
import { shownPath } from './text.js';
import { inert } from '../../core/inert.js';
import { findingLines } from './lint.js';

const LISTED = 20;

/** "hashseed", "threads and affinity", "a, b and c". */
function names(ids: readonly string[]): string {
  return ids.length <= 1 ? (ids[0] ?? '') : `${ids.slice(0, -1).join(', ')} and ${ids[ids.length - 1]}`;
}

export function renderVerifyRun(report: VerifyReport & { dir: string }, cwd: string): string {
  const applied = report.variations.filter((v) => v.notApplicable === null);
  let text = `verify ${report.verifyId}: ${report.runs.length} run${report.runs.length === 1 ? '' : 's'} of ${report.entry} (${report.backend}${report.backend === 'local' ? `, ${report.sandbox === 'none' ? 'unconfined' : report.sandbox}` : ''}), ${applied.length} variation${applied.length === 1 ? '' : 's'} applied\n`;
  text += `  record  ${shownPath(cwd, path.join(report.dir, 'verify.json'))}\n`;
  if (report.exitCode !== 0) return `${text}the plain run exited ${report.exitCode}: nothing was varied (its run.json has the log)\n`;
  for (const v of applied) text += `  vary    ${v.id.padEnd(8)}  ${v.plain}  ->  ${v.varied}\n`;
  for (const o of report.outputs.slice(0, LISTED)) {
    let line = `  ${inert(o.path)}  `;
    if (o.verdict === 'identical') line += applied.length ? `identical under ${names(applied.map((v) => v.id))}` : 'nothing varied';
    else if (o.verdict === 'unstable') line += 'differs between two plain runs with nothing varied (time, randomness without a seed, or an outside input): no variation is to blame';
    else if (o.onlyCombined) line += `differs only when the variations are combined (no one of ${names(applied.map((v) => v.id))} changes it alone)`;
    else line += `differs when ${names(o.changedBy)} ${o.changedBy.length === 1 ? 'varies' : 'vary'}${o.unchangedBy.length ? `; identical under ${names(o.unchangedBy)}` : ''}`;
    if (o.maxDifference) line += ` (max |Δ| ${o.maxDifference.value} at ${o.maxDifference.at}${o.maxDifference.relative !== undefined ? `, relative ${o.maxDifference.relative.toPrecision(3)}` : ''})`;
    if (o.note) line += ` (${o.note})`;
    text += `${line}\n`;
  }
  if (report.outputs.length > LISTED) text += `  and ${report.outputs.length - LISTED} more outputs (verify.json lists them)\n`;
  for (const v of report.variations) if (v.notApplicable) text += `  not varied: ${v.id}: ${v.notApplicable}\n`;
  if ('error' in report.lint) text += `lint: not run: ${inert(report.lint.error)}\n`;
  else if (report.lint.findings.length) {
    const confirmed = report.lint.findings.filter((f) => f.status === 'confirmed').length;
    text += `lint: ${report.lint.findings.length} finding${report.lint.findings.length === 1 ? '' : 's'} in the project's Python, ${confirmed} confirmed by these runs:\n${findingLines(report.lint.findings, '  ')}`;
  }
  const bad = report.outputs.filter((o) => o.verdict !== 'identical');
  if (report.reference) text += `the plain run against the bundle's reference run: ${report.reference.status}\n`;
  text += report.deterministic
    ? `deterministic: every output identical under ${applied.length} variation${applied.length === 1 ? '' : 's'}\n`
    : `NOT deterministic: ${bad.length} of ${report.outputs.length} output${report.outputs.length === 1 ? '' : 's'} differ${bad.length === 1 ? 's' : ''}\n`;
  return text;
}

// The text `repro exec` prints after a run: where its record is, each output's hash, and whether
// the rerun is comparable with the bundle's reference run and reproduced it, with what differs.
import path from 'node:path';
import type { ExecResult } from '../../exec/exec.js';
import type { OutputComparison } from '../../run-record/record.js';
import { describeIncomparability } from '../../run-record/comparable.js';
import { formatBytes, shownPath } from './text.js';
import { inert } from '../../core/inert.js';
import { SET_ASIDE } from '../../exec/normalize.js';

/** Outputs listed one by one up to this many; the rest are counted. */
const LISTED = 20;

function short(sha: string): string {
  return `${sha.startsWith('tree:') ? '' : 'sha256:'}${sha.slice(0, 16)}…`;
}

/** What differs in one output, in a line or three. */
function whatDiffers(o: OutputComparison): string {
  let text = `  ${o.path}  ${o.verdict}`;
  if (o.verdict === 'equivalent' && o.normalized) text += ` (identical once ${SET_ASIDE[o.normalized]} are set aside)`;
  if (o.maxDifference) text += ` (max |Δ| ${o.maxDifference.value} at ${o.maxDifference.at}${o.maxDifference.relative !== undefined ? `, relative ${o.maxDifference.relative.toPrecision(3)}` : ''})`;
    if (o.note) text += ` (${o.note})`;
  const d = o.detail;
  if (d && o.verdict === 'different') {
    if (d.expectedSize !== null && d.actualSize !== null) text += d.expectedSize === d.actualSize ? ` (${formatBytes(d.actualSize)} both)` : ` (${formatBytes(d.expectedSize)} -> ${formatBytes(d.actualSize)})`;
    if (d.line) text += `\n      line ${d.line.number}: - ${inert(d.line.expected)}\n      line ${d.line.number}: + ${inert(d.line.actual)}`;
  }
  if (o.files?.length) {
    const shown = o.files.slice(0, 5).map((f) => `${f.path} ${f.change}`);
    text += ` (${shown.join(', ')}${o.files.length > 5 ? `, and ${o.files.length - 5} more` : ''})`;
  }
  return `${text}\n`;
}

export function renderExec(result: ExecResult, cwd: string): string {
  const verdict = result.reproduced;
  let text = `run ${result.runId}: ${result.backend}, exit ${result.exitCode}, ${(result.durationMs / 1000).toFixed(2)} s\n  record  ${shownPath(cwd, path.join(result.runDir, 'run.json'))}\n`;
  if (result.outputsFrom === 'detected') text += `  outputs detected: ${result.outputs.length} file${result.outputs.length === 1 ? '' : 's'} the run created or changed (none declared)\n`;
  for (const o of result.outputs.slice(0, LISTED)) {
    const what = o.refused ? `refused: a ${o.refused.kind} at ${o.refused.path} (never opened)` : o.sha256 ? `${short(o.sha256)} (${o.size} B${o.files ? `, ${o.files.length} files` : ''})` : 'missing';
    text += `  output  ${o.path}  ${what}\n`;
  }
  if (result.outputs.length > LISTED) text += `  and ${result.outputs.length - LISTED} more outputs (run.json lists them)\n`;
  if (!verdict) return text;
  const status = verdict.status ?? (verdict.reproduced ? 'reproduced' : 'not-reproduced');
  if (status === 'not-comparable') {
    text += 'not comparable with the reference run:\n';
    for (const why of verdict.notComparable ?? []) text += `  ${why}\n`;
    return text;
  }
  const seeds = verdict.comparability?.seeds ?? [];
  const under = seeds.length ? ` (under another seed: ${seeds.map(describeIncomparability).join(', ')})` : '';
  if (status === 'reproduced') {
    text += `reproduced: every output matches the reference run${under}\n`;
    for (const o of verdict.outputs) if (o.verdict !== 'identical') text += whatDiffers(o);
    return text;
  }
  const bad = verdict.outputs.filter((o) => o.verdict !== 'identical' && o.verdict !== 'equivalent' && o.verdict !== 'within-tolerance');
  text += `NOT reproduced: ${bad.length} of ${verdict.outputs.length} output${verdict.outputs.length === 1 ? '' : 's'}${under}\n`;
  for (const o of bad.slice(0, LISTED)) text += whatDiffers(o);
  if (bad.length > LISTED) text += `  and ${bad.length - LISTED} more (run.json lists them)\n`;
  return text;
}

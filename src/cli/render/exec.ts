// The text `repro exec` prints after a run: where its record is, each output's hash, and whether
// the outputs reproduced the bundle's reference run.
import path from 'node:path';
import type { ExecResult } from '../../exec/exec.js';

export function renderExec(result: ExecResult, cwd: string): string {
  const verdict = result.reproduced;
  let text = `run ${result.runId}: ${result.backend}, exit ${result.exitCode}, ${(result.durationMs / 1000).toFixed(2)} s\n  record  ${path.relative(cwd, path.join(result.runDir, 'run.json'))}\n`;
  for (const o of result.outputs) {
    const what = o.refused ? `refused: a ${o.refused.kind} at ${o.refused.path} (never opened)` : o.sha256 ? `${o.sha256.startsWith('tree:') ? '' : 'sha256:'}${o.sha256.slice(0, 16)}… (${o.size} B${o.files ? `, ${o.files.length} files` : ''})` : 'missing';
    text += `  output  ${o.path}  ${what}\n`;
  }
  if (verdict) {
    text += verdict.reproduced ? 'reproduced: every output matches the reference run\n' : 'NOT reproduced:\n';
    for (const o of verdict.outputs) if (!verdict.reproduced || o.verdict !== 'identical') text += `  ${o.path}  ${o.verdict}${o.maxDifference ? ` (max |Δ| ${o.maxDifference.value} at ${o.maxDifference.at})` : ''}\n`;
  }
  return text;
}

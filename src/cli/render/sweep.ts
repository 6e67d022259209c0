// The text `repro exec --sweep` prints: one row per point, then how many distinct digests each
// output took (1: the result does not depend on what was swept).
import type { SweepSummary } from '../../exec/sweep.js';
import { shownPath } from './text.js';

export function renderSweep(s: SweepSummary & { dir: string }, cwd: string): string {
  const names = s.axes.map((a) => a.name);
  const outputs = Object.keys(s.distinctOutputs);
  // On Slurm, where each point ran and how its task ended.
  const slurm = s.points.some((p) => p.slurm);
  const header = ['#', ...names, ...(slurm ? ['node', 'slurm'] : []), 'exit', 'reproduced', ...outputs];
  const rows = s.points.map((p) => [
    String(p.index),
    ...names.map((n) => p.parameters[n] ?? ''),
    ...(slurm ? [p.node ?? '-', p.slurm?.state ?? '-'] : []),
    p.error ? p.error.code : String(p.exitCode),
    p.reproduced === null ? '-' : p.reproduced ? 'yes' : 'NO',
    ...outputs.map((o) => (p.outputs[o] ?? 'missing').replace(/^sha256:/, '').slice(0, 12)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const rel = shownPath(cwd, s.dir);
  let text = `sweep ${s.sweepId}: ${s.points.length} points, ${s.succeeded} succeeded, ${s.failed} failed (${rel}/summary.json)\n`;
  text += `${line(header)}\n${rows.map(line).join('\n')}\n`;
  for (const o of outputs) {
    const n = s.distinctOutputs[o]!;
    text += `${o}: ${n} distinct digest${n === 1 ? '' : 's'} over ${s.points.length} points${n === 1 ? ' (the same for every point)' : ''}\n`;
  }
  for (const p of s.points.filter((x) => x.error)) text += `point ${p.index}: ${p.error!.message}\n`;
  return text;
}

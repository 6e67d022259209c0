// The text `repro exec --sweep` prints: one row per point, then how many distinct digests each
// output took (1: the result does not depend on what was swept).
import type { SweepSummary } from '../../exec/sweep.js';
import { shownPath } from './text.js';
import { inert } from '../../core/inert.js';

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? v.toPrecision(4) : v.toExponential(3));

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
  const metrics = Object.entries(s.spread.metrics);
  if (metrics.length) {
    const shown = metrics.slice(0, 20).map(([name, m]) => [inert(name), fmt(m.mean), fmt(m.std), fmt(m.min), fmt(m.max), m.cv === null ? '-' : `${(m.cv * 100).toPrecision(2)}%`, String(m.distinct)]);
    const head = ['metric', 'mean', 'std', 'min', 'max', 'CV', 'distinct'];
    const w = head.map((h, i) => Math.max(h.length, ...shown.map((r) => r[i]!.length)));
    const row = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()}`;
    text += `${row(head)}\n${shown.map(row).join('\n')}\n`;
    if (metrics.length > 20) text += `  and ${metrics.length - 20} more metrics (summary.json)\n`;
    if (Object.keys(s.plots).length) text += `  plots: ${rel}/plots/ (${Object.keys(s.plots).length} SVG)\n`;
  }
  text += `${s.spread.verdict}\n`;
  for (const p of s.points.filter((x) => x.error)) text += `point ${p.index}: ${p.error!.message}\n`;
  return text;
}

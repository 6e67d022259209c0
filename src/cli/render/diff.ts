// The table `repro diff` prints: one row per difference (severity, section, field, both values,
// reason), info rows hidden when something matters more, and the counts per severity.
import type { SnapshotDiff } from '../../diff/diff-snapshots.js';

const SHOW = (v: unknown): string => {
  if (v === null || v === undefined) return '—';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

export function renderDiff(d: SnapshotDiff, a: string, b: string, all: boolean): string {
  const lines = [`A: ${a}  ${d.a.snapshotDigest.slice(0, 19)}…  ${d.a.hostname} ${d.a.capturedAt}`, `B: ${b}  ${d.b.snapshotDigest.slice(0, 19)}…  ${d.b.hostname} ${d.b.capturedAt}`];
  if (d.identical) return `${lines.join('\n')}\nidentical: the snapshot identities are equal${d.changes.length ? ` (${d.changes.length} info)` : ''}\n`;
  const rows = d.changes.filter((c) => all || c.severity !== 'info' || d.summary.breaking + d.summary.warning === 0);
  const table = [['SEVERITY', 'SECTION', 'FIELD', 'A', 'B', 'REASON'], ...rows.map((c) => [c.severity, c.section, c.field, SHOW(c.a), SHOW(c.b), c.reason])];
  const widths = table[0]!.map((_, i) => Math.min(48, Math.max(...table.map((r) => r[i]!.length))));
  const fmt = (r: string[]) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  lines.push('', ...table.map(fmt), '');
  const hidden = d.changes.length - rows.length;
  lines.push(`${d.summary.breaking} breaking, ${d.summary.warning} warning, ${d.summary.info} info${hidden ? ` (${hidden} info hidden; --all shows them)` : ''}`);
  return lines.join('\n') + '\n';
}

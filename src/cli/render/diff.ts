// What `repro diff` prints. By default a summary that fits on a screen: the interpreter, the ML
// frameworks with their CUDA and cuDNN, the GPU and driver, the OS, the package changes grouped
// (missing, added, major, minor) with a few names each, counts per severity and per section,
// then the other breaking and warning rows. --all prints every difference as a table.
import type { SnapshotDiff } from '../../diff/diff-snapshots.js';
import type { Change } from '../../diff/change.js';
import { overview, type PackageGroup } from '../../diff/summary.js';

const SHOW = (v: unknown): string => {
  if (v === null || v === undefined) return '—';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

function table(rows: readonly Change[]): string[] {
  const t = [['SEVERITY', 'SECTION', 'FIELD', 'A', 'B', 'REASON'], ...rows.map((c) => [c.severity, c.section, c.field, SHOW(c.a), SHOW(c.b), c.reason])];
  const widths = t[0]!.map((_, i) => Math.min(48, Math.max(...t.map((r) => r[i]!.length))));
  return t.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** "torch 1.13.0a0 -> (missing)  [breaking]": one change on one line. */
function line(c: Change): string {
  const what = c.section === 'python' && c.field.startsWith('packages.') ? c.field.slice(9) : c.field.startsWith('frameworks.') ? c.field.slice(11) : `${c.section === 'python' || c.section === 'node' ? `${c.section} ` : ''}${c.field}`;
  const show = (v: unknown) => (v === null || v === undefined ? '(missing)' : SHOW(v));
  return `${what} ${show(c.a)} -> ${show(c.b)}  [${c.severity}: ${c.reason}]`;
}

const NAMES = 6;
function names(list: readonly string[]): string {
  return list.length <= NAMES ? list.join(', ') : `${list.slice(0, NAMES).join(', ')}, … (+${list.length - NAMES})`;
}

export function renderDiff(d: SnapshotDiff, a: string, b: string, all: boolean): string {
  const lines = [`A: ${a}  ${d.a.snapshotDigest.slice(0, 19)}…  ${d.a.hostname} ${d.a.capturedAt}`, `B: ${b}  ${d.b.snapshotDigest.slice(0, 19)}…  ${d.b.hostname} ${d.b.capturedAt}`];
  if (d.identical) return `${lines.join('\n')}\nidentical: the snapshot identities are equal${d.changes.length ? ` (${d.changes.length} info)` : ''}\n`;
  const counts = `${d.summary.breaking} breaking, ${d.summary.warning} warning, ${d.summary.info} info`;
  if (all) return `${[...lines, '', ...table(d.changes), '', counts].join('\n')}\n`;
  const o = overview(d.changes);
  const field = (label: string, items: string[]) => {
    if (items.length === 0) return;
    lines.push(`${label.padEnd(12)}${items[0]}`);
    for (const more of items.slice(1)) lines.push(`${''.padEnd(12)}${more}`);
  };
  lines.push('');
  field('interpreter', o.interpreter.map(line));
  field('frameworks', o.frameworks.map(line));
  field('gpu', o.gpu.map(line));
  field('os', o.os.map(line));
  const groups: Array<[PackageGroup, string]> = [['missing', 'missing'], ['added', 'added'], ['major', 'major'], ['minor', 'minor or patch'], ['other', 'other changes']];
  const pk = groups.filter(([g]) => o.packages[g].length > 0);
  field('packages', pk.map(([g, label]) => `${String(o.packages[g].length).padStart(3)} ${label.padEnd(14)} ${names(o.packages[g])}`));
  lines.push('');
  const bySection = Object.entries(o.sections).map(([s, c]) => `${s} ${[c.breaking && `${c.breaking}B`, c.warning && `${c.warning}W`, c.info && `${c.info}I`].filter(Boolean).join('/')}`);
  lines.push(`${counts}  (${bySection.join(', ')})`);
  const rest = o.rest.slice(0, 10);
  if (rest.length) lines.push('', ...table(rest));
  const shown = rest.length < o.rest.length ? ` (${o.rest.length - rest.length} more breaking or warning rows)` : '';
  lines.push('', `${d.changes.length} differences in all${shown}: --all lists every one, --json has them all`);
  return lines.join('\n') + '\n';
}

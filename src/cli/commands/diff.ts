// `repro diff A [B]`: what differs between two snapshots (or bundles carrying one); without B,
// between A and this machine now.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { diffSnapshots, type SnapshotDiff } from '../../diff/diff-snapshots.js';
import { readSnapshotOrBundle } from '../../snapshot/io.js';
import { captureSnapshot } from '../../snapshot/snapshot.js';
import { parseMs } from './snapshot.js';
import type { CliIo, CommandOutcome } from '../io.js';

export interface DiffFlags {
  dir?: string;
  python?: string;
  import?: boolean;
  probeTimeout: string;
  importTimeout: string;
  all?: boolean;
}

export async function diffCommand(a: string, b: string | undefined, flags: DiffFlags, io: CliIo): Promise<CommandOutcome<SnapshotDiff>> {
  const left = (await readSnapshotOrBundle(path.resolve(io.ctx.cwd, a))).snapshot;
  let right;
  if (b !== undefined) {
    right = (await readSnapshotOrBundle(path.resolve(io.ctx.cwd, b))).snapshot;
  } else {
    const dir = path.resolve(io.ctx.cwd, flags.dir ?? '.');
    const data = left.identity.data.map((d) => path.resolve(dir, d.path));
    // Describe the same interpreter the snapshot described, when this machine has it.
    const recorded = left.context.python?.executable;
    const python = flags.python ?? (recorded && existsSync(recorded) ? recorded : undefined);
    io.ctx.log.info(`diff: capturing this machine now (project ${dir})`);
    right = (
      await captureSnapshot(
        {
          dir,
          data,
          python,
          imports: flags.import !== false,
          env: Object.keys(left.identity.env),
          probeTimeoutMs: parseMs('--probe-timeout', flags.probeTimeout),
          importTimeoutMs: parseMs('--import-timeout', flags.importTimeout),
        },
        io.ctx,
      )
    ).snapshot;
  }
  const result = diffSnapshots(left, right);
  // Like diff(1): a comparison that finds differences exits 1; it is a result, not an error.
  return { result, text: renderDiff(result, a, b ?? 'this machine', Boolean(flags.all)), exitCode: result.identical ? 0 : 1 };
}

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

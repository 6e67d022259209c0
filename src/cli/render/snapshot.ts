// The text `repro snapshot` prints: one line per probe, lockfile warnings and probe notes.
import type { Snapshot } from '../../snapshot/snapshot.js';
import { formatBytes, renderFields } from './text.js';

export function renderSnapshot(s: Snapshot, file: string, diffFile: string | null): string {
  const id = s.identity;
  const c = s.context;
  const reason = (probe: keyof typeof c.probes) => c.probes[probe].notes[0] ?? 'not found';
  const os = `${id.os.distro?.prettyName ?? id.os.platform}, ${id.os.platform} ${id.os.arch}, ${id.os.libc.family} ${id.os.libc.version ?? ''}`.trim();
  const py = id.python
    ? `${id.python.version} (${id.python.implementation}), ${Object.keys(id.python.packages).length} packages  [${c.python?.executable ?? ''}]`
    : `none: ${reason('python')}`;
  const fws = Object.entries(id.python?.frameworks ?? {}).map(([k, v]) => `${k} ${v.version ?? '?'}${v.cuda ? ` (CUDA ${String(v.cuda)}${v.cudnn ? `, cuDNN ${String(v.cudnn)}` : ''})` : ''}`);
  const gpu = id.gpu
    ? `${id.gpu.count} × ${id.gpu.devices[0]?.name ?? '?'}${id.gpu.devices[0]?.architecture ? ` (${id.gpu.devices[0].architecture}, ${id.gpu.devices[0].computeCapability})` : ''}, driver ${id.gpu.driver ?? '?'}, CUDA ≤ ${id.gpu.cudaDriver ?? '?'}; toolkit ${id.gpu.toolkit.nvcc ?? 'none'}; cuDNN ${id.gpu.cudnn ?? 'none'}`
    : `none: ${reason('gpu')}`;
  const locks = id.lockfiles.map((l) => `${l.path} (${l.format}, ${l.error ? `unreadable: ${l.error}` : `${l.packageCount} packages`})`).join(', ') || 'none found';
  const git = id.git ? `${id.git.commit?.slice(0, 12) ?? '(no commit)'} on ${id.git.branch ?? '(detached)'}${id.git.dirty ? `, dirty (${id.git.changed.length} changed, ${id.git.untracked.length} untracked)` : ', clean'}` : `none: ${reason('git')}`;
  const env = Object.entries(id.env).map(([k, v]) => `${k}=${typeof v === 'string' ? v : '<redacted>'}`).join(', ') || '(none of the determinism variables set)';
  const data = id.data.map((d) => (d.type === 'file' ? `${d.path} (${formatBytes(d.size)}) sha256:${d.sha256.slice(0, 16)}…` : `${d.path}/ (${d.files} files, ${formatBytes(d.size)}) ${d.treeDigest.slice(0, 23)}…`)).join('; ') || '(no --data)';
  const fields: Array<[string, string]> = [
    ['  digest', s.snapshotDigest],
    ['  os', os],
    ['  cpu', `${id.os.cpu.model} × ${id.os.cpu.logicalCores}${id.os.cpu.flags.length ? ` [${id.os.cpu.flags.join(' ')}]` : ''}`],
    ['  node', id.node ? id.node.version : `none: ${reason('node')}`],
    ['  python', py],
  ];
  if (fws.length) fields.push(['  frameworks', fws.join('; ')]);
  fields.push(['  gpu', gpu], ['  lockfiles', locks], ['  git', git], ['  env', env], ['  data', data], ['  took', `${(c.durationMs / 1000).toFixed(2)} s`]);
  let text = `snapshot written to ${file}\n${renderFields(fields)}`;
  if (diffFile) text += `uncommitted diff saved to ${diffFile}\n`;
  // Declared against installed first: the lock says one thing, the interpreter has another.
  const PINS = new Set(['PIN_UNSATISFIED', 'NOT_INSTALLED', 'MACHINE_UNMET']);
  const pins = Object.entries(c.lockfileWarnings).flatMap(([p, ws]) => ws.filter((w) => PINS.has(w.code)).map((w) => `  ${p}  ${w.code} ${w.message}`));
  if (pins.length) text += `declared vs installed (${pins.length}):\n${pins.slice(0, 20).join('\n')}${pins.length > 20 ? `\n  … and ${pins.length - 20} more (see context.lockfileWarnings)` : ''}\n`;
  const warnings = Object.entries(c.lockfileWarnings).flatMap(([p, ws]) => ws.filter((w) => !PINS.has(w.code)).map((w) => `  ${p}: ${w.code} ${w.message}`));
  if (warnings.length) text += `lockfile warnings (${warnings.length}):\n${warnings.slice(0, 20).join('\n')}${warnings.length > 20 ? `\n  … and ${warnings.length - 20} more (see context.lockfileWarnings)` : ''}\n`;
  const partial = Object.entries(c.probes).filter(([, p]) => p.status === 'partial').map(([n, p]) => `  ${n}: ${p.notes.join('; ')}`);
  if (partial.length) text += `probe notes:\n${partial.join('\n')}\n`;
  return text;
}

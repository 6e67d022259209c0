// diffSnapshots: every difference between two snapshots' identities, each with a severity and a
// one-line reason, plus the few context fields worth knowing (info only).
import type { Snapshot } from '../snapshot/snapshot.js';
import { SEVERITY_ORDER, type Severity } from '../core/difference.js';
import { change, same, type Change } from './change.js';
import { diffData, diffEnv, diffGit, diffGpu, diffLockfiles, diffNode, diffOs, diffPython } from './sections.js';
import { diffLockNeeds } from './lock-needs.js';
import { overview, type DiffOverview } from './summary.js';

export interface SnapshotDiff {
  identical: boolean;
  a: { snapshotDigest: string; capturedAt: string; hostname: string };
  b: { snapshotDigest: string; capturedAt: string; hostname: string };
  summary: Record<Severity, number>;
  /** What matters first, and the package changes grouped (summary.ts). */
  overview: DiffOverview;
  changes: Change[];
}

export function diffSnapshots(a: Snapshot, b: Snapshot): SnapshotDiff {
  const x = a.identity;
  const y = b.identity;
  const changes = [
    ...diffOs(x.os, y.os),
    ...diffNode(x.node, y.node),
    ...diffPython(x.python, y.python),
    ...diffGpu(x.gpu, y.gpu, x.python),
    ...diffLockfiles(x.lockfiles, y.lockfiles),
    ...diffLockNeeds(x, y),
    ...diffGit(x.git, y.git),
    ...diffEnv(x.env, y.env),
    ...diffData(x.data, y.data),
  ];
  // Anything the section rules do not itemize still shows up, so "different" is never silent.
  for (const section of Object.keys(x) as (keyof typeof x)[]) {
    if (!same(x[section], y[section]) && !changes.some((c) => c.section === section)) {
      changes.push(change(section, '(other fields)', null, null, 'info', 'fields without a specific rule differ'));
    }
  }
  if (a.context.hostname !== b.context.hostname) changes.push(change('context', 'hostname', a.context.hostname, b.context.hostname, 'info', 'another machine'));
  changes.sort((p, q) => SEVERITY_ORDER[p.severity] - SEVERITY_ORDER[q.severity]);
  const summary: Record<Severity, number> = { breaking: 0, warning: 0, info: 0 };
  for (const c of changes) summary[c.severity]++;
  const side = (s: Snapshot) => ({ snapshotDigest: s.snapshotDigest, capturedAt: s.context.capturedAt, hostname: s.context.hostname });
  return { identical: a.snapshotDigest === b.snapshotDigest, a: side(a), b: side(b), summary, overview: overview(changes), changes };
}

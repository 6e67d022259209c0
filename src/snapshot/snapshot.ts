// captureSnapshot: runs every probe (in parallel, each with its own time limit) and assembles
// one canonical record with two parts: `identity`, everything that decides whether a run can
// be reproduced, whose sha256 is the snapshotDigest; and `context`, what varies without
// mattering (host name, capture time, durations, GPU UUIDs, free memory, probe notes).
import { REPRO_DIR } from '../core/repro-dir.js';
import path from 'node:path';
import type { Context } from '../core/context.js';
import { HashCache } from '../core/hash-cache.js';
import { reproVersion } from '../core/runtime.js';
import { findLockfiles } from '../lockfile/find.js';
import type { LockfileRecord, LockWarning } from '../lockfile/types.js';
import { hashData, type DataItem } from './probe-data.js';
import { captureEnv, type EnvValue } from './probe-env.js';
import { probeGit, type GitIdentity } from './probe-git.js';
import { probeGpu, type GpuContext, type GpuIdentity } from './probe-gpu.js';
import { probeNode, type NodeIdentity } from './probe-node.js';
import { probeOs, type OsContext, type OsIdentity } from './probe-os.js';
import { probePython, type PythonContext, type PythonIdentity } from './probe-python.js';
import { scrubSecrets } from '../secrets/values.js';
import { installedNodePackages, nodePinWarnings, NODE_LOCK_FORMATS, pinWarnings } from './pins.js';
import { lockNeeds, type Machine } from './lock-needs.js';
import { SNAPSHOT_FILE } from '../bundle/layout.js';
import { LOCK_FILE } from '../bundle/lock.js';
import { identityDigest, SNAPSHOT_KIND, SNAPSHOT_SCHEMA_VERSION } from './identity.js';

export interface SnapshotIdentity {
  os: OsIdentity;
  node: NodeIdentity | null;
  python: PythonIdentity | null;
  gpu: GpuIdentity | null;
  lockfiles: (LockfileRecord & { error?: string })[];
  git: GitIdentity | null;
  env: Record<string, EnvValue>;
  data: DataItem[];
}

export type ProbeName = 'os' | 'node' | 'python' | 'gpu' | 'lockfiles' | 'git' | 'env' | 'data';

export interface ProbeReport {
  status: 'ok' | 'absent' | 'partial';
  notes: string[];
  durationMs: number;
}

export interface SnapshotContext extends OsContext {
  capturedAt: string;
  repro: string;
  python: PythonContext | null;
  gpu: GpuContext | null;
  probes: Record<ProbeName, ProbeReport>;
  lockfileWarnings: Record<string, LockWarning[]>;
  durationMs: number;
}

export interface Snapshot {
  schemaVersion: number;
  kind: typeof SNAPSHOT_KIND;
  snapshotDigest: string;
  identity: SnapshotIdentity;
  context: SnapshotContext;
}

export interface SnapshotOptions {
  dir?: string;
  output?: string;
  data?: string[];
  python?: string;
  imports: boolean;
  env?: string[];
  /** Where the determinism variables are read (exec: the entry point's environment, not exec's own); ctx.env when absent. */
  envFrom?: Readonly<Record<string, string | undefined>>;
  probeTimeoutMs: number;
  importTimeoutMs: number;
  /** Where exec's drift check may reuse an earlier Python package listing (see probe-python). */
  pythonCacheDir?: string;
  /** Where tools' own versions (node, nvcc) are remembered, keyed by the binary's identity. */
  toolCacheDir?: string;
  /** Probe the directory's git state (default true). exec checks a machine, not a work tree. */
  git?: boolean;
  /** May the project's .venv be the interpreter (default true)? Never for a bundle's tree (exec). */
  projectVenv?: boolean;
}

export async function captureSnapshot(options: SnapshotOptions, ctx: Context): Promise<{ snapshot: Snapshot; patch: string | null; cache: HashCache }> {
  const started = ctx.now().getTime();
  const dir = path.resolve(ctx.cwd, options.dir ?? '.');
  const output = path.resolve(ctx.cwd, options.output ?? path.join(dir, SNAPSHOT_FILE));
  const tool = { timeoutMs: options.probeTimeoutMs, env: ctx.env };
  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const t = ctx.now().getTime();
    const v = await fn();
    return [v, ctx.now().getTime() - t];
  };
  const cache = await new HashCache(dir).load();
  const ownFiles = [...new Set([path.relative(dir, output), SNAPSHOT_FILE, REPRO_DIR, LOCK_FILE])].filter((p) => p !== '' && !p.startsWith('..'));
  const [[os, osMs], [node, nodeMs], [python, pyMs], [gpu, gpuMs], [locks, lockMs], [git, gitMs], [data, dataMs]] = await Promise.all([
    timed(() => probeOs()),
    timed(() => probeNode({ ...tool, cacheDir: options.toolCacheDir })),
    timed(() => probePython({ projectDir: dir, python: options.python, projectVenv: options.projectVenv, imports: options.imports, timeoutMs: options.probeTimeoutMs, importTimeoutMs: options.importTimeoutMs, env: ctx.env, cacheDir: options.pythonCacheDir })),
    timed(() => probeGpu({ ...tool, cacheDir: options.toolCacheDir })),
    timed(() => findLockfiles(dir)),
    timed(() => (options.git === false ? Promise.resolve({ identity: null, notes: ['not asked'], patch: null }) : probeGit(dir, { ...tool, exclude: ownFiles }))),
    timed(() => (options.data?.length ? hashData(options.data, ctx.cwd, { projectDir: dir, cache, progress: ctx.progress }) : Promise.resolve([] as DataItem[]))),
  ]);
  const env = captureEnv(options.envFrom ?? ctx.env, options.env ?? []);
  const report = (present: boolean, notes: string[], durationMs: number): ProbeReport => ({ status: !present ? 'absent' : notes.length > 0 ? 'partial' : 'ok', notes, durationMs });
  const identity: SnapshotIdentity = {
    os: os.identity,
    node: node.identity,
    python: python.identity,
    gpu: gpu.identity,
    lockfiles: locks.records,
    git: git.identity,
    env,
    data,
  };
  const context: SnapshotContext = {
    ...os.context,
    capturedAt: ctx.now().toISOString(),
    repro: reproVersion(),
    python: python.context,
    gpu: gpu.context,
    probes: {
      os: report(true, [], osMs),
      node: report(node.identity !== null, node.notes, nodeMs),
      python: report(python.identity !== null, python.notes, pyMs),
      gpu: report(gpu.identity !== null, gpu.notes, gpuMs),
      lockfiles: report(true, locks.records.filter((r) => r.error).map((r) => `${r.path}: ${r.error}`), lockMs),
      git: report(git.identity !== null, git.notes, gitMs),
      env: report(true, [], 0),
      data: report(true, [], dataMs),
    },
    lockfileWarnings: await withPinWarnings(locks.warnings, locks.records, python.identity, { os: os.identity, gpu: gpu.identity }, dir),
    durationMs: 0,
  };
  const clean = scrubSecrets({ identity, context }, ctx.env);
  clean.context.durationMs = ctx.now().getTime() - started;
  const snapshot: Snapshot = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    kind: SNAPSHOT_KIND,
    snapshotDigest: identityDigest(clean.identity),
    identity: clean.identity,
    context: clean.context,
  };
  return { snapshot, patch: git.patch, cache };
}

/** The lock readers' warnings plus, per lockfile, the pins the recorded environment does not satisfy and the machine needs this machine does not meet. */
async function withPinWarnings(warnings: Record<string, LockWarning[]>, records: readonly LockfileRecord[], python: PythonIdentity | null, machine: Machine, dir: string): Promise<Record<string, LockWarning[]>> {
  const out = { ...warnings };
  for (const r of records) {
    const node = NODE_LOCK_FORMATS.has(r.format) ? await installedNodePackages(path.join(dir, path.dirname(r.path), 'node_modules'), new Set(r.packages.map((p) => p.name))) : null;
    const pins = [...pinWarnings(r, python, machine.os), ...nodePinWarnings(r, node), ...machineWarnings(r, machine)];
    if (pins.length) out[r.path] = [...(out[r.path] ?? []), ...pins];
  }
  return out;
}

/** A lock solved for other machines than this one (snapshot/lock-needs.ts), as the snapshot's warnings. */
function machineWarnings(record: LockfileRecord, machine: Machine): LockWarning[] {
  if (!record.platforms?.length) return [];
  const needs = lockNeeds(record, machine);
  if (needs.missingPlatform) return [{ code: 'MACHINE_UNMET', message: `${record.path} locks no packages for this machine (${needs.subdir ?? `${machine.os.platform}/${machine.os.arch}`}); it locks ${record.platforms.map((p) => p.name).join(', ')}` }];
  return needs.unmet.map(([spec, why]) => ({ code: 'MACHINE_UNMET', message: `${needs.platform} was locked for ${spec}: ${why}` }));
}

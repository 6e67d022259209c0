// Section by section rules: which differences break a rerun, which only warn, which inform.
import type { DataItem } from '../snapshot/probe-data.js';
import { THREAD_VARS } from '../snapshot/probe-env.js';
import type { SnapshotIdentity } from '../snapshot/snapshot.js';
import type { Severity } from '../core/difference.js';
import { change, same, type Change } from './change.js';
import { compareDotted } from '../core/dotted-version.js';
import { versionDistance, type VersionScheme } from './versions.js';

type Id = SnapshotIdentity;

function versionChange(section: string, field: string, a: string | null, b: string | null, scheme: VersionScheme, breakingAt: 'major' | 'minor'): Change | null {
  if (a === b) return null;
  if (a === null || b === null) return change(section, field, a, b, 'breaking', a === null ? 'newly present' : 'no longer present');
  const d = versionDistance(a, b, scheme);
  if (d === 'equal') return null;
  // A PEP 440 local version names another build of the same release (+cu130 vs +cpu).
  const breaking = d === 'major' || (breakingAt === 'minor' && d === 'minor') || d === 'other' || (d === 'build' && scheme === 'pep440');
  const label = d === 'build' ? 'another build of the same version (local version label)' : d === 'other' ? 'version changed' : `${d} version changed`;
  return change(section, field, a, b, breaking ? 'breaking' : 'warning', label);
}

const push = (out: Change[], c: Change | null) => {
  if (c) out.push(c);
};

export function diffOs(a: Id['os'], b: Id['os']): Change[] {
  const out: Change[] = [];
  if (a.platform !== b.platform) out.push(change('os', 'platform', a.platform, b.platform, 'breaking', 'another operating system'));
  if (a.arch !== b.arch) out.push(change('os', 'arch', a.arch, b.arch, 'breaking', 'another CPU architecture'));
  if (!same(a.distro, b.distro)) out.push(change('os', 'distro', a.distro, b.distro, 'warning', 'another distribution or release: system libraries differ'));
  if (a.libc.version !== b.libc.version) out.push(change('os', 'libc', a.libc, b.libc, 'warning', 'another C library version'));
  if (a.kernel !== b.kernel) out.push(change('os', 'kernel', a.kernel, b.kernel, 'info', 'another kernel release'));
  if (a.cpu.model !== b.cpu.model) out.push(change('os', 'cpu.model', a.cpu.model, b.cpu.model, 'warning', 'another CPU: vectorized math can round differently'));
  if (!same(a.cpu.flags, b.cpu.flags)) out.push(change('os', 'cpu.flags', a.cpu.flags, b.cpu.flags, 'warning', 'other instruction sets: BLAS and oneDNN pick other kernels'));
  if (a.cpu.logicalCores !== b.cpu.logicalCores) out.push(change('os', 'cpu.logicalCores', a.cpu.logicalCores, b.cpu.logicalCores, 'info', 'another core count: default thread pools differ'));
  // The CPUs a run may use (affinity, cgroup quota): what thread pools are sized from.
  if (a.cpu.usable && b.cpu.usable && a.cpu.usable.cpus !== b.cpu.usable.cpus) out.push(change('os', 'cpu.usable.cpus', a.cpu.usable.cpus, b.cpu.usable.cpus, 'warning', `another number of usable CPUs (affinity ${a.cpu.usable.affinity} -> ${b.cpu.usable.affinity}, quota ${a.cpu.usable.quota ?? 'none'} -> ${b.cpu.usable.quota ?? 'none'}): BLAS, OpenMP and torch split their sums another way`));
  return out;
}

export function diffNode(a: Id['node'], b: Id['node']): Change[] {
  if (a === null && b === null) return [];
  if (a === null || b === null) return [change('node', 'version', a?.version, b?.version, a === null ? 'info' : 'breaking', a === null ? 'Node.js now present' : 'Node.js not found')];
  const out: Change[] = [];
  push(out, versionChange('node', 'version', a.version, b.version, 'semver', 'minor'));
  for (const k of ['v8', 'zlib', 'zstd', 'openssl'] as const) if (a[k] !== b[k] && !(k === 'v8' && out.length > 0)) out.push(change('node', k, a[k], b[k], 'info', `another ${k}`));
  return out;
}

export function diffPython(a: Id['python'], b: Id['python']): Change[] {
  if (a === null && b === null) return [];
  if (a === null || b === null) return [change('python', 'version', a?.version, b?.version, a === null ? 'info' : 'breaking', a === null ? 'Python now present' : 'no Python interpreter found')];
  const out: Change[] = [];
  push(out, versionChange('python', 'version', a.version, b.version, 'dotted', 'minor'));
  if (a.implementation !== b.implementation) out.push(change('python', 'implementation', a.implementation, b.implementation, 'breaking', 'another Python implementation'));
  const names = new Set([...Object.keys(a.packages), ...Object.keys(b.packages)]);
  for (const name of [...names].sort()) {
    const x = a.packages[name] ?? null;
    const y = b.packages[name] ?? null;
    if (x === y) continue;
    if (x === null) out.push(change('python', `packages.${name}`, x, y, 'warning', 'package added'));
    else if (y === null) out.push(change('python', `packages.${name}`, x, y, 'breaking', 'package missing'));
    else push(out, versionChange('python', `packages.${name}`, x, y, 'pep440', 'major'));
  }
  for (const fw of new Set([...Object.keys(a.frameworks ?? {}), ...Object.keys(b.frameworks ?? {})])) {
    const x = a.frameworks?.[fw];
    const y = b.frameworks?.[fw];
    if (!x || !y) continue; // presence is covered by the package list
    push(out, cudaChange('python', `frameworks.${fw}.cuda`, str(x.cuda), str(y.cuda), `the CUDA ${fw} was built with`));
    if (String(x.cudnn ?? '') !== String(y.cudnn ?? '')) out.push(change('python', `frameworks.${fw}.cudnn`, x.cudnn ?? null, y.cudnn ?? null, cudnnMajor(x.cudnn) !== cudnnMajor(y.cudnn) ? 'breaking' : 'warning', `the cuDNN ${fw} loads`));
    if (x.cudaAvailable === true && y.cudaAvailable === false) out.push(change('python', `frameworks.${fw}.cudaAvailable`, true, false, 'breaking', `${fw} cannot use the GPU`));
    // Thread pools and BLAS: how the sums are split, and whose kernels do them.
    for (const k of ['numThreads', 'interopThreads'] as const) if (x[k] !== undefined && y[k] !== undefined && x[k] !== y[k]) out.push(change('python', `frameworks.${fw}.${k}`, x[k], y[k], 'warning', `${fw}'s ${k === 'numThreads' ? 'intra-op' : 'inter-op'} thread count: reductions split another way`));
    if (x.blas !== undefined && y.blas !== undefined && !same(x.blas, y.blas)) out.push(change('python', `frameworks.${fw}.blas`, x.blas, y.blas, 'warning', `the BLAS ${fw} runs on (library, version, kernels or threads): results can round differently`));
  }
  return out;
}

const str = (v: unknown): string | null => (v === undefined || v === null ? null : String(v));

function cudnnMajor(v: unknown): string {
  const s = String(v ?? '');
  return /^\d{4,}$/.test(s) ? String(Math.floor(Number(s) / (Number(s) >= 10000 ? 10000 : 1000))) : s.split('.')[0]!;
}

function cudaChange(section: string, field: string, a: string | null, b: string | null, what: string): Change | null {
  if (a === b) return null;
  if (a === null || b === null) return change(section, field, a, b, 'warning', `${what}: ${a === null ? 'now known' : 'unknown'}`);
  const d = versionDistance(a, b, 'dotted');
  return change(section, field, a, b, d === 'major' ? 'breaking' : 'warning', `${what}: CUDA ${d} version changed`);
}

export function diffGpu(a: Id['gpu'], b: Id['gpu'], aPython: Id['python']): Change[] {
  if (a === null && b === null) return [];
  if (a === null) return [change('gpu', 'devices', null, b!.devices.map((d) => d.name), 'info', 'GPU now present')];
  if (b === null) return [change('gpu', 'devices', a.devices.map((d) => d.name), null, 'breaking', 'no GPU on this machine')];
  const out: Change[] = [];
  if (a.vendor !== b.vendor) out.push(change('gpu', 'vendor', a.vendor, b.vendor, 'breaking', 'another GPU vendor'));
  const archA = [...new Set(a.devices.map((d) => d.computeCapability ?? d.name))].sort();
  const archB = [...new Set(b.devices.map((d) => d.computeCapability ?? d.name))].sort();
  if (!same(archA, archB)) out.push(change('gpu', 'architecture', archA, archB, 'breaking', 'another GPU architecture (compute capability)'));
  else if (!same(a.devices.map((d) => d.name), b.devices.map((d) => d.name))) out.push(change('gpu', 'devices', a.devices.map((d) => d.name), b.devices.map((d) => d.name), 'warning', 'other GPU models of the same architecture'));
  if (a.count !== b.count) out.push(change('gpu', 'count', a.count, b.count, 'warning', 'another number of GPUs: data-parallel results differ'));
  if (a.driver !== b.driver) out.push(change('gpu', 'driver', a.driver, b.driver, 'warning', 'another driver'));
  push(out, cudaChange('gpu', 'cudaDriver', a.cudaDriver, b.cudaDriver, 'the newest CUDA the driver runs'));
  push(out, cudaChange('gpu', 'toolkit.nvcc', a.toolkit.nvcc, b.toolkit.nvcc, 'the CUDA toolkit (nvcc)'));
  if (a.cudnn !== b.cudnn) out.push(change('gpu', 'cudnn', a.cudnn, b.cudnn, cudnnMajor(a.cudnn) !== cudnnMajor(b.cudnn) ? 'breaking' : 'warning', 'the system cuDNN'));
  // The CUDA the original run used (framework, else toolkit) must be runnable by the new driver.
  const used = Object.values(aPython?.frameworks ?? {}).map((f) => str(f.cuda)).find((c) => c !== null) ?? a.toolkit.nvcc;
  if (used && b.cudaDriver && (compareDotted(b.cudaDriver, used) ?? 0) < 0) {
    out.push(change('gpu', 'cudaDriver', used, b.cudaDriver, 'breaking', `the driver runs CUDA up to ${b.cudaDriver}, older than the CUDA ${used} the snapshot used`));
  }
  return out;
}

export function diffLockfiles(a: Id['lockfiles'], b: Id['lockfiles']): Change[] {
  const out: Change[] = [];
  const inB = new Map(b.map((l) => [l.path, l]));
  for (const x of a) {
    const y = inB.get(x.path);
    inB.delete(x.path);
    if (!y) {
      out.push(change('lockfiles', x.path, x.format, null, 'warning', 'lockfile missing'));
      continue;
    }
    if (x.sha256 === y.sha256) continue;
    const scheme: VersionScheme = /package-lock|shrinkwrap|pnpm|yarn/.test(x.format) ? 'semver' : /conda/.test(x.format) ? 'dotted' : 'pep440';
    const key = (p: { name: string; platform?: string }) => `${p.name}${p.platform ? ` [${p.platform}]` : ''}`;
    const pb = new Map<string, (typeof y.packages)[number]>();
    for (const p of y.packages) if (!pb.has(key(p))) pb.set(key(p), p);
    const seen = new Set<string>();
    for (const p of x.packages) {
      const k = key(p);
      if (seen.has(k)) continue;
      seen.add(k);
      const q = pb.get(k);
      pb.delete(k);
      const field = `${x.path}:${k}`;
      if (!q) out.push(change('lockfiles', field, p.version, null, 'breaking', 'package removed from the lock'));
      else if (p.version !== q.version) push(out, versionChange('lockfiles', field, p.version, q.version, scheme, 'major'));
      else if (!same(p.hashes, q.hashes) && p.hashes.length > 0 && q.hashes.length > 0) out.push(change('lockfiles', field, p.hashes, q.hashes, 'breaking', 'same version, other integrity hash: other bytes'));
    }
    for (const [k, q] of pb) out.push(change('lockfiles', `${x.path}:${k}`, null, q.version, 'warning', 'package added to the lock'));
    if (!out.some((c) => c.field.startsWith(`${x.path}:`))) out.push(change('lockfiles', x.path, x.sha256, y.sha256, 'info', 'lockfile bytes changed, packages did not'));
  }
  for (const y of inB.values()) out.push(change('lockfiles', y.path, null, y.format, 'info', 'lockfile added'));
  return out;
}

export function diffGit(a: Id['git'], b: Id['git']): Change[] {
  if (a === null && b === null) return [];
  if (a === null || b === null) return [change('git', 'commit', a?.commit, b?.commit, 'info', a === null ? 'now a git work tree' : 'not a git work tree')];
  const out: Change[] = [];
  if (a.commit !== b.commit) out.push(change('git', 'commit', a.commit, b.commit, 'warning', 'another commit: the code may differ'));
  if (a.diffSha256 !== b.diffSha256) out.push(change('git', 'diffSha256', a.diffSha256, b.diffSha256, 'warning', 'other uncommitted changes'));
  if (!same(a.untracked, b.untracked)) out.push(change('git', 'untracked', a.untracked, b.untracked, 'warning', 'other untracked files'));
  if (a.branch !== b.branch) out.push(change('git', 'branch', a.branch, b.branch, 'info', 'another branch'));
  if (!same(a.remotes, b.remotes)) out.push(change('git', 'remotes', a.remotes, b.remotes, 'info', 'other remotes'));
  return out;
}

export function diffEnv(a: Id['env'], b: Id['env']): Change[] {
  const out: Change[] = [];
  for (const name of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const x = a[name];
    const y = b[name];
    if (same(x, y)) continue;
    const severity: Severity = THREAD_VARS.has(name) || /^(TZ|LANG|LC_)/.test(name) ? 'warning' : 'breaking';
    const reason = THREAD_VARS.has(name) ? 'thread count: parallel reductions can round differently' : /^(TZ|LANG|LC_)/.test(name) ? 'locale or time zone: parsing, sorting and formatting can differ' : 'determinism setting changed';
    out.push(change('env', name, x, y, severity, reason));
  }
  return out;
}

export function diffData(a: DataItem[], b: DataItem[]): Change[] {
  const out: Change[] = [];
  const inB = new Map(b.map((d) => [d.path, d]));
  for (const x of a) {
    const y = inB.get(x.path);
    inB.delete(x.path);
    if (!y) {
      out.push(change('data', x.path, digestOf(x), null, 'breaking', 'data missing'));
      continue;
    }
    if (digestOf(x) === digestOf(y)) continue;
    if (x.type === 'directory' && y.type === 'directory') {
      const files = new Map(y.entries.map((e) => [e.path, e]));
      for (const e of x.entries) {
        const f = files.get(e.path);
        files.delete(e.path);
        if (!f) out.push(change('data', `${x.path}/${e.path}`, e.sha256, null, 'breaking', 'data file missing'));
        else if (f.sha256 !== e.sha256) out.push(change('data', `${x.path}/${e.path}`, e.sha256, f.sha256, 'breaking', 'data file content changed'));
      }
      for (const f of files.values()) out.push(change('data', `${x.path}/${f.path}`, null, f.sha256, 'breaking', 'data file added'));
    } else {
      out.push(change('data', x.path, digestOf(x), digestOf(y), 'breaking', 'data content changed'));
    }
  }
  for (const y of inB.values()) out.push(change('data', y.path, null, digestOf(y), 'info', 'data added'));
  return out;
}

const digestOf = (d: DataItem) => (d.type === 'file' ? `sha256:${d.sha256}` : d.treeDigest);

// The severity rules, table-driven, on the real H100 snapshot taken with repro on a GPU machine.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffSnapshots } from '../../../src/diff/diff-snapshots.js';
import { identityDigest } from '../../../src/snapshot/identity.js';
import type { Snapshot } from '../../../src/snapshot/snapshot.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const base = (): Snapshot => JSON.parse(readFileSync(path.join(REPO_ROOT, 'tests/fixtures/gpu/h100/snapshot.json'), 'utf8')) as Snapshot;

function variant(edit: (s: Snapshot) => void): Snapshot {
  const s = base();
  edit(s);
  s.snapshotDigest = identityDigest(s.identity);
  return s;
}

describe('diffSnapshots', () => {
  it('the same snapshot is identical, with no changes', () => {
    const d = diffSnapshots(base(), base());
    expect(d.identical).toBe(true);
    expect(d.changes).toEqual([]);
  });

  it('context alone (another host, another capture time) keeps the identity equal', () => {
    const b = base();
    b.context.hostname = 'elsewhere';
    b.context.capturedAt = '2027-03-01T00:00:00.000Z';
    const d = diffSnapshots(base(), b);
    expect(d.identical).toBe(true);
    expect(d.changes.map((c) => [c.severity, c.field])).toEqual([['info', 'hostname']]);
  });

  it.each<[string, (s: Snapshot) => void, string, string, 'breaking' | 'warning' | 'info']>([
    ['Python minor version', (s) => (s.identity.python!.version = '3.13.0'), 'python', 'version', 'breaking'],
    ['Python patch version', (s) => (s.identity.python!.version = '3.12.9'), 'python', 'version', 'warning'],
    ['a package major version', (s) => (s.identity.python!.packages.numpy = '3.0.0'), 'python', 'packages.numpy', 'breaking'],
    ['a package minor version', (s) => (s.identity.python!.packages.numpy = s.identity.python!.packages.numpy!.replace(/^(\d+)\.(\d+)/, (_m, a, b) => `${a}.${Number(b) + 1}`)), 'python', 'packages.numpy', 'warning'],
    ['a package removed', (s) => delete s.identity.python!.packages.numpy, 'python', 'packages.numpy', 'breaking'],
    ['a package added', (s) => (s.identity.python!.packages['new-thing'] = '1.0'), 'python', 'packages.new-thing', 'warning'],
    ['torch built for CPU instead of CUDA', (s) => (s.identity.python!.packages.torch = '2.11.0+cpu'), 'python', 'packages.torch', 'breaking'],
    ['the CUDA torch was built with (major)', (s) => (s.identity.python!.frameworks!.torch!.cuda = '12.8'), 'python', 'frameworks.torch.cuda', 'breaking'],
    ['torch loses the GPU', (s) => (s.identity.python!.frameworks!.torch!.cudaAvailable = false), 'python', 'frameworks.torch.cudaAvailable', 'breaking'],
    ['no GPU', (s) => (s.identity.gpu = null), 'gpu', 'devices', 'breaking'],
    ['another GPU architecture', (s) => (s.identity.gpu!.devices[0] = { name: 'NVIDIA A100-SXM4-80GB', memoryTotalMiB: 81920, computeCapability: '8.0', architecture: 'Ampere' }), 'gpu', 'architecture', 'breaking'],
    ['more GPUs of the same kind', (s) => { s.identity.gpu!.count = 8; s.identity.gpu!.devices = Array(8).fill(s.identity.gpu!.devices[0]); }, 'gpu', 'count', 'warning'],
    ['another driver', (s) => (s.identity.gpu!.driver = '580.200.01'), 'gpu', 'driver', 'warning'],
    ['CUDA major of the driver', (s) => (s.identity.gpu!.cudaDriver = '14.0'), 'gpu', 'cudaDriver', 'breaking'],
    ['determinism variable', (s) => (s.identity.env.PYTHONHASHSEED = '1'), 'env', 'PYTHONHASHSEED', 'breaking'],
    ['thread count', (s) => (s.identity.env.OMP_NUM_THREADS = '8'), 'env', 'OMP_NUM_THREADS', 'warning'],
    ['Node minor version', (s) => (s.identity.node!.version = '24.22.0'), 'node', 'version', 'breaking'],
    ['Node patch version', (s) => (s.identity.node!.version = '24.21.1'), 'node', 'version', 'warning'],
    ['another CPU', (s) => (s.identity.os.cpu.model = 'AMD EPYC 9654'), 'os', 'cpu.model', 'warning'],
    ['another kernel', (s) => (s.identity.os.kernel = '6.1.0'), 'os', 'kernel', 'info'],
    ['data content', (s) => { const d = s.identity.data[0]!; if (d.type === 'directory') { d.entries[0]!.sha256 = '0'.repeat(64); d.treeDigest = 'sha256:x'; } }, 'data', '/tmp/data/sub/labels.txt', 'breaking'],
  ])('%s', (_name, edit, section, field, severity) => {
    const d = diffSnapshots(base(), variant(edit));
    expect(d.identical).toBe(false);
    const hit = d.changes.find((c) => c.section === section && c.field === field);
    expect(hit, JSON.stringify(d.changes.slice(0, 5))).toBeDefined();
    expect(hit!.severity).toBe(severity);
    expect(hit!.reason.length).toBeGreaterThan(5);
  });

  it('a driver too old for the CUDA the snapshot used is breaking, and says so', () => {
    const d = diffSnapshots(base(), variant((s) => (s.identity.gpu!.cudaDriver = '12.4')));
    const old = d.changes.find((c) => c.reason.includes('older than the CUDA 13.0'));
    expect(old).toMatchObject({ section: 'gpu', severity: 'breaking', a: '13.0', b: '12.4' });
  });

  it('a lockfile package with the same version but another hash is breaking', () => {
    const withLock = (hash: string) =>
      variant((s) => {
        s.identity.lockfiles = [{ path: 'uv.lock', format: 'uv.lock', sha256: hash.repeat(64), packageCount: 1, packages: [{ name: 'numpy', version: '1.26.4', source: 'https://pypi.org/simple', hashes: [`sha256:${hash.repeat(64)}`] }] }];
      });
    const d = diffSnapshots(withLock('a'), withLock('b'));
    expect(d.changes.find((c) => c.section === 'lockfiles')).toMatchObject({ field: 'uv.lock:numpy', severity: 'breaking', reason: expect.stringContaining('integrity') });
  });

  it('orders breaking first and counts each severity', () => {
    const d = diffSnapshots(base(), variant((s) => { s.identity.env.OMP_NUM_THREADS = '8'; s.identity.python!.version = '3.13.0'; s.identity.os.kernel = 'x'; }));
    expect(d.changes.map((c) => c.severity)).toEqual(['breaking', 'warning', 'info']);
    expect(d.summary).toEqual({ breaking: 1, warning: 1, info: 1 });
  });
});

describe('a pixi.lock v7 solved for what the other machine lacks', () => {
  // The H100 snapshot (glibc 2.35 or so, a driver for CUDA 12.x) with a pixi lock solved for linux-64.
  const withPixi = (needs: string[], edit?: (s: Snapshot) => void): Snapshot => variant((s) => {
    s.identity.lockfiles.push({ path: 'pixi.lock', format: 'pixi.lock', sha256: 'x', packageCount: 0, packages: [], platforms: [{ name: 'linux-64', subdir: 'linux-64', virtualPackages: needs, environments: ['default'] }] });
    edit?.(s);
  });

  it('a driver older than the lock\'s __cuda is breaking, with both versions in the reason', () => {
    const d = diffSnapshots(withPixi(['__cuda=12.0']), withPixi(['__cuda=12.0'], (s) => (s.identity.gpu!.cudaDriver = '11.8')));
    const hit = d.changes.find((c) => c.field === 'pixi.lock:linux-64:__cuda');
    expect(hit).toMatchObject({ severity: 'breaking', a: '__cuda=12.0', reason: 'linux-64 was locked for __cuda=12.0: needs a driver that runs CUDA 12.0 or newer; this machine has 11.8' });
  });

  it('an older glibc than the lock\'s __glibc is breaking', () => {
    const d = diffSnapshots(withPixi(['__glibc=2.28']), withPixi(['__glibc=2.28'], (s) => (s.identity.os.libc = { family: 'glibc', version: '2.17' })));
    expect(d.changes.find((c) => c.field === 'pixi.lock:linux-64:__glibc')).toMatchObject({ severity: 'breaking', reason: expect.stringContaining('needs glibc 2.28 or newer; this machine has 2.17') });
  });

  it('a machine the lock has no platform for is breaking, naming the platforms it locks', () => {
    const d = diffSnapshots(withPixi([]), withPixi([], (s) => (s.identity.os.arch = 'arm64')));
    expect(d.changes.find((c) => c.field === 'pixi.lock:platform')).toMatchObject({ severity: 'breaking', a: 'linux-64', b: 'linux-aarch64', reason: 'the lock has no packages for linux-aarch64 (it locks linux-64)' });
  });

  it('a need neither machine meets is info, and one both meet is no change', () => {
    const noGpu = (s: Snapshot) => (s.identity.gpu = null);
    const both = diffSnapshots(withPixi(['__cuda=12.0'], noGpu), withPixi(['__cuda=12.0'], noGpu));
    expect(both.changes.filter((c) => c.section === 'lockfiles')).toEqual([expect.objectContaining({ severity: 'info', field: 'pixi.lock:linux-64:__cuda' })]);
    const met = diffSnapshots(withPixi(['__cuda=12.0', '__glibc=2.17', '__linux=4.18', '__archspec=0=x86_64']), withPixi(['__cuda=12.0', '__glibc=2.17', '__linux=4.18', '__archspec=0=x86_64']));
    expect(met.changes).toEqual([]);
  });
});

describe('issue 31: the CPUs a run may use, thread pools and BLAS', () => {
  it('fewer usable CPUs (taskset, a cgroup quota) is a warning naming affinity and quota; a snapshot without the fact compares as before', () => {
    const a = variant((s) => (s.identity.os.cpu.usable = { cpus: 8, affinity: 8, quota: null }));
    const b = variant((s) => (s.identity.os.cpu.usable = { cpus: 1, affinity: 1, quota: null }));
    const d = diffSnapshots(a, b);
    expect(d.changes.map((c) => [c.severity, c.field])).toEqual([['warning', 'cpu.usable.cpus']]);
    expect(d.changes[0]!.reason).toMatch(/affinity 8 -> 1, quota none -> none/);
    expect(diffSnapshots(base(), b).changes.map((c) => c.field)).not.toContain('cpu.usable.cpus');
  });

  it('torch\'s thread count and numpy\'s BLAS (library, kernels, threads) are warnings', () => {
    const set = (threads: number, arch: string) => (s: Snapshot) => {
      const fw = (s.identity.python!.frameworks ??= {});
      fw.torch = { ...(fw.torch ?? {}), numThreads: threads, interopThreads: 8, blas: 'mkl' };
      fw.numpy = { version: '1.26.4', blas: [{ internal_api: 'openblas', architecture: arch, num_threads: 8 }] };
    };
    const a = variant(set(8, 'Haswell'));
    const b = variant(set(1, 'SkylakeX'));
    expect(diffSnapshots(a, b).changes.map((c) => [c.severity, c.field]).sort()).toEqual([['warning', 'frameworks.numpy.blas'], ['warning', 'frameworks.torch.numThreads']]);
  });
});

// What a pixi.lock v7 platform needs of a machine (its virtual packages), judged against a
// machine's identity: older glibc, kernel or CUDA driver, another CPU family, no platform at all.
import { describe, expect, it } from 'vitest';
import type { LockPlatform } from '../../../src/lockfile/types.js';
import { condaSubdir, lockNeeds, unmetNeed, type Machine } from '../../../src/snapshot/lock-needs.js';

function machine(over: { platform?: string; arch?: string; kernel?: string; glibc?: string | null; flags?: string[]; cuda?: string | null } = {}): Machine {
  const glibc = over.glibc === undefined ? '2.36' : over.glibc;
  return {
    os: {
      platform: over.platform ?? 'linux',
      arch: over.arch ?? 'x64',
      kernel: over.kernel ?? '6.1.0-28-amd64',
      distro: null,
      libc: glibc === null ? { family: 'musl', version: null } : { family: 'glibc', version: glibc },
      cpu: { model: 'test', logicalCores: 4, flags: over.flags ?? ['sse4_2', 'avx', 'avx2', 'fma'] },
    },
    gpu: over.cuda ? { vendor: 'nvidia', driver: '550.54', cudaDriver: over.cuda, count: 1, devices: [], toolkit: { nvcc: null, versionJson: null }, cudnn: null } : null,
  };
}

const platform = (name: string, virtualPackages: string[], subdir = name): LockPlatform => ({ name, subdir, virtualPackages, environments: ['default'] });

describe('condaSubdir', () => {
  it('names the conda subdir of each machine conda builds for, null for others', () => {
    expect(condaSubdir(machine().os)).toBe('linux-64');
    expect(condaSubdir(machine({ arch: 'arm64' }).os)).toBe('linux-aarch64');
    expect(condaSubdir(machine({ platform: 'darwin', arch: 'arm64' }).os)).toBe('osx-arm64');
    expect(condaSubdir(machine({ platform: 'win32' }).os)).toBe('win-64');
    expect(condaSubdir(machine({ platform: 'aix', arch: 'ppc64' }).os)).toBeNull();
  });
});

describe('unmetNeed', () => {
  it('__glibc: an older or absent glibc is unmet, an equal or newer one is met (numerically: 2.9 < 2.28)', () => {
    expect(unmetNeed('__glibc=2.28', machine({ glibc: '2.36' }))).toBeNull();
    expect(unmetNeed('__glibc=2.28', machine({ glibc: '2.28' }))).toBeNull();
    expect(unmetNeed('__glibc=2.28', machine({ glibc: '2.17' }))).toBe('needs glibc 2.28 or newer; this machine has 2.17');
    expect(unmetNeed('__glibc=2.28', machine({ glibc: '2.9' }))).toContain('this machine has 2.9');
    expect(unmetNeed('__glibc=2.28', machine({ glibc: null }))).toBe("needs glibc 2.28; this machine's C library is musl");
  });

  it('__cuda: a driver that runs older CUDA, or no NVIDIA GPU, is unmet', () => {
    expect(unmetNeed('__cuda=12.0', machine({ cuda: '11.8' }))).toBe('needs a driver that runs CUDA 12.0 or newer; this machine has 11.8');
    expect(unmetNeed('__cuda=12.0', machine({ cuda: '12.4' }))).toBeNull();
    expect(unmetNeed('__cuda=12', machine({ cuda: '12.0' }))).toBeNull();
    expect(unmetNeed('__cuda=12.0', machine())).toBe('needs a driver that runs CUDA 12.0; this machine has no NVIDIA GPU');
  });

  it('__linux reads the kernel release; __unix and __win the platform', () => {
    expect(unmetNeed('__linux=4.18', machine({ kernel: '6.8.0-1020-aws' }))).toBeNull();
    expect(unmetNeed('__linux=4.18', machine({ kernel: '3.10.0-1160.el7.x86_64' }))).toBe('needs Linux kernel 4.18 or newer; this machine has 3.10.0');
    expect(unmetNeed('__unix=0=0', machine())).toBeNull();
    expect(unmetNeed('__unix=0=0', machine({ platform: 'win32' }))).toContain('runs Windows');
    expect(unmetNeed('__win=10.0', machine())).toBe('needs Windows; this machine runs linux');
  });

  it('__archspec: the CPU family, and the x86-64 levels by the recorded instruction sets', () => {
    expect(unmetNeed('__archspec=0=x86_64', machine())).toBeNull();
    expect(unmetNeed('__archspec=0=x86_64', machine({ arch: 'arm64' }))).toBe('needs a x86_64 CPU; this machine is arm64');
    expect(unmetNeed('__archspec=0=m1', machine({ platform: 'darwin', arch: 'arm64' }))).toBeNull();
    expect(unmetNeed('__archspec=0=x86_64_v3', machine())).toBeNull();
    expect(unmetNeed('__archspec=0=x86_64_v3', machine({ flags: ['sse4_2', 'avx'] }))).toBe('needs x86_64_v3 (avx2, fma); this CPU lacks avx2, fma');
    expect(unmetNeed('__archspec=0=x86_64_v4', machine())).toContain('lacks avx512f');
  });

  it('what a snapshot cannot judge decides nothing: __osx (the macOS version is not recorded), a named microarchitecture, an unknown virtual package', () => {
    expect(unmetNeed('__osx=13.0', machine({ platform: 'darwin', arch: 'arm64' }))).toBeNull();
    expect(unmetNeed('__archspec=0=skylake', machine())).toBeNull();
    expect(unmetNeed('__future=1', machine())).toBeNull();
  });
});

describe('lockNeeds', () => {
  const lock = { platforms: [platform('linux-64', ['__glibc=2.28', '__cuda=12.0']), platform('osx-arm64', ['__osx=13.0'])] };

  it('a machine of a platform the lock does not list is missingPlatform', () => {
    expect(lockNeeds(lock, machine({ arch: 'arm64' }))).toEqual({ subdir: 'linux-aarch64', missingPlatform: true, unmet: [], platform: null });
  });

  it('the unmet needs of the platform that applies, in the lock\'s order', () => {
    expect(lockNeeds(lock, machine({ glibc: '2.17' })).unmet).toEqual([
      ['__glibc=2.28', 'needs glibc 2.28 or newer; this machine has 2.17'],
      ['__cuda=12.0', 'needs a driver that runs CUDA 12.0; this machine has no NVIDIA GPU'],
    ]);
    expect(lockNeeds(lock, machine({ cuda: '12.2' })).unmet).toEqual([]);
  });

  it('custom platform names: of two for the same subdir, the one this machine meets decides', () => {
    const custom = { platforms: [platform('linux-64-cuda', ['__cuda=12.0'], 'linux-64'), platform('linux-64-cpu', ['__glibc=2.17'], 'linux-64')] };
    expect(lockNeeds(custom, machine())).toMatchObject({ platform: 'linux-64-cpu', unmet: [] });
    expect(lockNeeds(custom, machine({ cuda: '12.4' }))).toMatchObject({ unmet: [] });
  });

  it('a lock that records no platforms needs nothing', () => {
    expect(lockNeeds({}, machine())).toEqual({ subdir: 'linux-64', missingPlatform: false, unmet: [], platform: null });
  });
});

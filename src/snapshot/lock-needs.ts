// What a lock needs of the machine that installs it, against a machine's identity: a pixi.lock
// v7 records, per platform, the virtual packages its solve assumed (`__glibc=2.28`,
// `__cuda=12.0`, `__linux=4.18`, `__archspec=0=x86_64`). conda and pixi treat each as an
// installed package of that version, so the packages the lock pins may need all of it: a machine
// whose glibc, kernel or CUDA driver is older, or whose CPU is another family, cannot run them.
// A need this module cannot judge from a snapshot (`__osx`: the macOS version is not recorded; a
// named microarchitecture other than the x86-64 levels) decides nothing.
import { compareDotted, dottedParts } from '../core/dotted-version.js';
import type { LockfileRecord, LockPlatform } from '../lockfile/types.js';
import type { OsIdentity } from './probe-os.js';
import type { GpuIdentity } from './probe-gpu.js';

/** What a machine offers a lock: its OS identity and its GPU (null: none). */
export interface Machine {
  os: OsIdentity;
  gpu: GpuIdentity | null;
}

const SUBDIRS: Record<string, Record<string, string>> = {
  linux: { x64: 'linux-64', arm64: 'linux-aarch64', ppc64: 'linux-ppc64le', s390x: 'linux-s390x', ia32: 'linux-32', riscv64: 'linux-riscv64' },
  darwin: { x64: 'osx-64', arm64: 'osx-arm64' },
  win32: { x64: 'win-64', arm64: 'win-arm64', ia32: 'win-32' },
};

/** The conda subdir of a machine (linux-64, osx-arm64, ...); null for one conda has none for. */
export function condaSubdir(os: Machine['os']): string | null {
  return SUBDIRS[os.platform]?.[os.arch] ?? null;
}

/** `__archspec` build strings by CPU family, and the x86-64 levels by the flags the snapshot records. */
const ARCH_FAMILIES: Record<string, string> = { x86_64: 'x64', aarch64: 'arm64', arm64: 'arm64', ppc64le: 'ppc64', s390x: 's390x', riscv64: 'riscv64' };
const APPLE_SILICON = /^m[1-9]$/;
const X86_LEVELS: Record<string, string[]> = { x86_64_v2: ['sse4_2'], x86_64_v3: ['avx2', 'fma'], x86_64_v4: ['avx512f'] };

/** The leading dotted number of a version-like string ("6.8.0-1020-aws" -> "6.8.0"), or null. */
const leadingVersion = (s: string | null | undefined): string | null => dottedParts(s ?? '')?.join('.') ?? null;

/** Why `machine` does not meet one virtual package, or null when it does or when that cannot be judged. */
export function unmetNeed(spec: string, machine: Machine): string | null {
  const [name = '', version = '', build = ''] = spec.split('=');
  const atLeast = (what: string, have: string | null): string | null => {
    if (have === null) return `needs ${what} ${version}; this machine has none`;
    const cmp = compareDotted(have, version);
    return cmp !== null && cmp < 0 ? `needs ${what} ${version} or newer; this machine has ${have}` : null;
  };
  const { os, gpu } = machine;
  switch (name.toLowerCase()) {
    case '__unix':
      return os.platform === 'win32' ? 'needs a Unix; this machine runs Windows' : null;
    case '__win':
      return os.platform === 'win32' ? null : `needs Windows; this machine runs ${os.platform}`;
    case '__linux':
      return os.platform !== 'linux' ? `needs Linux; this machine runs ${os.platform}` : atLeast('Linux kernel', leadingVersion(os.kernel));
    case '__glibc':
      if (os.platform !== 'linux') return `needs glibc ${version}; this machine runs ${os.platform}`;
      return os.libc.family === 'glibc' ? atLeast('glibc', leadingVersion(os.libc.version)) : `needs glibc ${version}; this machine's C library is ${os.libc.family}`;
    case '__cuda':
      return gpu?.vendor === 'nvidia' ? atLeast('a driver that runs CUDA', leadingVersion(gpu.cudaDriver)) : `needs a driver that runs CUDA ${version}; this machine has no NVIDIA GPU`;
    case '__archspec': {
      const level = X86_LEVELS[build];
      if (level) {
        if (os.arch !== 'x64') return `needs an x86-64 CPU (${build}); this machine is ${os.arch}`;
        const missing = level.filter((f) => !os.cpu.flags.includes(f));
        return missing.length > 0 ? `needs ${build} (${level.join(', ')}); this CPU lacks ${missing.join(', ')}` : null;
      }
      const family = ARCH_FAMILIES[build] ?? (APPLE_SILICON.test(build) ? 'arm64' : null);
      return family !== null && family !== os.arch ? `needs a ${build} CPU; this machine is ${os.arch}` : null;
    }
    default:
      return null;
  }
}

/** The unmet needs of one platform entry, as [spec, reason]. */
function unmetOf(platform: LockPlatform, machine: Machine): Array<[string, string]> {
  return platform.virtualPackages.flatMap((spec) => {
    const why = unmetNeed(spec, machine);
    return why === null ? [] : [[spec, why] as [string, string]];
  });
}

/** What stands between a machine and one lock: no platform for it, or the unmet needs of the closest one. */
export function lockNeeds(lock: Pick<LockfileRecord, 'platforms'>, machine: Machine): { subdir: string | null; missingPlatform: boolean; unmet: Array<[string, string]>; platform: string | null } {
  const subdir = condaSubdir(machine.os);
  const candidates = (lock.platforms ?? []).filter((p) => p.subdir === subdir);
  if (candidates.length === 0) return { subdir, missingPlatform: (lock.platforms ?? []).length > 0, unmet: [], platform: null };
  const judged = candidates.map((p) => ({ p, unmet: unmetOf(p, machine) })).sort((x, y) => x.unmet.length - y.unmet.length);
  return { subdir, missingPlatform: false, unmet: judged[0]!.unmet, platform: judged[0]!.p.name };
}

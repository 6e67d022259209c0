// OS and hardware identity: platform, architecture, kernel, distribution (os-release), libc,
// CPU model, logical cores and the instruction-set flags that change numerical kernels.
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import { glibcVersion } from '../core/runtime.js';

export interface OsIdentity {
  platform: string;
  arch: string;
  kernel: string;
  distro: { id: string; versionId: string | null; prettyName: string | null } | null;
  libc: { family: 'glibc' | 'musl' | 'unknown'; version: string | null };
  /**
   * usable: the CPUs a run here may use (affinity, then a cgroup's CPU quota): BLAS, OpenMP and
   * torch size their pools from it, so a rerun under taskset or a smaller container quota can
   * round differently. Absent in snapshots made before repro recorded it.
   */
  cpu: { model: string; logicalCores: number; flags: string[]; usable?: { cpus: number; affinity: number; quota: number | null } };
}

export interface OsContext {
  hostname: string;
  memoryTotalBytes: number;
  memoryFreeBytes: number;
  uptimeSeconds: number;
}

/** Instruction sets that BLAS, oneDNN and friends dispatch on: results can differ between them. */
const SIGNIFICANT_FLAGS = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_bf16', 'avx512_vnni', 'amx_bf16', 'amx_tile', 'sha_ni', 'asimd', 'sve'];

export function parseOsRelease(text: string): OsIdentity['distro'] {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) fields[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
  }
  if (!fields.ID) return null;
  return { id: fields.ID, versionId: fields.VERSION_ID ?? null, prettyName: fields.PRETTY_NAME ?? null };
}

export function parseCpuFlags(cpuinfo: string): string[] {
  const line = cpuinfo.split('\n').find((l) => /^(flags|Features)\s*:/.test(l));
  if (!line) return [];
  const have = new Set(line.split(':')[1]!.trim().split(/\s+/));
  return SIGNIFICANT_FLAGS.filter((f) => have.has(f));
}

/** The CPUs of a Cpus_allowed_list ("0-3,8"), in order. */
export function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (!Number.isInteger(a)) continue;
    for (let c = a!; c <= (Number.isInteger(b) ? b! : a!); c++) cpus.push(c);
  }
  return cpus;
}

/** How many CPUs a Cpus_allowed_list names. */
export function countCpuList(list: string): number {
  return parseCpuList(list).length;
}

/** The CPUs this process may run on (affinity: Cpus_allowed_list of /proc/self/status), else 0..n-1. */
export function allowedCpus(status?: string): number[] {
  let text = status;
  try {
    text ??= readFileSync('/proc/self/status', 'utf8');
  } catch {
    text = '';
  }
  const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(text)?.[1];
  return line ? parseCpuList(line) : Array.from({ length: os.availableParallelism() }, (_, i) => i);
}

/** A cgroup v2 cpu.max ("200000 100000": two CPUs; "max 100000": none) as CPUs, rounded up; null without a quota. */
export function quotaCpus(cpuMax: string): number | null {
  const [quota, period] = cpuMax.trim().split(/\s+/);
  if (!quota || quota === 'max' || !period) return null;
  const q = Number(quota);
  const p = Number(period);
  return q > 0 && p > 0 ? Math.max(1, Math.ceil(q / p)) : null;
}

/** The CPUs this process may use: its affinity, and the tightest CPU quota of its cgroup (v2) or its parents. */
export async function usableCpus(): Promise<{ cpus: number; affinity: number; quota: number | null }> {
  const affinity = allowedCpus(await readOr('/proc/self/status')).length;
  let quota: number | null = null;
  const cgroup = /^0::(\/.*)$/m.exec(await readOr('/proc/self/cgroup'))?.[1];
  if (cgroup !== undefined) {
    for (let dir = cgroup; ; dir = dir.slice(0, dir.lastIndexOf('/')) || '/') {
      const q = quotaCpus(await readOr(`/sys/fs/cgroup${dir === '/' ? '' : dir}/cpu.max`));
      if (q !== null) quota = quota === null ? q : Math.min(quota, q);
      if (dir === '/') break;
    }
  }
  return { cpus: quota === null ? affinity : Math.min(affinity, quota), affinity, quota };
}

async function readOr(file: string): Promise<string> {
  return fs.readFile(file, 'utf8').catch(() => '');
}

export async function probeOs(): Promise<{ identity: OsIdentity; context: OsContext }> {
  const [release, cpuinfo] = await Promise.all([
    readOr('/etc/os-release').then((t) => t || readOr('/usr/lib/os-release')),
    readOr('/proc/cpuinfo'),
  ]);
  const cpus = os.cpus();
  const glibc = glibcVersion();
  const usable = await usableCpus();
  return {
    identity: {
      platform: os.platform(),
      arch: os.arch(),
      kernel: os.release(),
      distro: release ? parseOsRelease(release) : null,
      libc: glibc ? { family: 'glibc', version: glibc } : { family: os.platform() === 'linux' ? 'musl' : 'unknown', version: null },
      cpu: { model: (cpus[0]?.model ?? 'unknown').trim(), logicalCores: cpus.length, flags: parseCpuFlags(cpuinfo), usable },
    },
    context: {
      hostname: os.hostname(),
      memoryTotalBytes: os.totalmem(),
      memoryFreeBytes: os.freemem(),
      uptimeSeconds: Math.round(os.uptime()),
    },
  };
}

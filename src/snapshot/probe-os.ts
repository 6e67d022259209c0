// OS and hardware identity: platform, architecture, kernel, distribution (os-release), libc,
// CPU model, logical cores and the instruction-set flags that change numerical kernels.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { glibcVersion } from '../core/runtime.js';

export interface OsIdentity {
  platform: string;
  arch: string;
  kernel: string;
  distro: { id: string; versionId: string | null; prettyName: string | null } | null;
  libc: { family: 'glibc' | 'musl' | 'unknown'; version: string | null };
  cpu: { model: string; logicalCores: number; flags: string[] };
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
  return {
    identity: {
      platform: os.platform(),
      arch: os.arch(),
      kernel: os.release(),
      distro: release ? parseOsRelease(release) : null,
      libc: glibc ? { family: 'glibc', version: glibc } : { family: os.platform() === 'linux' ? 'musl' : 'unknown', version: null },
      cpu: { model: (cpus[0]?.model ?? 'unknown').trim(), logicalCores: cpus.length, flags: parseCpuFlags(cpuinfo) },
    },
    context: {
      hostname: os.hostname(),
      memoryTotalBytes: os.totalmem(),
      memoryFreeBytes: os.freemem(),
      uptimeSeconds: Math.round(os.uptime()),
    },
  };
}

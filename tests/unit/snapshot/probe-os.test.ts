// The CPUs a run may use: an affinity list counted, a cgroup v2 cpu.max read as CPUs.
import { describe, expect, it } from 'vitest';
import { countCpuList, quotaCpus, usableCpus } from '../../../src/snapshot/probe-os.js';

describe('usable CPUs', () => {
  it('counts Cpus_allowed_list ranges', () => {
    expect(countCpuList('0-3,8,10-11')).toBe(7);
    expect(countCpuList('0')).toBe(1);
  });

  it('reads cpu.max: a quota rounded up to whole CPUs, "max" as none', () => {
    expect(quotaCpus('200000 100000\n')).toBe(2);
    expect(quotaCpus('150000 100000')).toBe(2);
    expect(quotaCpus('50000 100000')).toBe(1);
    expect(quotaCpus('max 100000')).toBeNull();
    expect(quotaCpus('')).toBeNull();
  });

  it('this process: at most its affinity, at least one', async () => {
    const u = await usableCpus();
    expect(u.cpus).toBeGreaterThanOrEqual(1);
    expect(u.cpus).toBeLessThanOrEqual(u.affinity);
  });
});

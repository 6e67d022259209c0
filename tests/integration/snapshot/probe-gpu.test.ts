// The GPU probe against fake nvidia-smi/nvcc on PATH that replay real H100 output (and cases
// derived from it): one GPU, eight GPUs, a driver without CUDA, an old driver, a hang, garbage.
import { describe, expect, it } from 'vitest';
import { probeGpu } from '../../../src/snapshot/probe-gpu.js';
import { fakeGpuBin, fakeRoot } from '../../helpers/fake-tools.js';

const probe = async (bin: string, root?: string, timeoutMs = 5000) => probeGpu({ timeoutMs, env: { PATH: `${bin}:/usr/bin:/bin` }, fsRoot: root ?? (await fakeRoot()) });

describe('probeGpu', () => {
  it('one H100 (real output): driver, CUDA the driver runs, toolkit and cuDNN kept apart', async () => {
    const r = await probe(await fakeGpuBin('h100'), await fakeRoot({ cudnnHeader: true, cudaVersionJson: '13.0.1' }));
    expect(r.identity).toEqual({
      vendor: 'nvidia',
      driver: '580.159.04',
      cudaDriver: '13.0',
      count: 1,
      devices: [{ name: 'NVIDIA H100 80GB HBM3', memoryTotalMiB: 81559, computeCapability: '9.0', architecture: 'Hopper' }],
      toolkit: { nvcc: '13.0.88', versionJson: '13.0.1' },
      cudnn: '9.14.0',
    });
    expect(r.context).toEqual({ uuids: ['GPU-01bcfdc6-b913-4275-184e-11e0b73797bd'], pciBusIds: ['00000000:00:06.0'], memoryFreeMiB: [81079] });
    expect(r.notes).toEqual([]);
  });

  it('eight A100s', async () => {
    const r = await probe(await fakeGpuBin('a100x8'));
    expect(r.identity?.count).toBe(8);
    expect(new Set(r.identity?.devices.map((d) => d.architecture))).toEqual(new Set(['Ampere']));
    expect(r.identity?.cudaDriver).toBe('12.2');
    expect(r.identity?.toolkit.nvcc).toBe('12.2.140');
    expect(r.context?.uuids).toHaveLength(8);
  });

  it('a driver that reports no CUDA version', async () => {
    const r = await probe(await fakeGpuBin('no-cuda'));
    expect(r.identity?.count).toBe(1);
    expect(r.identity?.cudaDriver).toBeNull();
  });

  it('an old driver without compute_cap: asks again without it', async () => {
    const r = await probe(await fakeGpuBin('old-driver'));
    expect(r.identity?.devices).toEqual([{ name: 'Tesla V100-SXM2-16GB', memoryTotalMiB: 16160, computeCapability: null, architecture: null }]);
    expect(r.identity?.cudaDriver).toBe('11.4');
  });

  it('nvidia-smi that hangs: gives up within the time limit and says why', async () => {
    const started = Date.now();
    const r = await probe(await fakeGpuBin('hang'), undefined, 500);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.identity).toBeNull();
    expect(r.notes.join(' ')).toMatch(/did not finish within 500 ms/);
  });

  it('nvidia-smi that prints garbage: no GPU recorded, the reason kept', async () => {
    const r = await probe(await fakeGpuBin('garbage'));
    expect(r.identity).toBeNull();
    expect(r.notes.join(' ')).toMatch(/unexpected/);
  });

  it('no nvidia-smi at all: gpu null, reason "not found"', async () => {
    const r = await probeGpu({ timeoutMs: 2000, env: { PATH: '/nonexistent' }, fsRoot: await fakeRoot() });
    expect(r.identity).toBeNull();
    expect(r.notes).toEqual(['nvidia-smi not found']);
  });
});

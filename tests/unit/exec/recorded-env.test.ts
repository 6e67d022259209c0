// What of the snapshot's recorded environment a rerun is given (exec/recorded-env.ts).
import { describe, expect, it } from 'vitest';
import { recordedEnvironment } from '../../../src/exec/recorded-env.js';
import type { Snapshot } from '../../../src/snapshot/snapshot.js';

const snap = (env: Record<string, unknown>) => ({ identity: { env } }) as unknown as Snapshot;

describe('recordedEnvironment', () => {
  it('gives the determinism variables as recorded: BLAS core type, thread counts, hash seed, cuBLAS workspace, locale', () => {
    expect(recordedEnvironment(snap({ OPENBLAS_CORETYPE: 'Haswell', OMP_NUM_THREADS: '4', PYTHONHASHSEED: '0', CUBLAS_WORKSPACE_CONFIG: ':4096:8', LANG: 'C.UTF-8' }))).toEqual({ OPENBLAS_CORETYPE: 'Haswell', OMP_NUM_THREADS: '4', PYTHONHASHSEED: '0', CUBLAS_WORKSPACE_CONFIG: ':4096:8', LANG: 'C.UTF-8' });
  });

  it("not the recording machine's device placement, nor a redacted value, nor a name outside the set (--env extras)", () => {
    expect(recordedEnvironment(snap({ CUDA_VISIBLE_DEVICES: '3', CUDA_DEVICE_ORDER: 'PCI_BUS_ID', HF_TOKEN: { redacted: true }, MY_FLAG: '1' }))).toEqual({});
  });

  it('attack: a bundle\'s snapshot cannot set a loader variable, a NUL-bearing or huge value through its env section', () => {
    expect(recordedEnvironment(snap({ LD_PRELOAD: '/tmp/x.so', PYTHONPATH: '/evil', TZ: 'UTC\0x', XLA_FLAGS: 'x'.repeat(5000) }))).toEqual({});
    expect(recordedEnvironment(null)).toEqual({});
  });
});

// repro's own fetch of a hashed lock's wheels (src/pyindex/wheel-fetch.ts) against a real index on
// 127.0.0.1 serving real wheels: what it reports as it goes. Its choices are tested in
// tests/unit/pyindex/wheel-fetch.test.ts, its results against pip's in tests/e2e/vendor.test.ts.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgressReporter } from '../../../src/core/context.js';
import { silentLogger } from '../../../src/core/context.js';
import { fetchLockWheels } from '../../../src/pyindex/wheel-fetch.js';
import { ML_PYTHON, ML_REASON, SKIP_ML } from '../../helpers/ml-python.js';
import { tempDir } from '../../helpers/project.js';
import { hashedLock, startWheelIndex, WHEELHOUSE, type WheelIndex } from '../../helpers/wheel-index.js';

const PROJECTS = ['cycler', 'cachetools', 'zipp', 'threadpoolctl'];

/** A progress reporter that keeps every call. */
function recorder() {
  const calls: Array<{ start: [string, number, string | undefined] } | { tick: number } | 'stop'> = [];
  const progress: ProgressReporter = { start: (l, t, u) => calls.push({ start: [l, t, u] }), tick: (n) => calls.push({ tick: n }), stop: () => calls.push('stop') };
  const ticked = () => calls.reduce((a, c) => a + (typeof c === 'object' && 'tick' in c ? c.tick : 0), 0);
  return { calls, progress, ticked };
}

const ENV = { PIP_CONFIG_FILE: '/dev/null', HOME: '/nonexistent' };

describe.skipIf(SKIP_ML)('fetchLockWheels: progress', () => {
  let index: WheelIndex | null = null;
  afterEach(async () => {
    await index?.close();
    index = null;
  });

  const fetchWith = async (lock: string, progress: ProgressReporter, store = tempDir()) => {
    if (!ML_PYTHON) throw new Error(ML_REASON);
    return fetchLockWheels({ requirementsText: lock, lock: 'requirements.txt', python: ML_PYTHON, env: ENV, store, who: 'test', log: silentLogger, progress });
  };

  it('from an index that gives sizes (PEP 700): a bar of bytes, its total the wheels\' sizes, ticked to the end, then stopped', async () => {
    index = await startWheelIndex(PROJECTS, { json: true });
    const total = [...index.wheels.keys()].reduce((a, f) => a + statSync(path.join(WHEELHOUSE, f)).size, 0);
    const { calls, progress, ticked } = recorder();
    const got = await fetchWith(hashedLock(index), progress);
    expect('wheels' in got && got.wheels.map((w) => w.package).sort()).toEqual([...PROJECTS].sort());
    expect(calls[0]).toEqual({ start: [`fetching ${PROJECTS.length} wheels`, total, 'bytes'] });
    expect(ticked()).toBe(total);
    expect(calls.at(-1)).toBe('stop');
    // Ticked as the bytes arrived, not once per wheel.
    expect(calls.filter((c) => typeof c === 'object' && 'tick' in c).length).toBeGreaterThanOrEqual(PROJECTS.length);
  });

  it('from an HTML index (no sizes): a bar of wheels, one tick each; wheels already in the store count too', async () => {
    index = await startWheelIndex(PROJECTS);
    const store = tempDir();
    const first = recorder();
    await fetchWith(hashedLock(index), first.progress, store);
    expect(first.calls[0]).toEqual({ start: [`fetching ${PROJECTS.length} wheels`, PROJECTS.length, 'items'] });
    expect(first.calls.filter((c) => typeof c === 'object' && 'tick' in c)).toEqual(PROJECTS.map(() => ({ tick: 1 })));
    const again = recorder();
    await fetchWith(hashedLock(index), again.progress, store);
    expect(again.ticked()).toBe(PROJECTS.length);
    expect(again.calls.at(-1)).toBe('stop');
  });

  it('a wheel that is not what the lock hashes: E_INTEGRITY, and the bar is stopped', async () => {
    const zipp = readdirSync(WHEELHOUSE).find((f) => f.startsWith('zipp-') && f.endsWith('.whl'))!;
    index = await startWheelIndex(PROJECTS, { json: true, serve: new Map([[zipp, Buffer.from('not the wheel')]]) });
    const { calls, progress } = recorder();
    await expect(fetchWith(hashedLock(index), progress)).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    expect(calls.at(-1)).toBe('stop');
  });
});

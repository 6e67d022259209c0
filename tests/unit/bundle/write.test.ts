import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SYNC_EVERY, SyncBehind } from '../../../src/bundle/write.js';

const dirs: string[] = [];
/** Far above any descriptor a test process has open. */
const NOT_OPEN = 1_000_000;
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SyncBehind (write-behind flushing of the bundle file)', () => {
  it('flushes once the writes before it are done, and settles', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-sync-'));
    dirs.push(dir);
    const file = path.join(dir, 'b');
    const fd = openSync(file, 'w');
    const behind = new SyncBehind(fd);
    let wrote = false;
    const pending = new Promise<void>((resolve) => setTimeout(() => {
      writeSync(fd, Buffer.from('bytes'));
      wrote = true;
      resolve();
    }, 20));
    behind.wrote(SYNC_EVERY, [pending]);
    await behind.settle();
    expect(wrote).toBe(true);
    closeSync(fd);
    expect(readFileSync(file, 'utf8')).toBe('bytes');
  });

  it('does nothing below SYNC_EVERY bytes', async () => {
    // A descriptor that is not open: a flush would fail, so none was made.
    const behind = new SyncBehind(NOT_OPEN);
    behind.wrote(SYNC_EVERY - 1, []);
    await expect(behind.settle()).resolves.toBeUndefined();
  });

  it('a failed flush fails the write (settle throws it)', async () => {
    const behind = new SyncBehind(NOT_OPEN);
    behind.wrote(SYNC_EVERY - 1, []);
    behind.wrote(1, []);
    await expect(behind.settle()).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('a write that failed before the flush fails it too', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-sync-'));
    dirs.push(dir);
    const fd = openSync(path.join(dir, 'b'), 'w');
    const behind = new SyncBehind(fd);
    const failed = Promise.reject(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    failed.catch(() => {});
    behind.wrote(SYNC_EVERY, [failed]);
    await expect(behind.settle()).rejects.toMatchObject({ code: 'ENOSPC' });
    closeSync(fd);
  });
});

// uv.lock churn that does not change what is installed (issue 29): uv rewrites `revision`, the
// `exclude-newer` options and every artifact's `upload-time` without any package changing.
// `repro diff` must say the lock's bytes changed (info) and nothing about its packages; a real
// change beside the churn is still named. On the real uv.lock of pydantic-ai (../shared).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffLockfiles } from '../../../src/diff/sections.js';
import { findLockfiles } from '../../../src/lockfile/find.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const REAL = path.resolve(REPO_ROOT, '..', 'shared', 'real-locks', 'uv-pydantic-ai', 'uv.lock');

async function recordOf(text: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-uv-churn-'));
  writeFileSync(path.join(dir, 'uv.lock'), text);
  return (await findLockfiles(dir)).records;
}

/** What uv writes again with nothing installed changing: another revision, another exclude-newer window, upload times dropped or moved. */
function churn(text: string): string {
  let n = 0;
  return text
    .replace(/^revision = 3$/m, 'revision = 4')
    .replace('exclude-newer-span = "P7D"', 'exclude-newer-span = "P14D"')
    .replace('exclude-newer = "0001-01-01T00:00:00Z"', 'exclude-newer = "2026-12-01T00:00:00Z"')
    .replace(/, upload-time = "[^"]+"/g, (m) => (n++ % 2 === 0 ? '' : m.replace(/"\d{4}/, '"2027')));
}

describe('uv.lock churn', () => {
  it('revision, exclude-newer, exclude-newer-span and upload-time changes are one info change: bytes, not packages', async () => {
    const original = readFileSync(REAL, 'utf8');
    const churned = churn(original);
    expect(churned).not.toBe(original);
    expect(churned.match(/upload-time/g)!.length).toBeLessThan(original.match(/upload-time/g)!.length);
    const [a, b] = [await recordOf(original), await recordOf(churned)];
    expect(a[0]!.packageCount).toBe(b[0]!.packageCount);
    expect(diffLockfiles(a, b)).toEqual([expect.objectContaining({ field: 'uv.lock', severity: 'info', reason: 'lockfile bytes changed, packages did not' })]);
  });

  it('a real change beside the churn is still named, as a package change', async () => {
    const original = readFileSync(REAL, 'utf8');
    const bumped = churn(original).replace(/^(name = "ag-ui-protocol"\nversion = )"0\.1\.19"/m, '$1"0.2.0"');
    const changes = diffLockfiles(await recordOf(original), await recordOf(bumped));
    expect(changes).toEqual([expect.objectContaining({ field: 'uv.lock:ag-ui-protocol', a: '0.1.19', b: '0.2.0', severity: 'warning' })]);
  });
});

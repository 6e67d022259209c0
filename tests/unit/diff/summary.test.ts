// The diff summary: what matters first (interpreter, frameworks with CUDA/cuDNN, GPU, OS),
// package changes grouped, and a screen for the case issue 19 measured at 146 lines: Debian's
// python3 with torch 1.13 against another interpreter.
import { describe, expect, it } from 'vitest';
import { change, type Change } from '../../../src/diff/change.js';
import { overview } from '../../../src/diff/summary.js';
import { renderDiff } from '../../../src/cli/render/diff.js';
import type { SnapshotDiff } from '../../../src/diff/diff-snapshots.js';

function issueCase(): Change[] {
  const out: Change[] = [
    change('python', 'version', '3.11.2', '3.12.1', 'breaking', 'minor version changed'),
    change('python', 'packages.torch', '1.13.0a0', null, 'breaking', 'package missing'),
    change('python', 'frameworks.torch.cuda', null, '12.1', 'warning', 'the CUDA torch was built with: now known'),
    change('gpu', 'driver', '535.1', '550.2', 'warning', 'another driver'),
    change('os', 'kernel', '6.1', '6.2', 'info', 'another kernel release'),
    change('env', 'PYTHONHASHSEED', '0', null, 'breaking', 'hash randomization'),
  ];
  for (let i = 0; i < 45; i++) out.push(change('python', `packages.pkg${String(i).padStart(2, '0')}`, '1.0', null, 'breaking', 'package missing'));
  for (let i = 0; i < 60; i++) out.push(change('python', `packages.new${i}`, null, '2.0', 'warning', 'package added'));
  out.push(change('python', 'packages.numpy', '1.24.2', '2.1.0', 'breaking', 'major version changed'));
  out.push(change('python', 'packages.six', '1.16.0', '1.17.0', 'warning', 'minor version changed'));
  out.push(change('lockfiles', 'requirements.txt:scipy', '1.10.1', '1.11.0', 'warning', 'minor version changed'));
  return out;
}

describe('overview', () => {
  const o = overview(issueCase());

  it('puts the interpreter, the frameworks (with CUDA), the GPU and the OS first', () => {
    expect(o.interpreter.map((c) => c.field)).toEqual(['version']);
    expect(o.frameworks.map((c) => c.field)).toEqual(['packages.torch', 'frameworks.torch.cuda', 'packages.numpy']);
    expect(o.gpu.map((c) => c.field)).toEqual(['driver']);
    expect(o.os).toEqual([]); // info only
  });

  it('groups package changes: missing, added, major, minor, with lockfile rows named by their file', () => {
    expect(o.packages.missing).toHaveLength(45);
    expect(o.packages.added).toHaveLength(60);
    expect(o.packages.major).toEqual([]);
    expect(o.packages.minor).toEqual(['six', 'requirements.txt:scipy']);
    expect(o.rest.map((c) => c.field)).toEqual(['PYTHONHASHSEED']);
  });

  it('counts per severity and per section', () => {
    expect(o.counts).toEqual({ breaking: 49, warning: 64, info: 1 });
    expect(o.sections.python).toEqual({ breaking: 48, warning: 62, info: 0 });
  });
});

describe('renderDiff', () => {
  const changes = issueCase();
  const diff: SnapshotDiff = { identical: false, a: { snapshotDigest: 'sha256:aaaa', capturedAt: 't1', hostname: 'h' }, b: { snapshotDigest: 'sha256:bbbb', capturedAt: 't2', hostname: 'h' }, summary: overview(changes).counts, overview: overview(changes), changes };

  it('fits on one screen (24 lines), leading with the interpreter and torch disappearing', () => {
    const text = renderDiff(diff, 'debian.json', 'other.json', false);
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(lines[3]).toBe('interpreter python version 3.11.2 -> 3.12.1  [breaking: minor version changed]');
    expect(lines[4]).toBe('frameworks  torch 1.13.0a0 -> (missing)  [breaking: package missing]');
    expect(text).toMatch(/packages\s+45 missing\s+pkg00, pkg01, pkg02, pkg03, pkg04, pkg05, … \(\+39\)/);
    expect(text).toMatch(/60 added/);
    expect(text).toContain('49 breaking, 64 warning, 1 info');
    expect(text).toMatch(/breaking\s+env\s+PYTHONHASHSEED/);
    expect(text).toContain('114 differences in all');
  });

  it('--all keeps the full table, every row', () => {
    const text = renderDiff(diff, 'a', 'b', true);
    expect(text.trimEnd().split('\n').length).toBe(2 + 1 + 1 + changes.length + 2);
    expect(text).toMatch(/breaking\s+python\s+packages\.pkg44/);
  });
});

// A build killed with SIGKILL at any moment leaves no file at the output path (or the complete
// earlier bundle) and no temp file that a later build trips on; the next build succeeds.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyBundle } from '../../src/bundle/verify.js';
import { CLI, runCli } from '../helpers/cli.js';
import { makeProject, tempDir } from '../helpers/project.js';

function killAfter(args: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('SIGKILL during build', () => {
  it('never leaves a partial bundle at the output path', async () => {
    const files: Record<string, Buffer | string> = {};
    for (let i = 0; i < 40; i++) files[`data/part-${String(i).padStart(2, '0')}.bin`] = randomBytes(1 << 20);
    const root = await makeProject(files);
    const out = path.join(tempDir(), 'out');
    const target = path.join(out, 'proj-0.0.0.repro.tar.zst');
    // Delays spread over the whole build (about 0.3-1 s here), from before planning to after rename.
    const delays = Array.from({ length: 12 }, (_, i) => 40 + i * 90);
    let killedWhileWriting = 0;
    for (const ms of delays) {
      await killAfter(['build', root, '-o', out, '--no-lock', '--compression', 'gzip'], ms);
      const names = await fs.readdir(out).catch(() => [] as string[]);
      for (const name of names) {
        if (name.startsWith('.repro-tmp-')) {
          killedWhileWriting++; // a dead build's temp: removed by the next build
          continue;
        }
        expect(name).toBe(path.basename(target).replace('.zst', '.gz'));
        await verifyBundle(path.join(out, name)); // anything at the output path is complete
      }
    }
    expect(killedWhileWriting).toBeGreaterThan(0);
    const run = await runCli(['build', root, '-o', out, '--no-lock', '--json']);
    expect(run.code).toBe(0);
    await verifyBundle(target);
    const after = await fs.readdir(out);
    expect(after.filter((n) => n.startsWith('.repro-tmp-'))).toEqual([]);
  });
});

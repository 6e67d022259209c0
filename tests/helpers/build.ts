// Builds against real temp directories: in process (build), or through the built binary from a
// table of files (buildWithCli).
import path from 'node:path';
import { expect } from 'vitest';
import { runBuild, type BuildOptions, type BuildResult } from '../../src/builder/build.js';
import { testContext } from './context.js';
import { runCli } from './cli.js';
import { makeProject, tempDir, type FileSpec } from './project.js';

export async function build(root: string, options: Partial<BuildOptions> = {}, env: Record<string, string> = {}): Promise<BuildResult> {
  return runBuild(
    { dir: root, compression: 'zstd', outDir: path.join(tempDir('repro-out-'), 'out'), noLock: true, ...options },
    testContext({ cwd: root, env: { PATH: process.env.PATH, ...env }, now: () => new Date() }),
  );
}

/** `repro build` of a project made from FILES, through the binary; the bundle's path. */
export async function buildWithCli(files: Record<string, FileSpec>): Promise<string> {
  const root = await makeProject(files);
  const r = await runCli(['build', root, '-o', path.join(root, 'out-bundle'), '--json', '--no-progress']);
  expect(r.code, r.stderr).toBe(0);
  return r.json().result.bundle;
}

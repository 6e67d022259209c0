// In-process builds against real temp directories.
import path from 'node:path';
import { runBuild, type BuildOptions, type BuildResult } from '../../src/builder/build.js';
import { testContext } from './context.js';
import { tempDir } from './project.js';

export async function build(root: string, options: Partial<BuildOptions> = {}, env: Record<string, string> = {}): Promise<BuildResult> {
  return runBuild(
    { dir: root, compression: 'zstd', outDir: path.join(tempDir('repro-out-'), 'out'), noLock: true, ...options },
    testContext({ cwd: root, env: { PATH: process.env.PATH, ...env }, now: () => new Date() }),
  );
}

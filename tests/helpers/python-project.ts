// A Python project the locked-environment and vendoring tests share: its own venv (made offline
// from the wheelhouse, Debian's python3 as base) with sqlparse, snapshotted with it, and a hashed
// lock naming a loopback index.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { runCli } from './cli.js';
import { makeProject, tempDir } from './project.js';
import { WHEELHOUSE } from './wheel-index.js';

const run = promisify(execFile);
export const SYSTEM_PY = '/usr/bin/python3';
export const SQLPARSE_TRAIN = 'import sqlparse\nprint("sqlparse", sqlparse.__version__)\n';

/** The project's folder: train.py importing sqlparse, requirements.lock.txt pinning sqlparse 0.6.1 by `sha256` from `indexUrl`, and its snapshot. */
export async function sqlparseProject(indexUrl: string, sha256: string, extra: Record<string, string> = {}): Promise<string> {
  const venv = path.join(tempDir(), 'venv');
  await run(SYSTEM_PY, ['-m', 'venv', '--without-pip', venv]);
  await run(SYSTEM_PY, ['-m', 'pip', '--python', path.join(venv, 'bin', 'python'), 'install', '--quiet', '--no-index', '--find-links', WHEELHOUSE, '--no-deps', 'sqlparse==0.6.1'], { env: { PATH: '/usr/bin:/bin', HOME: tempDir(), PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
  const root = await makeProject({ 'pyproject.toml': '[project]\nname = "sqlparse-demo"\nversion = "0.1.0"\n', 'train.py': SQLPARSE_TRAIN, 'requirements.lock.txt': `--index-url ${indexUrl}\nsqlparse==0.6.1 \\\n    --hash=sha256:${sha256}\n`, ...extra });
  expect((await runCli(['snapshot', root, '--python', path.join(venv, 'bin', 'python'), '--no-import'])).code).toBe(0);
  return root;
}

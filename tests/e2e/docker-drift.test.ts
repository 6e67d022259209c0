// Under --backend docker the drift check describes the image's Python, probed in a container of
// the image (no network, nothing mounted), not the host's: an image that lacks a package the
// snapshot recorded is breaking drift before the run, and --strict refuses to start it (issue 30:
// "the image lacked pandas; drift said nothing; the run died with ModuleNotFoundError").
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DOCKER_BASE_IMAGE, DOCKER_REASON, SKIP_DOCKER } from '../helpers/docker.js';
import { ML_REASON, SKIP_ML } from '../helpers/ml-python.js';
import { tempDir } from '../helpers/project.js';
import { sqlparseProject } from '../helpers/python-project.js';
import { startWheelIndex, type WheelIndex } from '../helpers/wheel-index.js';

describe.skipIf(SKIP_ML)(`the drift check under Docker${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  let index: WheelIndex;
  beforeAll(async () => {
    index = await startWheelIndex(['sqlparse']);
  });
  afterAll(async () => index?.close());

  it('describes the image\'s python, not the host\'s: a package the snapshot had and the image lacks is breaking drift, and --strict refuses before the run', async () => {
    if (!DOCKER_BASE_IMAGE) {
      if (SKIP_DOCKER) return expect(DOCKER_REASON).toBeTruthy();
      throw new Error(`CI has no Docker test environment: ${DOCKER_REASON}`);
    }
    const sha = [...index.wheels.entries()].find(([f]) => f.startsWith('sqlparse-0.6.1-'))![1];
    // The snapshot's venv has sqlparse; the project carries no lock, so its image installs nothing.
    const root = await sqlparseProject(index.url, sha, { 'repro.yaml': 'name: sqlparse-demo\nversion: 0.1.0\nentry_points:\n  main:\n    command: python3 train.py\n' });
    await fs.rm(path.join(root, 'requirements.lock.txt'));
    const built = await runCli(['build', root, '--base-image', DOCKER_BASE_IMAGE, '--json']);
    expect(built.code, built.stderr).toBe(0);
    const bundle = built.json().result.bundle as string;
    const strict = await runCli(['exec', bundle, 'main', '--backend', 'docker', '--strict', '--out', path.join(tempDir(), 'r1'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(strict.code, strict.stderr.slice(-2000)).toBe(5);
    expect(strict.stderr).toMatch(/exec: the drift check describes the image's \/usr\/bin\/python3 \(3\.\d+\.\d+, \d+ distributions\), probed in a container with no network/);
    expect(strict.json().error.details.changes).toEqual(expect.arrayContaining([expect.objectContaining({ section: 'python', field: 'packages.sqlparse', severity: 'breaking' })]));
    expect(strict.stderr).not.toContain('ModuleNotFoundError');
    // Without --strict it runs, and the record says what the drift check saw.
    const ran = await runCli(['exec', bundle, 'main', '--backend', 'docker', '--out', path.join(tempDir(), 'r2'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(ran.stderr).toContain("No module named 'sqlparse'");
    expect(ran.json().result.machine.changes).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'packages.sqlparse', a: '0.6.1', b: null })]));
  });
});

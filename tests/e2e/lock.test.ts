// `repro lock` (issue 30: a lock from the snapshot when the project has none with hashes), run as
// the built binary against a PEP 503/691 index on loopback serving the pinned tools' real wheels.
// What it writes is checked by pip 26.3 itself: `pip install --require-hashes --no-deps` of the
// lock installs exactly the versions the snapshot recorded, and the Dockerfile installs from it.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ML_PYTHON, ML_REASON, SKIP_ML } from '../helpers/ml-python.js';
import { makeProject, tempDir } from '../helpers/project.js';
import { startWheelIndex, type WheelIndex } from '../helpers/wheel-index.js';
import { identityDigest } from '../../src/snapshot/identity.js';
import type { Snapshot } from '../../src/snapshot/snapshot.js';

/** A snapshot edited by the test, with its digest made again (repro refuses one whose digest does not match). */
async function writeSnapshot(file: string, snapshot: Snapshot): Promise<void> {
  snapshot.snapshotDigest = identityDigest(snapshot.identity);
  await fs.writeFile(file, JSON.stringify(snapshot));
}

const run = promisify(execFile);

describe.skipIf(SKIP_ML)(`repro lock${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  let index: WheelIndex;
  let root: string;
  let recorded: Record<string, string>;

  beforeAll(async () => {
    index = await startWheelIndex(undefined, { json: true });
    // Made here, not with makeProject: its folder is removed after each test, and this one serves them all.
    root = mkdtempSync(path.join(os.tmpdir(), 'repro-lock-'));
    writeFileSync(path.join(root, 'train.py'), 'import numpy\n');
    const snap = await runCli(['snapshot', root, '--python', ML_PYTHON!, '--no-import']);
    expect(snap.code, snap.stderr).toBe(0);
    recorded = JSON.parse(await fs.readFile(path.join(root, 'repro.snapshot.json'), 'utf8')).identity.python.packages;
  });
  afterAll(async () => {
    await index?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('writes every recorded version (pip left out) with its file hashes; pip installs exactly that set with --require-hashes; a second run changes nothing', async () => {
    // The venv's setuptools is the one Debian's ensurepip bundles (66.1.1): PyPI has it, the test's wheelhouse does not.
    const out = await runCli(['lock', root, '--index-url', index.url, '--exclude', 'setuptools', '--json']);
    expect(out.code, out.stdout).toBe(0);
    const r = out.json().result;
    expect(r.written).toBe(true);
    expect(r.excluded).toEqual([{ name: 'pip', why: expect.stringContaining('installer') }, { name: 'setuptools', why: 'named with --exclude' }]);
    const lock = path.join(root, 'requirements.lock.txt');
    const text = await fs.readFile(lock, 'utf8');
    for (const p of r.packages) for (const h of p.hashes) expect([...index.wheels.values()]).toContain(h.replace('sha256:', ''));
    // pip's own reading of the lock: what it would install, and from which files.
    const env = { PATH: '/usr/bin:/bin', HOME: tempDir(), PIP_CONFIG_FILE: '/dev/null', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_CACHE_DIR: '1' };
    const { stdout } = await run(ML_PYTHON!, ['-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--quiet', '--report', '-', '--require-hashes', '--no-deps', '-r', lock], { env, maxBuffer: 64 << 20 });
    const installs = (JSON.parse(stdout) as { install: Array<{ metadata: { name: string; version: string } }> }).install.map((i) => `${i.metadata.name.toLowerCase().replace(/[-_.]+/g, '-')}==${i.metadata.version}`).sort();
    const want = Object.entries(recorded).filter(([n]) => n !== 'pip' && n !== 'setuptools').map(([n, v]) => `${n}==${v}`).sort();
    expect(installs).toEqual(want);
    expect(text).toContain(`--index-url ${index.url}\n`);
    const again = await runCli(['lock', root, '--index-url', index.url, '--exclude', 'setuptools']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^unchanged: .*requirements\.lock\.txt: \d+ packages of Python 3\.\d+\.\d+/);
    // The Dockerfile installs from it (a hashed requirements file is the lock it takes first).
    const docker = await runCli(['dockerfile', root, '--base-image', `python:3.11-slim@sha256:${'0'.repeat(64)}`, '--json']);
    expect(docker.json().result.lock).toBe('requirements.lock.txt');
  });

  it('a version no index serves fails before anything is written, naming it; --exclude leaves it out', async () => {
    const dir = await makeProject({ 'train.py': '' });
    const snapshot = JSON.parse(await fs.readFile(path.join(root, 'repro.snapshot.json'), 'utf8'));
    snapshot.identity.python.packages = { 'my-project': '0.1.0', numpy: '9.9.9', packaging: recorded.packaging };
    await writeSnapshot(path.join(dir, 's.json'), snapshot);
    const out = await runCli(['lock', dir, '--snapshot', path.join(dir, 's.json'), '--index-url', index.url, '--json']);
    expect(out.code).toBe(3);
    expect(out.json().error).toMatchObject({ code: 'E_CONFIG', details: { missing: ['my-project==0.1.0', 'numpy==9.9.9'] } });
    expect(existsSync(path.join(dir, 'requirements.lock.txt'))).toBe(false);
    snapshot.identity.python.packages.numpy = recorded.numpy;
    await writeSnapshot(path.join(dir, 's.json'), snapshot);
    const ok = await runCli(['lock', dir, '--snapshot', path.join(dir, 's.json'), '--index-url', index.url, '--exclude', 'my-project', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json().result.excluded.map((e: { name: string }) => e.name)).toEqual(['my-project']);
    expect(ok.json().result.packages.map((p: { name: string }) => p.name)).toEqual(['numpy', 'packaging']);
  });

  it('attack: credentials in the index URL authenticate the requests and are written nowhere (the lock, --json, the log)', async () => {
    const requests: Array<{ path: string; authorization: string | null }> = [];
    const secured = await startWheelIndex(['numpy'], { authorization: `Basic ${Buffer.from('ci:s3cret-token').toString('base64')}`, requests });
    try {
      const dir = await makeProject({ 'train.py': '' });
      const snapshot = JSON.parse(await fs.readFile(path.join(root, 'repro.snapshot.json'), 'utf8'));
      snapshot.identity.python.packages = { numpy: recorded.numpy };
      await writeSnapshot(path.join(dir, 'repro.snapshot.json'), snapshot);
      const url = secured.url.replace('http://', 'http://ci:s3cret-token@');
      const out = await runCli(['lock', dir, '--index-url', url, '--json']);
      expect(out.code, out.stderr).toBe(0);
      expect(requests.length).toBeGreaterThan(0);
      const text = await fs.readFile(path.join(dir, 'requirements.lock.txt'), 'utf8');
      for (const s of [text, out.stdout, out.stderr]) expect(s).not.toContain('s3cret-token');
      expect(text).toContain(`--index-url ${secured.url}\n`);
      const denied = await runCli(['lock', dir, '--index-url', secured.url, '--json']);
      expect(denied.code).toBe(5);
      expect(denied.json().error.message).toContain('answered 401');
    } finally {
      await secured.close();
    }
  });
});

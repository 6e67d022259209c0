// pylock.toml against the tools that write and read it (issue 29), on real wheels served from a
// loopback index (tests/helpers/wheel-index.ts): pip 26.3 writes one with `pip lock` and reads it
// with `pip install -r pylock.toml`; uv 0.13.9 writes one with `uv pip compile --format
// pylock.toml` and reads it with `uv pip install`. repro's record of each file must be exactly
// what the tool itself installs from it (names, versions, the artifact hashes), and the hashed
// requirements repro's Dockerfile installs from must make pip install the same set.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planInstall } from '../../../src/dockerfile/install-lock.js';
import { findLockfiles } from '../../../src/lockfile/find.js';
import { ML_PYTHON, ML_REASON, SKIP_ML } from '../../helpers/ml-python.js';
import { tempDir } from '../../helpers/project.js';
import { startWheelIndex, type WheelIndex } from '../../helpers/wheel-index.js';

const run = promisify(execFile);
const PROJECTS = ['requests', 'certifi', 'charset-normalizer', 'idna', 'urllib3', 'pyyaml', 'packaging'];
const WANT = ['requests==2.34.2', 'pyyaml==6.0.4', 'packaging==24.2'];

interface Installed {
  name: string;
  version: string;
  sha256: string | null;
}

describe.skipIf(SKIP_ML)(`pylock.toml as pip and uv write and read it${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  let index: WheelIndex;
  let bin: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    index = await startWheelIndex(PROJECTS);
    bin = path.dirname(ML_PYTHON!);
    const cache = tempDir();
    env = { PATH: `${bin}:/usr/bin:/bin`, HOME: cache, PIP_CONFIG_FILE: '/dev/null', PIP_CACHE_DIR: path.join(cache, 'pip'), PIP_DISABLE_PIP_VERSION_CHECK: '1', UV_CACHE_DIR: path.join(cache, 'uv'), UV_NO_CONFIG: '1', UV_PYTHON_DOWNLOADS: 'never' };
  });
  afterAll(async () => index?.close());

  /** What pip 26.3 installs from a requirements file or a pylock.toml, from its --report (nothing installed). */
  async function pipReads(file: string, ...flags: string[]): Promise<Installed[]> {
    const { stdout } = await run(ML_PYTHON!, ['-m', 'pip', 'install', '--dry-run', '--ignore-installed', '--quiet', '--report', '-', '--index-url', index.url, ...flags, '-r', file], { env, maxBuffer: 64 << 20 });
    const report = JSON.parse(stdout) as { install: Array<{ metadata: { name: string; version: string }; download_info: { archive_info?: { hashes?: Record<string, string> } } }> };
    return report.install.map((i) => ({ name: i.metadata.name.toLowerCase().replace(/[-_.]+/g, '-'), version: i.metadata.version, sha256: i.download_info.archive_info?.hashes?.sha256 ?? null })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** repro's record of the project's one lock, as name, version and its sha256 hashes. */
  async function reproReads(dir: string) {
    const { records, warnings } = await findLockfiles(dir);
    expect(records).toHaveLength(1);
    expect(records[0]!.error).toBeUndefined();
    return { record: records[0]!, warnings: warnings[records[0]!.path] ?? [] };
  }

  it('pip lock: repro records exactly the packages, versions and wheel hashes pip installs from the file', async () => {
    const dir = tempDir();
    await run(ML_PYTHON!, ['-m', 'pip', 'lock', '--quiet', '--index-url', index.url, '-o', path.join(dir, 'pylock.toml'), ...WANT], { env });
    const pip = await pipReads(path.join(dir, 'pylock.toml'));
    expect(pip.map((p) => p.name)).toEqual(['certifi', 'charset-normalizer', 'idna', 'packaging', 'pyyaml', 'requests', 'urllib3']);
    const { record, warnings } = await reproReads(dir);
    expect(record.format).toBe('pylock.toml');
    expect(record.packages.map((p) => ({ name: p.name, version: p.version, sha256: p.hashes.map((h) => h.replace(/^sha256:/, ''))[0] ?? null })).sort((a, b) => a.name.localeCompare(b.name))).toEqual(pip);
    // Every hash is the served wheel's own.
    for (const p of pip) expect([...index.wheels.values()]).toContain(p.sha256);
    expect(warnings).toEqual([]);
  });

  it('uv pip compile --format pylock.toml: repro records exactly what uv pip install would install from it', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'requirements.in'), `${WANT.join('\n')}\n`);
    await run(path.join(bin, 'uv'), ['pip', 'compile', '--quiet', '--format', 'pylock.toml', '--python', ML_PYTHON!, '--index-url', index.url, '-o', path.join(dir, 'pylock.toml'), path.join(dir, 'requirements.in')], { env });
    const venv = path.join(tempDir(), 'venv');
    await run(path.join(bin, 'uv'), ['venv', '--quiet', '--python', ML_PYTHON!, venv], { env });
    const { stderr } = await run(path.join(bin, 'uv'), ['pip', 'install', '--dry-run', '--python', path.join(venv, 'bin', 'python'), '--index-url', index.url, '-r', path.join(dir, 'pylock.toml')], { env });
    const uv = [...stderr.matchAll(/^ \+ (\S+)==(\S+)$/gm)].map((m) => `${m[1]}==${m[2]}`).sort();
    expect(uv).toHaveLength(7);
    // The requirements.in beside it is a requirements file of its own: read the lock alone.
    const lockOnly = path.join(dir, 'only');
    mkdirSync(lockOnly);
    copyFileSync(path.join(dir, 'pylock.toml'), path.join(lockOnly, 'pylock.toml'));
    const { record } = await reproReads(lockOnly);
    expect(record.packages.map((p) => `${p.name}==${p.version}`).sort()).toEqual(uv);
    // uv pip compile names no index per package (even with --emit-index-url): each wheel's URL is where it comes from.
    expect(record.packages.filter((p) => p.hashes.length !== 1 || !p.source?.startsWith(`${index.url.replace(/\/simple$/, '')}/files/`))).toEqual([]);
  });

  it.each(['pip lock', 'uv pip compile'])('the hashed requirements repro exports for the image from a %s pylock.toml make pip install the same set (--require-hashes, --no-deps)', async (tool) => {
    const dir = tempDir();
    if (tool === 'pip lock') {
      await run(ML_PYTHON!, ['-m', 'pip', 'lock', '--quiet', '--index-url', index.url, '-o', path.join(dir, 'pylock.toml'), ...WANT], { env });
    } else {
      const input = path.join(tempDir(), 'requirements.in');
      writeFileSync(input, `${WANT.join('\n')}\n`);
      await run(path.join(bin, 'uv'), ['pip', 'compile', '--quiet', '--format', 'pylock.toml', '--python', ML_PYTHON!, '--index-url', index.url, '-o', path.join(dir, 'pylock.toml'), input], { env });
    }
    const plan = await planInstall(dir, 'python', null);
    expect(plan.lock).toBe('pylock.toml');
    const exported = path.join(tempDir(), 'requirements.txt');
    writeFileSync(exported, plan.files[0]!.text);
    const fromExport = await pipReads(exported, '--no-deps', '--require-hashes');
    expect(fromExport).toEqual(await pipReads(path.join(dir, 'pylock.toml')));
  });
});

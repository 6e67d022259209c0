// PEP 751 pylock.toml and conda explicit specs (issue 29): what each records, what each warns
// about, and hostile or future files recorded with a reason, never silently skipped.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isExplicitSpec, parseCondaExplicit } from '../../../src/lockfile/conda-explicit.js';
import { findLockfiles } from '../../../src/lockfile/find.js';
import { parsePylock, PYLOCK_NAME } from '../../../src/lockfile/pylock.js';

const H = (c: string) => c.repeat(64);

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-locks-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe('pylock.toml (PEP 751)', () => {
  it('reads an index package with sdist and wheel hashes, a VCS commit, an archive and the project directory', () => {
    const lock = parsePylock(`lock-version = "1.0"
created-by = "test"

[[packages]]
name = "Torch_Audio"
version = "2.3.1"
index = "https://user:pw@pypi.example/simple"
marker = "sys_platform == 'linux'"
sdist = { url = "https://x/t.tar.gz", hashes = { sha256 = "${H('a')}" } }
wheels = [{ url = "https://x/t.whl", hashes = { SHA256 = "${H('B')}", blake2b = "${'c'.repeat(128)}" } }]

[[packages]]
name = "tool"
vcs = { type = "git", url = "https://github.com/acme/tool.git", commit-id = "${'d'.repeat(40)}" }

[[packages]]
name = "floating"
vcs = { type = "git", url = "https://github.com/acme/floating.git", requested-revision = "main" }

[[packages]]
name = "model-utils"
version = "1.0"
archive = { url = "https://x/m.zip", hashes = { sha256 = "${H('e')}" } }

[[packages]]
name = "app"
directory = { path = "." , editable = true }
`);
    expect(lock.packages).toEqual([
      { name: 'torch-audio', version: '2.3.1', source: 'https://pypi.example/simple', hashes: [`blake2b:${'c'.repeat(128)}`, `sha256:${H('a')}`, `sha256:${H('b')}`], platform: "sys_platform == 'linux'" },
      { name: 'tool', version: null, source: `git+https://github.com/acme/tool.git@${'d'.repeat(40)}`, hashes: [] },
      { name: 'floating', version: null, source: 'git+https://github.com/acme/floating.git@', hashes: [] },
      { name: 'model-utils', version: '1.0', source: 'https://x/m.zip', hashes: [`sha256:${H('e')}`] },
      { name: 'app', version: null, source: '.', hashes: [] },
    ]);
    expect(lock.warnings.map((w) => `${w.code} ${w.package}`)).toEqual(['PLATFORM_SPECIFIC torch-audio', 'UNPINNED floating', 'LOCAL_PATH app']);
  });

  it('uv omits packages when there are none: an empty lock, not an error', () => {
    expect(parsePylock('lock-version = "1.0"\ncreated-by = "uv"\n').packages).toEqual([]);
  });

  it('a future lock-version (2.0) is recorded against the file with the reason, never read as 1.x', async () => {
    const dir = project({ 'pylock.toml': 'lock-version = "2.0"\n[[packages]]\nname = "x"\nversion = "1"\n' });
    const found = await findLockfiles(dir);
    expect(found.records).toEqual([expect.objectContaining({ path: 'pylock.toml', format: 'pylock.toml', packageCount: 0, error: expect.stringContaining('lock-version "2.0" is not one this reader knows') })]);
  });

  it('attack: a directory package that climbs out of the project is a LOCAL_PATH warning naming it; nothing there is read', () => {
    const lock = parsePylock('lock-version = "1.0"\n[[packages]]\nname = "evil"\ndirectory = { path = "../../../../etc" }\n');
    expect(lock.warnings).toEqual([{ code: 'LOCAL_PATH', message: 'evil is the project\'s directory "../../../../etc"', package: 'evil' }]);
  });

  it('file names: pylock.toml and pylock.<name>.toml only', () => {
    for (const n of ['pylock.toml', 'pylock.dev.toml', 'pylock.gpu-cu124.toml']) expect(PYLOCK_NAME.test(n), n).toBe(true);
    for (const n of ['pylock.toml.bak', 'my-pylock.toml', 'pylock..toml', 'pylock.a.b.toml']) expect(PYLOCK_NAME.test(n), n).toBe(false);
  });
});

describe('conda explicit specs', () => {
  const spec = `# platform: linux-64
@EXPLICIT
https://conda.anaconda.org/conda-forge/linux-64/python-3.11.5-hab00c5b_0_cpython.conda#${'1'.repeat(32)}
https://conda.anaconda.org/conda-forge/noarch/tzdata-2024a-h0c530f3_0.conda#sha256:${H('f')}
https://conda.anaconda.org/conda-forge/linux-64/zlib-1.3-h0.tar.bz2
file:///home/someone/local-channel/linux-64/secret-1.0-0.tar.bz2
`;

  it('reads name, version, channel and md5 or sha256 from each URL', () => {
    const lock = parseCondaExplicit(spec);
    expect(lock.packages).toEqual([
      { name: 'python', version: '3.11.5', source: 'https://conda.anaconda.org/conda-forge/linux-64/', hashes: [`md5:${'1'.repeat(32)}`], platform: 'linux-64' },
      { name: 'tzdata', version: '2024a', source: 'https://conda.anaconda.org/conda-forge/noarch/', hashes: [`sha256:${H('f')}`], platform: 'noarch' },
      { name: 'zlib', version: '1.3', source: 'https://conda.anaconda.org/conda-forge/linux-64/', hashes: [], platform: 'linux-64' },
      { name: 'secret', version: '1.0', source: 'file:///home/someone/local-channel/linux-64/', hashes: [], platform: 'linux-64' },
    ]);
    expect(lock.warnings.map((w) => `${w.code} ${w.package}`)).toEqual(['MISSING_HASH zlib', 'LOCAL_PATH secret']);
  });

  it('is recognised by its @EXPLICIT line whatever its name, and spec-file.txt is never read as requirements', async () => {
    const dir = project({ 'spec-file.txt': spec, 'conda-linux-64.lock': spec, 'requirements.txt': spec, 'README.txt': 'just words\n', 'notes.lock': 'x\n' });
    const found = await findLockfiles(dir);
    expect(found.records.map((r) => [r.path, r.format, r.packageCount])).toEqual([
      ['conda-linux-64.lock', 'conda-explicit', 4],
      ['requirements.txt', 'conda-explicit', 4],
      ['spec-file.txt', 'conda-explicit', 4],
    ]);
    expect(isExplicitSpec('# comment\n\n@EXPLICIT\n')).toBe(true);
    expect(isExplicitSpec('numpy==1.0\n@EXPLICIT\n')).toBe(false);
  });

  it('a line that is not a package URL is an UNPARSED_LINE warning, not a crash', () => {
    const lock = parseCondaExplicit('@EXPLICIT\nnot a url\nhttps://x/linux-64/weird.txt\n');
    expect(lock.packages).toEqual([]);
    expect(lock.warnings.map((w) => w.code)).toEqual(['UNPARSED_LINE', 'UNPARSED_LINE']);
  });
});

describe('pixi.lock', () => {
  it('v5 entries with kind and name, v6/v7 entries by URL; a local PyPI folder is LOCAL_PATH', async () => {
    const { parsePixiLock } = await import('../../../src/lockfile/pixi.js');
    const v5 = parsePixiLock(`version: 5\npackages:\n- kind: conda\n  name: numpy\n  version: 1.26.4\n  url: https://conda.anaconda.org/conda-forge/linux-64/numpy-1.26.4-py311h.conda\n  sha256: ${H('a')}\n`);
    expect(v5.packages).toEqual([{ name: 'numpy', version: '1.26.4', source: 'https://conda.anaconda.org/conda-forge/linux-64/', hashes: [`sha256:${H('a')}`], platform: 'linux-64' }]);
    const v7 = parsePixiLock(`version: 7\nplatforms:\n- name: linux-64\n  virtual-packages:\n  - __cuda=12.0\npackages:\n- conda: https://conda.anaconda.org/conda-forge/linux-64/python-3.12.1-h1_0.conda\n  md5: ${'1'.repeat(32)}\n- pypi: ./\n  name: My_App\n- pypi: https://files.example/torch-2.5.0-cp312-linux_x86_64.whl\n  name: torch\n  version: 2.5.0\n`);
    expect(v7.packages.map((p) => [p.name, p.version, p.platform])).toEqual([['python', '3.12.1', 'linux-64'], ['my-app', null, 'pypi'], ['torch', '2.5.0', 'pypi']]);
    expect(v7.warnings.map((w) => `${w.code} ${w.package}`)).toEqual(['LOCAL_PATH my-app', 'MISSING_HASH torch']);
  });

  it('a version this reader does not know (8) is recorded against the file with the reason', async () => {
    const dir = project({ 'pixi.lock': 'version: 8\npackages: []\n' });
    expect((await findLockfiles(dir)).records).toEqual([expect.objectContaining({ format: 'pixi.lock', error: expect.stringContaining('version "8" is not one this reader knows') })]);
  });

  it('v7 platforms: each with its virtual packages, its subdir (a custom name may give one) and the environments that have packages for it', async () => {
    const { parsePixiLock } = await import('../../../src/lockfile/pixi.js');
    const lock = parsePixiLock(`version: 7
platforms:
- name: linux-64
  virtual-packages: [__glibc=2.28, __cuda=12.0, __archspec=0=x86_64]
- name: linux-64-cpu
  subdir: linux-64
environments:
  default:
    packages:
      linux-64: []
  gpu:
    packages:
      linux-64: []
  cpu:
    packages:
      linux-64-cpu: []
packages: []
`);
    expect(lock.platforms).toEqual([
      { name: 'linux-64', subdir: 'linux-64', virtualPackages: ['__glibc=2.28', '__cuda=12.0', '__archspec=0=x86_64'], environments: ['default', 'gpu'] },
      { name: 'linux-64-cpu', subdir: 'linux-64', virtualPackages: [], environments: ['cpu'] },
    ]);
  });

  it.each([
    ['platforms: linux-64', '`platforms` is not a list'],
    ['platforms:\n- virtual-packages: []', 'platforms[0] has no name'],
    ['platforms:\n- name: linux-64\n  virtual-packages: __cuda=12', '`virtual-packages` is not a list'],
    ['platforms:\n- name: linux-64\n  virtual-packages: ["cuda 12; rm -rf /"]', 'is not a virtual package'],
  ])('attack: a malformed v7 platforms list (%s) is the file\'s recorded error, not a silent skip', async (yaml, why) => {
    const dir = project({ 'pixi.lock': `version: 7\n${yaml}\npackages: []\n` });
    expect((await findLockfiles(dir)).records).toEqual([expect.objectContaining({ format: 'pixi.lock', packageCount: 0, error: expect.stringContaining(why) })]);
  });

  it('attack: a billion-laughs pixi.lock is read in bounded time and records nothing from the bomb', async () => {
    const { parsePixiLock } = await import('../../../src/lockfile/pixi.js');
    let yaml = 'version: 6\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++) yaml += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    yaml += 'packages: *a8\n';
    const started = Date.now();
    expect(parsePixiLock(yaml).packages).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

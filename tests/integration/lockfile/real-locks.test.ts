// The 37 real lockfiles of ../shared/real-locks (SOURCES.md names each project and commit),
// read as their own tools define them: counts, versions, hash counts and warnings per file.
// The counts were cross-checked against each format read another way (python3's json, tomllib
// and PyYAML over the same bytes): e.g. pnpm 5.4's 1022 `/name/version` keys, poetry 1.1's 535
// [metadata.files] hashes, npm v3's 16 workspace folders, yarn berry's 112 conditional packages.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLockfiles } from '../../../src/lockfile/find.js';
import type { LockPackage } from '../../../src/lockfile/types.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const ROOT = path.resolve(REPO_ROOT, '..', 'shared', 'real-locks');

interface Expect {
  path: string;
  format: string;
  packages: number;
  /** Packages with at least one hash, and hashes in all. */
  hashed: number;
  hashes: number;
  /** Packages without a version (local folders, unpinned specs). */
  unversioned: number;
  warnings: Record<string, number>;
}

const TABLE: Array<[string, Expect]> = [
  ['conda-env-clay', { path: 'environment.yml', format: 'conda-environment', packages: 15, hashed: 0, hashes: 0, unversioned: 13, warnings: {UNPINNED:13,MISSING_HASH:1} }],
  ['conda-env-latent-diffusion', { path: 'environment.yaml', format: 'conda-environment', packages: 21, hashed: 0, hashes: 0, unversioned: 11, warnings: {UNPINNED:10,LOCAL_PATH:1,MISSING_HASH:1} }],
  ['conda-lock-clay', { path: 'conda-lock.yml', format: 'conda-lock', packages: 1482, hashed: 1482, hashes: 2964, unversioned: 0, warnings: {PLATFORM_SPECIFIC:1} }],
  ['conda-lock-yi', { path: 'conda-lock.yml', format: 'conda-lock', packages: 188, hashed: 188, hashes: 374, unversioned: 0, warnings: {} }],
  ['npm-v1-npm-cli', { path: 'package-lock.json', format: 'package-lock.json', packages: 1026, hashed: 876, hashes: 876, unversioned: 0, warnings: {MISSING_HASH:150} }],
  ['npm-v1-warehouse', { path: 'package-lock.json', format: 'package-lock.json', packages: 1842, hashed: 1842, hashes: 1842, unversioned: 0, warnings: {} }],
  ['npm-v2-npm-cli', { path: 'package-lock.json', format: 'package-lock.json', packages: 923, hashed: 752, hashes: 752, unversioned: 0, warnings: {LOCAL_PATH:2,MISSING_HASH:169} }],
  ['npm-v3-npm-cli', { path: 'package-lock.json', format: 'package-lock.json', packages: 1257, hashed: 1078, hashes: 1078, unversioned: 0, warnings: {LOCAL_PATH:16,MISSING_HASH:163} }],
  ['npm-v3-warehouse', { path: 'package-lock.json', format: 'package-lock.json', packages: 1064, hashed: 1064, hashes: 1064, unversioned: 0, warnings: {} }],
  ['pipfile-pipenv', { path: 'Pipfile.lock', format: 'Pipfile.lock', packages: 110, hashed: 110, hashes: 910, unversioned: 0, warnings: {PLATFORM_SPECIFIC:3} }],
  ['pipfile-presidio', { path: 'Pipfile.lock', format: 'Pipfile.lock', packages: 63, hashed: 63, hashes: 651, unversioned: 0, warnings: {} }],
  ['pnpm-v5.4-vue', { path: 'pnpm-lock.yaml', format: 'pnpm-lock.yaml', packages: 1022, hashed: 1022, hashes: 1022, unversioned: 0, warnings: {} }],
  ['pnpm-v6-vue', { path: 'pnpm-lock.yaml', format: 'pnpm-lock.yaml', packages: 833, hashed: 833, hashes: 833, unversioned: 0, warnings: {} }],
  ['pnpm-v9-vite', { path: 'pnpm-lock.yaml', format: 'pnpm-lock.yaml', packages: 1405, hashed: 1296, hashes: 1296, unversioned: 109, warnings: {LOCAL_PATH:109} }],
  ['pnpm-v9-vue', { path: 'pnpm-lock.yaml', format: 'pnpm-lock.yaml', packages: 620, hashed: 620, hashes: 620, unversioned: 0, warnings: {} }],
  ['poetry-1.1-poetry', { path: 'poetry.lock', format: 'poetry.lock', packages: 82, hashed: 82, hashes: 535, unversioned: 0, warnings: {} }],
  ['poetry-2.1-lerobot', { path: 'poetry.lock', format: 'poetry.lock', packages: 316, hashed: 314, hashes: 3520, unversioned: 0, warnings: {PLATFORM_SPECIFIC:173,MISSING_HASH:2} }],
  ['poetry-2.1-poetry', { path: 'poetry.lock', format: 'poetry.lock', packages: 78, hashed: 77, hashes: 1105, unversioned: 0, warnings: {PLATFORM_SPECIFIC:8,MISSING_HASH:1} }],
  ['req-hashes-jax', { path: 'requirements_lock_3_12.txt', format: 'requirements', packages: 102, hashed: 102, hashes: 1363, unversioned: 0, warnings: {PLATFORM_SPECIFIC:31} }],
  ['req-hashes-warehouse', { path: 'requirements/main.txt', format: 'requirements', packages: 184, hashed: 184, hashes: 2089, unversioned: 0, warnings: {} }],
  ['shrinkwrap-v2-firebase-tools', { path: 'npm-shrinkwrap.json', format: 'npm-shrinkwrap.json', packages: 1858, hashed: 1858, hashes: 1858, unversioned: 0, warnings: {} }],
  ['shrinkwrap-v2-netlify-cli', { path: 'npm-shrinkwrap.json', format: 'npm-shrinkwrap.json', packages: 2149, hashed: 2149, hashes: 2149, unversioned: 0, warnings: {} }],
  ['uv-lerobot', { path: 'uv.lock', format: 'uv.lock', packages: 333, hashed: 332, hashes: 3276, unversioned: 0, warnings: {} }],
  ['uv-nemo-rl', { path: 'uv.lock', format: 'uv.lock', packages: 308, hashed: 304, hashes: 2080, unversioned: 3, warnings: {MISSING_HASH:1} }],
  ['uv-pydantic-ai', { path: 'uv.lock', format: 'uv.lock', packages: 347, hashed: 340, hashes: 4145, unversioned: 6, warnings: {MISSING_HASH:1} }],
  ['yarn-berry-babel', { path: 'yarn.lock', format: 'yarn.lock', packages: 1749, hashed: 1470, hashes: 1470, unversioned: 0, warnings: {PLATFORM_SPECIFIC:112} }],
  ['yarn-berry-jest', { path: 'yarn.lock', format: 'yarn.lock', packages: 2227, hashed: 2069, hashes: 2069, unversioned: 0, warnings: {PLATFORM_SPECIFIC:87} }],
  ['yarn-v1-babel', { path: 'yarn.lock', format: 'yarn.lock', packages: 1417, hashed: 363, hashes: 363, unversioned: 0, warnings: {MISSING_HASH:1054} }],
  ['yarn-v1-jest', { path: 'yarn.lock', format: 'yarn.lock', packages: 1916, hashed: 1916, hashes: 1916, unversioned: 0, warnings: {} }],
  // PEP 751 and conda explicit specs (issue 29); counts cross-checked with Python's tomllib over
  // the same bytes (packages, those with a hash, distinct algo:hex hashes over sdist, wheels and
  // archive, those without a version) and, for the spec, the URL lines after @EXPLICIT.
  ['pylock-pdm-confidence', { path: 'pylock.toml', format: 'pylock.toml', packages: 17, hashed: 17, hashes: 256, unversioned: 0, warnings: {PLATFORM_SPECIFIC:1} }],
  ['pylock-pip-yente', { path: 'pylock.toml', format: 'pylock.toml', packages: 132, hashed: 131, hashes: 131, unversioned: 1, warnings: {LOCAL_PATH:1} }],
  ['pylock-uv-comfy-cli', { path: 'pylock.toml', format: 'pylock.toml', packages: 48, hashed: 47, hashes: 269, unversioned: 1, warnings: {LOCAL_PATH:1,PLATFORM_SPECIFIC:1} }],
  ['pylock-uvcompile-odh-runtimes-baseline', { path: 'pylock.toml', format: 'pylock.toml', packages: 86, hashed: 86, hashes: 750, unversioned: 0, warnings: {PLATFORM_SPECIFIC:86} }],
  // pixi.lock 6 and 7: cross-checked with PyYAML (the conda entries, the PyPI ones, sha256 + md5 each).
  ['pixi-v6-ml-pytorch-gpu-example', { path: 'pixi.lock', format: 'pixi.lock', packages: 202, hashed: 202, hashes: 404, unversioned: 0, warnings: {PLATFORM_SPECIFIC:1} }],
  ['pixi-v6-pixi', { path: 'pixi.lock', format: 'pixi.lock', packages: 774, hashed: 774, hashes: 1548, unversioned: 0, warnings: {PLATFORM_SPECIFIC:1} }],
  ['pixi-v7-access-nri', { path: 'pixi.lock', format: 'pixi.lock', packages: 779, hashed: 778, hashes: 1158, unversioned: 1, warnings: {LOCAL_PATH:1,PLATFORM_SPECIFIC:1} }],
  ['conda-explicit-xview2-deploy', { path: 'spec-file.txt', format: 'conda-explicit', packages: 212, hashed: 0, hashes: 0, unversioned: 0, warnings: {MISSING_HASH:212} }],

];

/** Real files of a format not read yet; each moves into TABLE when its reader lands (none since issue 29). */
const NOT_YET_READ: string[] = [];

async function read(name: string) {
  const found = await findLockfiles(path.join(ROOT, name));
  expect(found.records).toHaveLength(1);
  const rec = found.records[0]!;
  return { rec, warnings: found.warnings[rec.path] ?? [] };
}

const find = (pkgs: LockPackage[], name: string, version?: string) => pkgs.filter((p) => p.name === name && (version === undefined || p.version === version));

describe('real lockfiles of well-known projects', () => {
  it('the shared folder holds the 37 cases, every one read here', async () => {
    const all = readdirSync(ROOT).filter((n) => !n.endsWith('.md')).sort();
    expect(all.filter((n) => !NOT_YET_READ.includes(n))).toEqual(TABLE.map(([n]) => n).sort());
    expect(all.filter((n) => NOT_YET_READ.includes(n))).toEqual([...NOT_YET_READ].sort());
    // Today they are skipped without a record; the test fails (and this list goes) when they are read.
    for (const n of NOT_YET_READ) expect((await findLockfiles(path.join(ROOT, n))).records, n).toEqual([]);
  });

  it.each(TABLE)('%s', async (name, want) => {
    const { rec, warnings } = await read(name);
    expect(rec.error).toBeUndefined();
    const codes: Record<string, number> = {};
    for (const w of warnings) codes[w.code] = (codes[w.code] ?? 0) + 1;
    expect({
      path: rec.path,
      format: rec.format,
      packages: rec.packageCount,
      hashed: rec.packages.filter((p) => p.hashes.length > 0).length,
      hashes: rec.packages.reduce((n, p) => n + p.hashes.length, 0),
      unversioned: rec.packages.filter((p) => !p.version).length,
      warnings: codes,
    }).toEqual(want);
    for (const p of rec.packages) expect(p.name, JSON.stringify(p)).toMatch(/^[^\s]+$/);
  });
});

describe('what each format defines, where it used to be misread', () => {
  it('pixi.lock v7: the platforms it was solved for, with their virtual packages and environments (cross-checked with PyYAML)', async () => {
    const { rec } = await read('pixi-v7-access-nri');
    expect(rec.platforms?.map((p) => [p.name, p.subdir, p.virtualPackages])).toEqual([
      ['linux-64', 'linux-64', ['__unix=0=0', '__linux=4.18', '__glibc=2.28', '__archspec=0=x86_64']],
      ['osx-arm64', 'osx-arm64', ['__unix=0=0', '__osx=13.0', '__archspec=0=m1']],
      ['win-64', 'win-64', ['__win=10.0', '__archspec=0=x86_64']],
    ]);
    // PyYAML: sorted(e for e, b in d['environments'].items() if platform in b['packages']), the same for all three
    const envs = ['build', 'default', 'test-py310', 'test-py311', 'test-py312', 'test-py313', 'test-py314'];
    expect(rec.platforms!.map((p) => p.environments)).toEqual([envs, envs, envs]);
    const { rec: v6 } = await read('pixi-v6-pixi');
    expect(v6.platforms).toBeUndefined();
  });

  it('pnpm 5.4: /name/version keys, peer suffixes are not versions', async () => {
    const { rec } = await read('pnpm-v5.4-vue');
    expect(find(rec.packages, '@babel/code-frame').map((p) => p.version).sort()).toEqual(['7.12.11', '7.16.0', '7.18.6']);
    const withPeers = find(rec.packages, '@babel/helper-compilation-targets', '7.16.3');
    expect(withPeers).toHaveLength(1);
    expect(rec.packages.every((p) => p.version !== null && /^\d/.test(p.version))).toBe(true);
  });

  it('poetry lock-version 1.1: hashes from [metadata.files], 535 of them', async () => {
    const { rec, warnings } = await read('poetry-1.1-poetry');
    expect(find(rec.packages, 'atomicwrites', '1.4.1')[0]!.hashes).toEqual(['sha256:81b2c9071a49367a7f770170e5eec8cb66567cfbbc8c73d20ce5ca4a8d71cf11']);
    expect(warnings.filter((w) => w.code === 'MISSING_HASH')).toEqual([]);
  });

  it('conda environment.yaml: pip -e git+ and -e . entries are read and warned about, the file named as it is', async () => {
    const { rec, warnings } = await read('conda-env-latent-diffusion');
    expect(find(rec.packages, 'taming-transformers')[0]).toEqual({ name: 'taming-transformers', version: null, source: 'git+https://github.com/CompVis/taming-transformers.git@master#egg=taming-transformers', hashes: [] });
    expect(find(rec.packages, 'clip')[0]!.source).toBe('git+https://github.com/openai/CLIP.git@main#egg=clip');
    expect(warnings.filter((w) => w.package === 'clip').map((w) => w.code)).toEqual(['UNPINNED']);
    expect(warnings.find((w) => w.code === 'LOCAL_PATH')!.message).toContain("project's folder .");
    expect(warnings.find((w) => w.code === 'MISSING_HASH')!.message).toMatch(/^environment\.yaml pins no hashes/);
  });

  it('npm v2/v3 workspaces: a folder without a name is named by its folder, and is LOCAL_PATH', async () => {
    const { rec, warnings } = await read('npm-v3-npm-cli');
    expect(find(rec.packages, 'libnpmaccess')[0]!.source).toBe('file:workspaces/libnpmaccess');
    expect(find(rec.packages, '@npmcli/docs')).toHaveLength(1);
    expect(rec.packages.some((p) => p.name === '' || p.name === 'ibnpmaccess')).toBe(false);
    expect(warnings.filter((w) => w.code === 'LOCAL_PATH').map((w) => w.package).sort()).toContain('libnpmaccess');
    expect(warnings.some((w) => w.code === 'MISSING_HASH' && w.package === 'libnpmaccess')).toBe(false);
    const v2 = await read('npm-v2-npm-cli');
    expect(v2.rec.packages.some((p) => p.name === '')).toBe(false);
  });

  it('pnpm 9 file: packages are LOCAL_PATH, not MISSING_HASH', async () => {
    const { rec, warnings } = await read('pnpm-v9-vite');
    expect(find(rec.packages, '@vitejs/require')[0]).toEqual({ name: '@vitejs/require', version: null, source: 'file:playground/json/dep-json-require', hashes: [] });
    expect(warnings.every((w) => w.code === 'LOCAL_PATH')).toBe(true);
  });

  it("yarn berry: packages for other platforms are PLATFORM_SPECIFIC, not MISSING_HASH", async () => {
    const { rec, warnings } = await read('yarn-berry-babel');
    const w = warnings.find((x) => x.package === '@esbuild/aix-ppc64')!;
    expect(w.code).toBe('PLATFORM_SPECIFIC');
    expect(w.message).toContain('os=aix & cpu=ppc64');
    expect(find(rec.packages, '@esbuild/aix-ppc64', '0.28.1')[0]!.platform).toBe('os=aix & cpu=ppc64');
  });
});

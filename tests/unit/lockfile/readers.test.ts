// Each lockfile reader against a fixture in the format its tool writes today.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCondaEnvironment, parseCondaLock } from '../../../src/lockfile/conda.js';
import { parsePnpmLock, parseYarnLock } from '../../../src/lockfile/node-locks.js';
import { parsePipfileLock, parsePoetryLock, parseUvLock } from '../../../src/lockfile/python-locks.js';
import { parseRequirementLine, parseRequirements } from '../../../src/lockfile/requirements.js';
import { REPO_ROOT } from '../../helpers/cli.js';

const fixture = (name: string) => readFileSync(path.join(REPO_ROOT, 'tests', 'fixtures', 'lockfiles', name), 'utf8');
const codes = (w: { code: string; package?: string }[]) => w.map((x) => `${x.code}${x.package ? ` ${x.package}` : ''}`);

describe('requirements.txt (pip-compile --generate-hashes)', () => {
  const r = parseRequirements(fixture('requirements.txt'));

  it('reads pins, hashes across continuation lines, markers and direct URLs', () => {
    expect(r.packages.map((p) => [p.name, p.version, p.hashes.length])).toEqual([
      ['joblib', '1.2.0', 2],
      ['numpy', '1.24.2', 1],
      ['pywin32', '306', 1],
      ['scikit-learn', '1.2.1', 1],
      ['scipy', null, 0],
      ['torch', null, 0],
    ]);
    expect(r.packages[0]!.hashes[0]).toBe('sha256:091138ed78f800342968c523bdde947e7a305b8594b910a0fea2ab83c3c6d385');
    expect(r.packages[2]!.platform).toBe('sys_platform == "win32"');
    expect(r.packages[5]!.source).toMatch(/^https:\/\/download\.pytorch\.org\//);
  });

  it('never records index credentials', () => {
    expect(JSON.stringify(r)).not.toContain('s3cr3t-t0ken-value');
    expect(JSON.stringify(r)).not.toContain('ci-bot');
    expect(r.packages[0]!.source).toBe('https://pypi.internal.example/simple');
  });

  it('warns, with codes: unpinned, missing hash, platform-specific, credentials removed', () => {
    expect(codes(r.warnings)).toEqual([
      'CREDENTIALS_REMOVED',
      'PLATFORM_SPECIFIC pywin32',
      'UNPINNED scipy',
      'MISSING_HASH scipy',
      'MISSING_HASH torch',
    ]);
  });

  it.each([
    ['Django[argon2]==5.0.6', { name: 'django', version: '5.0.6' }],
    ['zope.interface === 6.4', { name: 'zope-interface', version: '6.4' }],
    ['numpy==1.26.*', { name: 'numpy', version: null }],
    ['requests>=2,<3', { name: 'requests', version: null, spec: '>=2,<3' }],
    ['pkg @ git+https://github.com/o/r@v1#egg=pkg', { name: 'pkg', url: 'git+https://github.com/o/r@v1#egg=pkg' }],
  ])('parses %j', (line, want) => {
    expect(parseRequirementLine(line)).toMatchObject(want);
  });
});

describe('uv.lock (revision 3)', () => {
  const r = parseUvLock(fixture('uv.lock'));
  it('takes every package with its sdist and wheel hashes', () => {
    expect(r.packages.map((p) => [p.name, p.version, p.hashes.length, p.source])).toEqual([
      ['iris-demo', '0.1.0', 0, '.'],
      ['joblib', '1.4.2', 2, 'https://pypi.org/simple'],
      ['numpy', '1.26.4', 3, 'https://pypi.org/simple'],
      ['scikit-learn', '1.4.2', 2, 'https://pypi.org/simple'],
    ]);
    expect(r.warnings).toEqual([]); // the editable project itself needs no hash
  });
});

describe('poetry.lock (lock-version 2.1)', () => {
  const r = parsePoetryLock(fixture('poetry.lock'));
  it('reads files hashes, markers and a private source without its token', () => {
    expect(r.packages.map((p) => [p.name, p.version, p.hashes.length])).toEqual([
      ['colorama', '0.4.6', 2],
      ['numpy', '1.26.4', 2],
      ['private-utils', '0.3.0', 0],
    ]);
    expect(JSON.stringify(r)).not.toContain('glpat-');
    expect(codes(r.warnings)).toEqual(['PLATFORM_SPECIFIC colorama', 'MISSING_HASH private-utils']);
  });
});

describe('Pipfile.lock', () => {
  const r = parsePipfileLock(fixture('Pipfile.lock'));
  it('reads default and develop sections with hashes', () => {
    expect(r.packages.map((p) => [p.name, p.version, p.hashes.length, p.platform ?? null])).toEqual([
      ['numpy', '1.26.4', 2, "python_version >= '3.9'"],
      ['pandas', '2.2.2', 1, null],
      ['pytest', '8.2.2', 1, "develop; python_version >= '3.8'"],
    ]);
    expect(r.warnings).toEqual([]);
  });
});

describe('conda', () => {
  it('environment.yml: exact pins only for == and =version=build', () => {
    const r = parseCondaEnvironment(fixture('environment.yml'));
    expect(r.packages.map((p) => [p.name, p.version])).toEqual([
      ['python', null],
      ['numpy', '1.26.4'],
      ['scikit-learn', '1.4.2'],
      ['pandas', null],
      ['pip', null],
      ['torch', '2.3.1'],
      ['rich', null],
    ]);
    expect(codes(r.warnings)).toEqual(['UNPINNED python', 'UNPINNED pandas', 'UNPINNED pip', 'UNPINNED rich', 'MISSING_HASH']);
  });

  it('conda-lock.yml: per-platform entries with md5 and sha256', () => {
    const r = parseCondaLock(fixture('conda-lock.yml'));
    expect(r.packages.map((p) => [p.name, p.platform, p.hashes.length])).toEqual([
      ['numpy', 'linux-64', 2],
      ['numpy', 'osx-arm64', 2],
      ['torch', 'linux-64', 1],
    ]);
    expect(codes(r.warnings)).toEqual(['PLATFORM_SPECIFIC']);
  });
});

describe('pnpm and yarn', () => {
  it('pnpm-lock.yaml v9: packages with integrity, scoped names intact', () => {
    const r = parsePnpmLock(fixture('pnpm-lock.yaml'));
    expect(r.packages.map((p) => [p.name, p.version, p.hashes[0]?.slice(0, 7)])).toEqual([
      ['@types/node', '22.10.2', 'sha512-'],
      ['semver', '7.6.3', 'sha512-'],
      ['undici-types', '6.20.0', 'sha512-'],
    ]);
  });

  it('yarn.lock v1', () => {
    const r = parseYarnLock(fixture('yarn.lock'));
    expect(r.packages.map((p) => [p.name, p.version, p.source])).toEqual([
      ['@babel/code-frame', '7.24.7', 'https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.24.7.tgz'],
      ['lodash', '4.17.21', 'https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz'],
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('yarn.lock berry: checksums, workspace entries need none', () => {
    const r = parseYarnLock(fixture('berry/yarn.lock'));
    expect(r.packages.map((p) => [p.name, p.version, p.hashes.length])).toEqual([
      ['lodash', '4.17.21', 1],
      ['my-app', '0.0.0-use.local', 0],
    ]);
    expect(r.warnings).toEqual([]);
  });
});

describe("issue 28, finding 8: MLflow's conda.yaml is a conda environment file", () => {
  it('findLockfiles records conda.yaml (mlflow-example writes its environment there) with its pins', async () => {
    const { findLockfiles } = await import('../../../src/lockfile/find.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-conda-'));
    // mlflow/mlflow-example's conda.yaml, as that repository has it
    writeFileSync(path.join(dir, 'conda.yaml'), 'name: tutorial\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.8\n  - pip\n  - pip:\n      - scikit-learn==0.23.2\n      - mlflow>=1.0\n      - pandas\n');
    const { records } = await findLockfiles(dir);
    expect(records.map((r) => [r.path, r.format])).toEqual([['conda.yaml', parseCondaEnvironment('name: x\ndependencies: []\n').format]]);
    expect(records[0]!.packages.map((p) => p.name)).toEqual(expect.arrayContaining(['python', 'scikit-learn']));
  });
});

describe('renv.lock (issue 29)', () => {
  it('reads every package with where it came from; credentials cut from repository URLs; renv\'s DESCRIPTION md5 is no archive hash', async () => {
    const { parseRenvLock } = await import('../../../src/lockfile/renv.js');
    const r = parseRenvLock(fixture('renv.lock'));
    expect(r.format).toBe('renv.lock');
    expect(r.packages).toEqual([
      { name: 'R6', version: '2.5.1', source: 'https://cloud.r-project.org', hashes: [] },
      { name: 'BiocGenerics', version: '0.50.0', source: 'bioconductor', hashes: [] },
      { name: 'renv', version: '1.0.7', source: 'github:rstudio/renv@2b7db5b1a0a6b2d3b18e9b3c4f0e6c1f8a2e1d90', hashes: [] },
      { name: 'ourtools', version: '0.3.0', source: 'https://packages.example.com/r', hashes: [] },
      { name: 'mypkg', version: '0.0.1', source: 'local', hashes: [], platform: 'local' },
    ]);
    expect(JSON.stringify(r)).not.toContain('s3cr3tpw');
    expect(r.warnings.map((w) => w.code)).toEqual(['LOCAL_PATH', 'MISSING_HASH']);
    expect(r.warnings[1]!.message).toMatch(/^3 packages from R repositories with no archive hash/);
  });

  it('is found by findLockfiles under its name (not sniffed as a conda spec)', async () => {
    const { findLockfiles } = await import('../../../src/lockfile/find.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'repro-renv-'));
    writeFileSync(path.join(dir, 'renv.lock'), fixture('renv.lock'));
    const { records } = await findLockfiles(dir);
    expect(records.map((x) => [x.path, x.format, x.packageCount])).toEqual([['renv.lock', 'renv.lock', 5]]);
  });

  it.each([
    ['not JSON', '{"R": ', /not JSON/],
    ['no Packages', '{"R": {"Version": "4.4.1"}}', /no "Packages" object/],
    ['Packages an array', '{"Packages": [1, 2]}', /no "Packages" object/],
  ])('hostile: %s is refused with the reason, never a crash', async (_name, text, message) => {
    const { parseRenvLock } = await import('../../../src/lockfile/renv.js');
    expect(() => parseRenvLock(text)).toThrow(message);
  });

  it('hostile: entries of the wrong shape are left out or named, never a crash', async () => {
    const { parseRenvLock } = await import('../../../src/lockfile/renv.js');
    const r = parseRenvLock(JSON.stringify({ R: { Repositories: 'x' }, Packages: { a: 1, b: null, c: { Package: ['x'], Version: 3, Source: { x: 1 } }, d: { Package: 'd', Version: '1.0', Source: 'GitHub', RemoteUsername: 'u', RemoteRepo: 'r' } } }));
    expect(r.packages).toEqual([
      { name: 'c', version: null, source: null, hashes: [] },
      { name: 'd', version: '1.0', source: 'github:u/r', hashes: [] },
    ]);
    expect(r.warnings.map((w) => w.code)).toEqual(['UNPINNED', 'UNPINNED']);
  });
});

describe("MLflow's python_env.yaml (issue 29)", () => {
  // the python_env.yaml `mlflow` writes for a logged model, and MLflow's documented project example
  const DOC = 'python: "3.10.12"\nbuild_dependencies:\n  - pip==23.3.1\n  - setuptools\n  - wheel==0.41.2\ndependencies:\n  - -r requirements.txt\n  - mlflow==2.9.2\n  - scikit-learn>=1.3\n  - utils @ git+https://user:tok@github.com/acme/utils.git@v1\n';

  it('records the Python version and every requirement, -r lines left to their own file, credentials cut', async () => {
    const { parsePythonEnv } = await import('../../../src/lockfile/python-env.js');
    const r = parsePythonEnv(DOC);
    expect(r.format).toBe('python_env.yaml');
    expect(r.packages.map((p) => [p.name, p.version])).toEqual([['python', '3.10.12'], ['pip', '23.3.1'], ['setuptools', null], ['wheel', '0.41.2'], ['mlflow', '2.9.2'], ['scikit-learn', null], ['utils', null]]);
    expect(JSON.stringify(r)).not.toContain('tok@');
    expect(r.warnings.filter((w) => w.code === 'UNPINNED').map((w) => w.package)).toEqual(expect.arrayContaining(['setuptools', 'scikit-learn']));
    expect(r.warnings.some((w) => w.code === 'MISSING_HASH' && w.package === 'mlflow')).toBe(true);
  });

  it.each([
    ['a list where a version belongs is left out', 'python: [3]\ndependencies: [numpy==1.0]\n'],
  ])('hostile: %s', async (_name, text) => {
    const { parsePythonEnv } = await import('../../../src/lockfile/python-env.js');
    expect(parsePythonEnv(text).packages.map((p) => p.name)).toEqual(['numpy']);
  });

  it.each([
    ['dependencies not a list', 'python: "3.11"\ndependencies: numpy\n', /must be a list/],
    ['neither python nor dependencies', 'name: x\n', /not an MLflow python_env\.yaml/],
  ])('hostile: %s is refused with the reason', async (_name, text, message) => {
    const { parsePythonEnv } = await import('../../../src/lockfile/python-env.js');
    expect(() => parsePythonEnv(text)).toThrow(message);
  });
});

import { describe, expect, it } from 'vitest';
import { parseRequirementLine } from '../../../src/lockfile/requirements.js';
import { noWheelFor } from '../../../src/wheel/fetch.js';
import { buildSystemOf, checkBuildSystem, LEGACY_BACKEND, withoutPackages } from '../../../src/wheel/sdist.js';

describe('buildSystemOf: an sdist\'s [build-system]', () => {
  it('no pyproject.toml, or one without [build-system]: PEP 517\'s fallback, setuptools\' legacy backend', () => {
    expect(buildSystemOf(null, 'a-1.tar.gz')).toEqual({ backend: LEGACY_BACKEND, backendPath: [], requires: ['setuptools>=40.8.0'] });
    expect(buildSystemOf('[project]\nname = "a"\n', 'a-1.tar.gz').backend).toBe(LEGACY_BACKEND);
    // requires without a backend: the legacy backend with what it names.
    expect(buildSystemOf('[build-system]\nrequires = ["setuptools>=61", "wheel"]\n', 'a-1.tar.gz')).toEqual({ backend: LEGACY_BACKEND, backendPath: [], requires: ['setuptools>=61', 'wheel'] });
  });

  it('a named backend with an in-tree path', () => {
    expect(buildSystemOf('[build-system]\nrequires = ["flit_core >=3.2,<4"]\nbuild-backend = "backend:hooks.v1"\nbackend-path = ["_build"]\n', 'a-1.tar.gz')).toEqual({ backend: 'backend:hooks.v1', backendPath: ['_build'], requires: ['flit_core >=3.2,<4'] });
  });

  it.each([
    ['a backend that is no module path (code in the name)', '[build-system]\nrequires = []\nbuild-backend = "os; import this"\n', /build-backend .* is not a module path/],
    ['attack: backend-path leaving the sdist', '[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["../../home"]\n', /backend-path names a folder outside the sdist/],
    ['attack: an absolute backend-path', '[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["/usr/lib"]\n', /backend-path names a folder outside/],
    ['attack: a requirement that is a pip option', '[build-system]\nrequires = ["--index-url=http://evil/"]\nbuild-backend = "b"\n', /requires is not a list/],
    ['a named backend without requires', '[build-system]\nbuild-backend = "b"\n', /requires is not a list/],
    ['requires as a string', '[build-system]\nrequires = "setuptools"\n', /requires is not a list/],
    ['not TOML', '[build-system\n', /cannot be read/],
  ])('%s is refused (E_INPUT, nothing built)', (_what, text, message) => {
    expect(() => buildSystemOf(text, 'a-1.tar.gz')).toThrow(message);
    try {
      buildSystemOf(text, 'a-1.tar.gz');
    } catch (err) {
      expect((err as { code: string }).code).toBe('E_INPUT');
    }
  });

  it('attack: a bundle\'s build record is checked like a pyproject.toml', () => {
    expect(() => checkBuildSystem({ requires: ['x'], 'build-backend': 'b', 'backend-path': ['a/../../..'] }, 'a-1.tar.gz')).toThrow(/outside the sdist/);
    expect(() => checkBuildSystem({ requires: Array.from({ length: 65 }, () => 'x'), 'build-backend': 'b' }, 'a-1.tar.gz')).toThrow(/up to 64/);
  });
});

describe('setting sdists apart from the wheels pip fetches', () => {
  it('noWheelFor reads the package pip found no wheel for', () => {
    expect(noWheelFor('ERROR: Could not find a version that satisfies the requirement docopt==0.6.2 (from versions: none)\nERROR: No matching distribution found for docopt==0.6.2\n')).toBe('docopt');
    expect(noWheelFor('ERROR: No matching distribution found for Foo_Bar\n')).toBe('foo-bar');
    expect(noWheelFor('ERROR: THESE PACKAGES DO NOT MATCH THE HASHES')).toBeNull();
  });

  it('withoutPackages drops a package\'s whole logical line (continuations too) and keeps options and the rest', () => {
    const text = '--index-url http://i/simple\n# a comment\ndocopt==0.6.2 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\nsqlparse==0.6.1 --hash=sha256:cc ; python_version >= "3"\n';
    const out = withoutPackages(text, new Set(['docopt']), parseRequirementLine);
    expect(out).toBe('--index-url http://i/simple\n# a comment\nsqlparse==0.6.1 --hash=sha256:cc ; python_version >= "3"\n');
    expect(withoutPackages(text, new Set(['sqlparse']), parseRequirementLine)).toContain('docopt==0.6.2 \\\n    --hash=sha256:aa');
  });

});

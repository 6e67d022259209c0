// PEP 508 markers evaluated as pip evaluates them (packaging.markers), on the markers real
// lockfiles carry, for Debian bookworm's CPython 3.11.2 on x86_64 Linux.
import { describe, expect, it } from 'vitest';
import { evaluateMarker, markerEnvironment } from '../../../src/lockfile/pep508.js';

const env = markerEnvironment({ version: '3.11.2', implementation: 'CPython' }, { platform: 'linux', arch: 'x64', kernel: '6.1.0-18-amd64' });

describe('markerEnvironment', () => {
  it('is what packaging.markers.default_environment() gives on that machine', () => {
    expect(env).toMatchObject({ python_version: '3.11', python_full_version: '3.11.2', implementation_name: 'cpython', platform_python_implementation: 'CPython', sys_platform: 'linux', platform_system: 'Linux', platform_machine: 'x86_64', os_name: 'posix' });
    expect(markerEnvironment({ version: '3.12.1', implementation: 'CPython' }, { platform: 'darwin', arch: 'arm64' })).toMatchObject({ sys_platform: 'darwin', platform_machine: 'arm64', platform_system: 'Darwin' });
  });
});

describe('evaluateMarker', () => {
  it.each([
    ["sys_platform == 'linux'", true],
    ["sys_platform == 'darwin'", false],
    ["sys_platform == 'linux' and platform_machine == 'x86_64'", true],
    ["platform_machine == 'aarch64' or platform_machine == 'x86_64'", true],
    ['python_version >= "3.10"', true],
    ['python_version < "3.9"', false],
    ["python_full_version >= '3.11.1' and python_full_version < '3.12'", true],
    ['python_version ~= "3.11"', true],
    ["implementation_name == 'cpython' and platform_python_implementation != 'PyPy'", true],
    ["(sys_platform == 'win32' or sys_platform == 'linux') and python_version >= '3.11'", true],
    ["sys_platform == 'win32' or sys_platform == 'darwin' and python_version >= '3.8'", false], // and binds tighter
    ["'linux' in sys_platform", true],
    ["'win' not in sys_platform", true],
    ["extra == 'gpu'", false],
    ["os_name == 'nt'", false],
    ["'3.11' == python_version", true],
  ])('%s: %s', (marker, expected) => {
    expect(evaluateMarker(marker, env)).toBe(expected);
  });

  it('an extra asked for is true', () => {
    expect(evaluateMarker("extra == 'gpu'", { ...env, extra: 'gpu' })).toBe(true);
  });

  it.each([
    ['an unknown variable', "nonsense == 'x'"],
    ['no operator', "sys_platform 'linux'"],
    ['unbalanced', "(sys_platform == 'linux'"],
    ['trailing garbage', "sys_platform == 'linux' )"],
    ['a version operator between strings that are not versions', "sys_platform ~= 'linux'"],
    ['nesting past the bound', `${'('.repeat(40)}sys_platform == 'linux'${')'.repeat(40)}`],
    ['an empty marker', '   '],
  ])('hostile or malformed: %s is null (undecided), never a crash', (_name, marker) => {
    expect(evaluateMarker(marker, env)).toBeNull();
  });

  it('a marker past the length bound is undecided', () => {
    expect(evaluateMarker(`sys_platform == '${'x'.repeat(5000)}'`, env)).toBeNull();
  });
});

// Loader variables in a manifest's env (project/env-rules.ts): refused in repro.yaml at build,
// and in a bundle's manifest at exec.
import { describe, expect, it } from 'vitest';
import { checkBundleEnv, isLoaderVariable, loaderVariables } from '../../../src/project/env-rules.js';
import { readReproYaml } from '../../../src/project/read-repro-yaml.js';

describe('loader variables', () => {
  it.each(['LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'LD_DEBUG', 'DYLD_INSERT_LIBRARIES', 'GCONV_PATH', 'LOCPATH', 'NLSPATH', 'HOSTALIASES', 'MALLOC_TRACE'])('%s is one', (name) => {
    expect(isLoaderVariable(name)).toBe(true);
  });

  it.each(['PYTHONHASHSEED', 'OMP_NUM_THREADS', 'CUBLAS_WORKSPACE_CONFIG', 'TMPDIR', 'TZDIR', 'OLD_PRELOAD', 'ld_preload'])('%s is not', (name) => {
    expect(isLoaderVariable(name)).toBe(false);
  });

  it('repro.yaml: refused at the line that sets it (exit 3)', () => {
    const yaml = 'name: a\nversion: 1.0.0\nentry_points:\n  main:\n    command: "true"\nenv:\n  PYTHONHASHSEED: 0\n  LD_PRELOAD: ./evil.so\n';
    expect(() => readReproYaml(yaml)).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringMatching(/^repro\.yaml:8: env sets LD_PRELOAD/) }));
  });

  it('a bundle manifest: E_UNSAFE_ENTRY naming every one, sorted', () => {
    expect(loaderVariables({ LD_PRELOAD: 'x', A: 'b', GCONV_PATH: '.' })).toEqual(['GCONV_PATH', 'LD_PRELOAD']);
    expect(() => checkBundleEnv({ LD_PRELOAD: 'x', GCONV_PATH: '.' })).toThrow(expect.objectContaining({ code: 'E_UNSAFE_ENTRY', details: { variables: ['GCONV_PATH', 'LD_PRELOAD'], rule: 'loader-variable' } }));
    expect(() => checkBundleEnv({ PYTHONHASHSEED: '0' })).not.toThrow();
  });
});

// What the new environment's interpreter says of itself (parsed, and refused when its install
// folders are outside the environment: a distutils.cfg or patched sysconfig sending files elsewhere).
import { describe, expect, it } from 'vitest';
import { parseProbe } from '../../../src/exec/environment.js';

const venv = '/c/envs/abc';
const line = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ paths: { purelib: `${venv}/lib/python3.11/site-packages`, platlib: `${venv}/lib/python3.11/site-packages`, scripts: `${venv}/bin`, data: venv, include: '/usr/include/python3.11' }, cache_tag: 'cpython-311', implementation: 'cpython', version: [3, 11], glibc: 'glibc 2.36', machine: 'x86_64', ...over });

describe('parseProbe', () => {
  it('reads the install scheme, the bytecode tag and the tags wheels are matched against', () => {
    const p = parseProbe(`${line()}\n`, venv);
    expect(p.cacheTag).toBe('cpython-311');
    expect(p.paths.scripts).toBe(`${venv}/bin`);
    expect(p.tags).toEqual({ implementation: 'cpython', version: [3, 11], glibc: [2, 36], machine: 'x86_64' });
  });

  it('a C library other than glibc is null (musl): manylinux wheels will not fit', () => {
    expect(parseProbe(line({ glibc: null }), venv).tags.glibc).toBeNull();
  });

  it('attack: an install folder outside the environment is refused, naming it', () => {
    expect(() => parseProbe(line({ paths: { purelib: '/usr/lib/python3/dist-packages', platlib: `${venv}/lib`, scripts: `${venv}/bin`, data: venv } }), venv)).toThrow(/purelib folder \(\/usr\/lib\/python3\/dist-packages\) is not inside it/);
    expect(() => parseProbe(line({ paths: { purelib: `${venv}-evil/lib`, platlib: `${venv}/lib`, scripts: `${venv}/bin`, data: venv } }), venv)).toThrow(/not inside it/);
  });

  it('output that is not the probe\'s JSON, or lacks the cache tag, is E_ENV', () => {
    expect(() => parseProbe('Traceback (most recent call last):', venv)).toThrow(expect.objectContaining({ code: 'E_ENV' }));
    expect(() => parseProbe(line({ cache_tag: null }), venv)).toThrow(/no bytecode cache tag/);
    expect(() => parseProbe(line({ cache_tag: '../x' }), venv)).toThrow(/no bytecode cache tag/);
  });
});

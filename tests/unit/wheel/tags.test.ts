// Which wheels an interpreter installs, as pip decides (PEP 425, 600, 656), checked on the tags of
// real PyPI wheels.
import { describe, expect, it } from 'vitest';
import { parseWheelName } from '../../../src/wheel/filename.js';
import { wheelFits, type InterpreterTags } from '../../../src/wheel/tags.js';

const bookworm: InterpreterTags = { implementation: 'cpython', version: [3, 11], glibc: [2, 36], machine: 'x86_64' };
const fits = (file: string, t = bookworm) => wheelFits(parseWheelName(file)!, t);

describe('wheelFits', () => {
  it.each([
    ['numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', true],
    ['numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', false],
    ['numpy-1.26.4-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl', false],
    ['numpy-1.26.4-cp311-cp311-musllinux_1_1_x86_64.whl', false],
    ['numpy-1.26.4-cp311-cp311-win_amd64.whl', false],
    ['cryptography-51.0.1-cp311-abi3-manylinux_2_34_x86_64.whl', true],
    ['cryptography-44.0.0-cp39-abi3-manylinux_2_28_x86_64.whl', true],
    ['cryptography-51.0.1-cp311-abi3-manylinux_2_39_x86_64.whl', false],
    ['protobuf-5.29.6-cp38-abi3-manylinux2014_x86_64.whl', true],
    ['pyyaml-6.0.4-cp311-cp311-manylinux1_x86_64.whl', true],
    ['tzdata-2026.6-py2.py3-none-any.whl', true],
    ['x-1.0-py311-none-any.whl', true],
    ['x-1.0-py312-none-any.whl', false],
    ['x-1.0-cp311-none-any.whl', true],
    ['x-1.0-cp310-cp310-linux_x86_64.whl', false],
    ['x-1.0-cp311-cp311-linux_x86_64.whl', true],
    ['uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', true],
    ['x-1.0-py2-none-any.whl', false],
  ])('%s on CPython 3.11, glibc 2.36, x86_64: %s', (file, want) => {
    expect(fits(file)).toBe(want);
  });

  it('a musl interpreter takes no manylinux wheel; a 3.12 one no cp311 ABI wheel but cp311-abi3 yes', () => {
    expect(fits('numpy-1.26.4-cp311-cp311-manylinux2014_x86_64.whl', { ...bookworm, glibc: null })).toBe(false);
    expect(fits('cryptography-51.0.1-cp311-abi3-manylinux_2_34_x86_64.whl', { ...bookworm, version: [3, 12] })).toBe(true);
    expect(fits('numpy-1.26.4-cp311-cp311-manylinux2014_x86_64.whl', { ...bookworm, version: [3, 12] })).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { parseWheelName, wheelDirStem } from '../../../src/wheel/filename.js';

describe('parseWheelName', () => {
  it.each([
    ['numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', { project: 'numpy', version: '1.26.4', build: null, pythonTags: ['cp311'], abiTags: ['cp311'], platformTags: ['manylinux_2_17_x86_64', 'manylinux2014_x86_64'] }],
    ['tzdata-2026.6-py2.py3-none-any.whl', { project: 'tzdata', version: '2026.6', pythonTags: ['py2', 'py3'], abiTags: ['none'], platformTags: ['any'] }],
    ['Typing_Extensions-4.16.0-1build-py3-none-any.whl', { project: 'typing-extensions', version: '4.16.0', build: '1build' }],
    ['cryptography-51.0.1-cp311-abi3-manylinux_2_34_x86_64.whl', { abiTags: ['abi3'] }],
  ])('%s', (file, want) => {
    expect(parseWheelName(file)).toMatchObject({ file, ...want });
  });

  it.each(['numpy-1.26.4.tar.gz', 'numpy-1.26.4-cp311.whl', 'a-b-c-d-e-f-g.whl', 'numpy-1.26.4-cp311-cp311-linux_x86_64.zip'])('%s is no wheel name', (file) => {
    expect(parseWheelName(file)).toBeNull();
  });

  it('the .dist-info stem keeps the file name\'s spelling', () => {
    expect(wheelDirStem('mlflow_skinny-2.17.2-py3-none-any.whl')).toBe('mlflow_skinny-2.17.2');
  });
});

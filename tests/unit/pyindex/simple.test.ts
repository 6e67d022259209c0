// The simple index's pages as pip reads them (PEP 503 HTML, PEP 691 JSON), and what a hostile
// index cannot make repro record.
import { describe, expect, it } from 'vitest';
import { distributionOf, indexEndpoint, parseSimpleHtml, parseSimpleJson, parseSimpleJsonLinks } from '../../../src/pyindex/simple.js';

const H = (c: string) => c.repeat(64);
const PAGE = 'https://index.example/simple/scikit-learn/';

describe('distributionOf', () => {
  it('reads wheels (with and without a build tag) and sdists, names normalized', () => {
    expect(distributionOf('scikit_learn-1.5.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl')).toEqual({ project: 'scikit-learn', version: '1.5.2' });
    expect(distributionOf('torch-2.5.1+cpu-1build-cp311-cp311-linux_x86_64.whl')).toEqual({ project: 'torch', version: '2.5.1+cpu' });
    expect(distributionOf('scikit-learn-1.5.2.tar.gz')).toEqual({ project: 'scikit-learn', version: '1.5.2' });
    expect(distributionOf('readme.txt')).toBeNull();
  });
});

describe('parseSimpleHtml', () => {
  it('takes each anchor\'s file, its hash from the #sha256= fragment, resolves relative links, and reads data-yanked and data-requires-python', () => {
    const html = `<a href="../../files/scikit_learn-1.5.2-py3-none-any.whl#sha256=${H('a')}" data-requires-python="&gt;=3.9">scikit_learn-1.5.2-py3-none-any.whl</a>
<a href="https://files.example/scikit-learn-1.5.2.tar.gz#sha256=${H('B')}" data-yanked="">scikit-learn-1.5.2.tar.gz</a>`;
    expect(parseSimpleHtml(html, PAGE, 'scikit-learn')).toEqual([
      { filename: 'scikit_learn-1.5.2-py3-none-any.whl', url: 'https://index.example/files/scikit_learn-1.5.2-py3-none-any.whl', sha256: H('a'), yanked: false, requiresPython: '>=3.9' },
      { filename: 'scikit-learn-1.5.2.tar.gz', url: 'https://files.example/scikit-learn-1.5.2.tar.gz', sha256: H('b'), yanked: true, requiresPython: null },
    ]);
  });

  it('attack: a page cannot slip in another project\'s file, a file without a proper sha256, a javascript: or file: link', () => {
    const html = `<a href="/f/numpy-2.0.0-py3-none-any.whl#sha256=${H('a')}">numpy-2.0.0-py3-none-any.whl</a>
<a href="/f/scikit_learn-1.5.2-py3-none-any.whl#md5=${'c'.repeat(32)}">scikit_learn-1.5.2-py3-none-any.whl</a>
<a href="/f/scikit_learn-1.5.2-py3-none-any.whl#sha256=${'d'.repeat(63)}">scikit_learn-1.5.2-py3-none-any.whl</a>
<a href="javascript:alert(1)#sha256=${H('e')}">scikit_learn-1.5.2-py3-none-any.whl</a>
<a href="file:///etc/passwd#sha256=${H('f')}">scikit_learn-1.5.2-py3-none-any.whl</a>`;
    expect(parseSimpleHtml(html, PAGE, 'scikit-learn')).toEqual([]);
  });
});

describe('parseSimpleJson', () => {
  it('reads PEP 691 files, their sha256, requires-python and yanked (a reason string counts)', () => {
    const doc = { meta: { 'api-version': '1.1' }, files: [{ filename: 'scikit_learn-1.5.2-py3-none-any.whl', url: '/files/x.whl', hashes: { sha256: H('A') }, yanked: 'broken', 'requires-python': '>=3.9' }, { filename: 'scikit-learn-1.5.2.tar.gz', url: 'https://f.example/s.tar.gz', hashes: {} }, 'junk'] };
    expect(parseSimpleJson(doc, PAGE, 'scikit-learn')).toEqual([{ filename: 'scikit_learn-1.5.2-py3-none-any.whl', url: 'https://index.example/files/x.whl', sha256: H('a'), yanked: true, requiresPython: '>=3.9' }]);
    expect(parseSimpleJson({ files: 'nope' }, PAGE, 'x')).toEqual([]);
  });
});

describe('parseSimpleJsonLinks', () => {
  it('attack: a size that is no byte count (negative, fractional, a string, past 2^53) is dropped; a true one is kept for the progress bar only', () => {
    const sha = 'a'.repeat(64);
    const file = (size: unknown) => ({ filename: 'demo-1.0-py3-none-any.whl', url: '../../files/demo-1.0-py3-none-any.whl', hashes: { sha256: sha }, size });
    const sizes = [-1, 1.5, '1000', 2 ** 60, 1234].map((size) => parseSimpleJsonLinks({ files: [file(size)] }, 'http://127.0.0.1/simple/demo/', 'demo')[0]!.size);
    expect(sizes).toEqual([undefined, undefined, undefined, undefined, 1234]);
  });
});

describe('indexEndpoint', () => {
  it('cuts credentials out of the URL into a Basic header; refuses what is not http(s)', () => {
    expect(indexEndpoint('https://user:p%40ss@index.example/simple')).toEqual({ url: 'https://index.example/simple/', authorization: `Basic ${Buffer.from('user:p@ss').toString('base64')}` });
    expect(indexEndpoint('http://127.0.0.1:8080/simple/')).toEqual({ url: 'http://127.0.0.1:8080/simple/', authorization: null });
    expect(() => indexEndpoint('file:///srv/simple')).toThrow(/must be http\(s\)/);
    expect(() => indexEndpoint('not a url')).toThrow(/is not a URL/);
  });
});

// renderLock and the index choice of `repro lock` (locker/lock.ts); planLock against a real index
// is in tests/integration/locker.
import { describe, expect, it } from 'vitest';
import { indexesFrom, renderLock, type LockPlan } from '../../../src/locker/lock.js';

const plan = (indexes: string[]): LockPlan => ({
  packages: [
    { name: 'numpy', version: '1.26.4', hashes: [`sha256:${'a'.repeat(64)}`, `sha256:${'b'.repeat(64)}`], files: 2 },
    { name: 'scikit-learn', version: '1.5.2', hashes: [`sha256:${'c'.repeat(64)}`], files: 1 },
  ],
  excluded: [],
  python: '3.11.2',
  indexes,
  snapshotDigest: 'sha256:0123',
});

describe('renderLock', () => {
  it('every line hashed, no date, PyPI left implicit', () => {
    expect(renderLock(plan(['https://pypi.org/simple']), 'repro.snapshot.json')).toBe(`# Written by repro lock from repro.snapshot.json (sha256:0123): the exact versions installed in
# Python 3.11.2, each with the sha256 of every file the index serves for it. pip install
# --require-hashes --no-deps -r this-file installs what was recorded. Made again by repro lock.
numpy==1.26.4 \\
    --hash=sha256:${'a'.repeat(64)} \\
    --hash=sha256:${'b'.repeat(64)}
scikit-learn==1.5.2 \\
    --hash=sha256:${'c'.repeat(64)}
`);
  });

  it('another index is named, the extra ones after it', () => {
    const text = renderLock(plan(['http://127.0.0.1:8080/simple', 'https://download.pytorch.org/whl/cpu']), 's.json');
    expect(text).toContain('--index-url http://127.0.0.1:8080/simple\n--extra-index-url https://download.pytorch.org/whl/cpu\nnumpy==');
  });
});

describe('indexesFrom', () => {
  it('--index-url, else PIP_INDEX_URL, UV_DEFAULT_INDEX, UV_INDEX_URL, else PyPI; extras from the flag or PIP_EXTRA_INDEX_URL', () => {
    expect(indexesFrom({}, {})).toEqual(['https://pypi.org/simple']);
    expect(indexesFrom({}, { UV_INDEX_URL: 'https://u/simple', PIP_INDEX_URL: 'https://p/simple' })).toEqual(['https://p/simple']);
    expect(indexesFrom({ indexUrl: 'https://x/simple' }, { PIP_INDEX_URL: 'https://p/simple', PIP_EXTRA_INDEX_URL: 'https://e1/simple https://e2/simple' })).toEqual(['https://x/simple', 'https://e1/simple', 'https://e2/simple']);
    expect(indexesFrom({ extraIndexUrl: ['https://t/simple'] }, { PIP_EXTRA_INDEX_URL: 'https://e1/simple' })).toEqual(['https://pypi.org/simple', 'https://t/simple']);
  });
});

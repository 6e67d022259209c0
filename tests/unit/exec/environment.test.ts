// What a locked environment installs from vendored wheels: the lock's own index lines are cut
// (the sandbox has no network; pip would ask them and retry), the requirements and their hashes kept.
import { describe, expect, it } from 'vitest';
import { withoutIndexOptions } from '../../../src/exec/environment.js';

describe('withoutIndexOptions', () => {
  it('cuts --index-url, -i, --extra-index-url, --find-links, -f, --no-index and --trusted-host; keeps every requirement with its hashes', () => {
    const text = `--index-url https://u:p@index.example/simple
-i https://other/simple
--extra-index-url https://x/simple
--find-links http://127.0.0.1:8000/
-f ./wheels
--no-index
--trusted-host index.example
numpy==1.26.4 \\
    --hash=sha256:${'a'.repeat(64)} \\
    --hash=sha256:${'b'.repeat(64)}
sqlparse==0.6.1 --hash=sha256:${'c'.repeat(64)} ; python_version >= "3.8"
`;
    expect(withoutIndexOptions(text)).toBe(`numpy==1.26.4      --hash=sha256:${'a'.repeat(64)}      --hash=sha256:${'b'.repeat(64)}\nsqlparse==0.6.1 --hash=sha256:${'c'.repeat(64)} ; python_version >= "3.8"\n`);
  });
});

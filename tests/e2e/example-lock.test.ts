// The README's first command (`npm run demo`) builds examples/iris with --locked: the committed
// repro.lock must be what this repro builds, or the demo fails on a fresh clone. A change to the
// bundle format (a codec, the manifest) must come with the regenerated lock.
import { cpSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/project.js';

describe('examples/iris/repro.lock', () => {
  it('matches what this repro builds, so `npm run demo` (build --locked) passes on a fresh clone', async () => {
    const project = path.join(tempDir(), 'iris');
    cpSync(path.join(REPO_ROOT, 'examples', 'iris'), project, { recursive: true, filter: (src) => !src.includes(`${path.sep}.repro`) });
    const run = await runCli(['build', project, '-o', path.join(tempDir(), 'out'), '--locked', '--json']);
    expect(run.code, `${run.stdout}${run.stderr}\nIf the bundle format changed on purpose, run \`node dist/cli/bin.js build examples/iris\` and commit examples/iris/repro.lock.`).toBe(0);
    expect(run.json().result.lock.status).toBe('matched');
  });
});

// The .repro/ folder repro makes inside a project (its hash cache, its default bundle output)
// says itself that git should ignore it: a `.gitignore` of `*` inside it, written when repro
// creates the folder's content, so `git status` stays clean without the user editing anything.
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const REPRO_DIR = '.repro';

/** Writes `<dir>/.gitignore` (`*`) when `dir` is a .repro folder that has none. Never throws. */
export async function ignoreReproDir(dir: string): Promise<void> {
  if (path.basename(dir) !== REPRO_DIR) return;
  await fs.writeFile(path.join(dir, '.gitignore'), '# written by repro: nothing here belongs in git\n*\n', { flag: 'wx' }).catch(() => {});
}

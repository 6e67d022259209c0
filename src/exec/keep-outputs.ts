// After a local run: only what the run declared comes back to the user. The entry point worked
// in a scratch copy (runs/<id>/.scratch); each declared output it left there, as recorded with
// the safe rules of read-output.ts (no links followed, no special file opened, a refused output
// not kept at all), is moved into runs/<id>/project, and the scratch directory is removed. A
// .git/config with core.fsmonitor, a .envrc or any dotfile the entry point planted never lands
// where the user (or a git-aware shell prompt) will look.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fsError } from '../core/errors.js';
import type { OutputRecord } from '../run-record/record.js';

/** The scratch directory under a run directory. */
export const SCRATCH_DIR = '.scratch';

/**
 * A regular file moved from the scratch copy (a rename on the same file system: no second copy of
 * a multi-gigabyte model). It is checked with lstat first: only a regular file moves, never a link
 * or anything else standing there now.
 */
async function keepRegular(src: string, dest: string): Promise<void> {
  const st = await fs.lstat(src).catch(() => null);
  if (!st?.isFile()) return;
  await fs.mkdir(path.dirname(dest), { recursive: true });
  // From another file system (exec --verify's copy on a tmpfs): copied, then removed.
  await fs.rename(src, dest).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EXDEV') throw err;
    await fs.copyFile(src, dest);
    await fs.rm(src);
  });
  await fs.chmod(dest, st.mode & 0o111 ? 0o755 : 0o644);
}

export async function keepDeclaredOutputs(workDir: string, outputDir: string, recorded: readonly OutputRecord[], scratch: string): Promise<void> {
  try {
    await fs.mkdir(outputDir, { recursive: true });
    for (const o of recorded) {
      if (o.sha256 === null || o.refused) continue; // missing or refused: nothing to keep
      if (o.files) for (const f of o.files) await keepRegular(path.join(workDir, o.path, f.path), path.join(outputDir, o.path, f.path));
      else await keepRegular(path.join(workDir, o.path), path.join(outputDir, o.path));
    }
  } catch (err) {
    throw fsError(err, outputDir, 'cannot move the outputs into the run directory', { space: 'Free some space, or pass --out on a larger disk.' });
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

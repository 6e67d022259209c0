// After a local run: only what the run declared comes back to the user. The entry point worked
// in a scratch copy (runs/<id>/.scratch); each declared output it left there, as recorded with
// the safe rules of read-output.ts (no links followed, no special file opened, a refused output
// not copied at all), is copied into runs/<id>/project, and the scratch directory is removed. A
// .git/config with core.fsmonitor, a .envrc or any dotfile the entry point planted never lands
// where the user (or a git-aware shell prompt) will look.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { fsError } from '../core/errors.js';
import type { OutputRecord } from '../run-record/record.js';

/** The scratch directory under a run directory. */
export const SCRATCH_DIR = '.scratch';

/** A regular file copied without following links (O_NOFOLLOW), its mode kept to 0644/0755. */
async function copyRegular(src: string, dest: string): Promise<void> {
  const input = await fs.open(src, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const st = await input.stat();
    if (!st.isFile()) return;
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const output = await fs.open(dest, 'wx', st.mode & 0o111 ? 0o755 : 0o644);
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let n; (n = (await input.read(buf, 0, buf.length)).bytesRead) > 0; ) await output.write(buf, 0, n);
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

export async function keepDeclaredOutputs(workDir: string, outputDir: string, recorded: readonly OutputRecord[], scratch: string): Promise<void> {
  try {
    await fs.mkdir(outputDir, { recursive: true });
    for (const o of recorded) {
      if (o.sha256 === null || o.refused) continue; // missing or refused: nothing to keep
      if (o.files) for (const f of o.files) await copyRegular(path.join(workDir, o.path, f.path), path.join(outputDir, o.path, f.path));
      else await copyRegular(path.join(workDir, o.path), path.join(outputDir, o.path));
    }
  } catch (err) {
    throw fsError(err, outputDir, 'cannot copy the outputs into the run directory', { space: 'Free some space, or pass --out on a larger disk.' });
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

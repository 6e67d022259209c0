// Writes that are all-or-nothing: data goes to a temp file in the target's own directory,
// is fsynced, then renamed over the target. A process killed at any moment leaves either the
// old file or the new one, never a half-written file at the target path.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sha256File } from './digest.js';
import { fsError } from './errors.js';

export const TEMP_PREFIX = '.repro-tmp-';

/** A temp path beside `target`, named so repro can recognise and clean it later. */
export function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}-${base}`);
}

export async function fsyncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

/** Renames a finished temp file into place and makes the rename durable. */
export async function commitTemp(temp: string, target: string): Promise<void> {
  try {
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw fsError(err, target, 'cannot move the finished file into place');
  }
  await fsyncDirectory(path.dirname(target));
}

/** `mode`: the file's permissions (default 0644; 0600 for what only its owner may read). */
export async function writeFileAtomic(target: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  await writeChunksAtomic(target, [typeof data === 'string' ? Buffer.from(data, 'utf8') : data], options);
}

/**
 * writeFileAtomic for content made as it is written (a generator's chunks): nothing the size of
 * the file is held. With `keepIfSame`, a target that already holds exactly these bytes (same
 * size and sha256, read as a stream) is left untouched and false is returned; else true.
 */
export async function writeChunksAtomic(target: string, chunks: Iterable<Uint8Array>, options: { keepIfSame?: boolean; mode?: number } = {}): Promise<boolean> {
  const temp = tempPathFor(target);
  const hash = createHash('sha256');
  let size = 0;
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx', options.mode ?? 0o644);
    for (const chunk of chunks) {
      hash.update(chunk);
      size += chunk.length;
      await handle.write(chunk);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
  } catch (err) {
    await handle?.close().catch(() => {});
    await fs.rm(temp, { force: true });
    throw fsError(err, target, 'cannot write');
  }
  if (options.keepIfSame && (await sameContent(target, size, hash.digest('hex')))) {
    await fs.rm(temp, { force: true });
    return false;
  }
  await commitTemp(temp, target);
  return true;
}

/** Whether `file` is `size` bytes whose sha256 is `sha256` (false when it cannot be read). */
async function sameContent(file: string, size: number, sha256: string): Promise<boolean> {
  try {
    if ((await fs.stat(file)).size !== size) return false;
    return (await sha256File(file)) === `sha256:${sha256}`;
  } catch {
    return false;
  }
}

/**
 * Removes temp files left in `dir` by repro processes that no longer exist (killed with
 * SIGKILL, say). Files of live processes are left alone.
 */
export async function removeStaleTemps(dir: string, isAlive: (pid: number) => boolean): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const pid = Number.parseInt(name.slice(TEMP_PREFIX.length), 10);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue;
    await fs.rm(path.join(dir, name), { force: true, recursive: true });
    removed.push(name);
  }
  return removed;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

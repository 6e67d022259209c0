// The local backend's working directory: a copy of the cached project in the run directory, so
// the entry point reads project files and writes outputs by relative paths, as it did when it
// was developed, while the cached bundle stays untouched. Copies use reflinks where the file
// system has them, and run several at a time (the thread pool's width): a 10,000-file project
// took 2.4 s copied one file after another. makeFreshDir makes the run, sweep or job directory
// itself, which must not exist yet.
import { constants, promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { ReproError, fsError } from '../core/errors.js';

const PARALLEL = 16;

export async function copyProject(from: string, to: string): Promise<void> {
  const files: Array<[string, string]> = [];
  const walk = async (src: string, dest: string): Promise<void> => {
    await fs.mkdir(dest, { recursive: true });
    for (const entry of await fs.readdir(src, { withFileTypes: true })) {
      const s = path.join(src, entry.name);
      const d = path.join(dest, entry.name);
      if (entry.isDirectory()) await walk(s, d);
      else if (entry.isSymbolicLink()) await fs.symlink(await fs.readlink(s), d);
      else files.push([s, d]);
    }
  };
  await walk(from, to);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const [src, dest] = files[next++]!;
      await fs.copyFile(src, dest, constants.COPYFILE_FICLONE);
      await fs.chmod(dest, (await fs.stat(src)).mode & 0o777);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, files.length) }, worker));
}

/**
 * exec --verify's "order" variation: the project copied one entry at a time, each folder's
 * entries created in the order the plain copy lists them (raw, as os.listdir sees them), onto a file system that lists newest
 * first (a tmpfs), so a listing here comes out the other way round. Hash-ordered file systems
 * (ext4's htree) list by name whatever the creation order, so the copy must be made on a tmpfs.
 * Says how many folders of two or more entries now list in another order than the source's.
 */
export async function copyProjectReordered(from: string, to: string): Promise<{ folders: number; reordered: number }> {
  let folders = 0;
  let reordered = 0;
  const walk = async (src: string, dest: string): Promise<void> => {
    await fs.mkdir(dest, { recursive: true });
    const entries = await rawListing(src);
    for (const entry of entries) {
      const s = path.join(src, entry.name);
      const d = path.join(dest, entry.name);
      if (entry.isDirectory()) await walk(s, d);
      else if (entry.isSymbolicLink()) await fs.symlink(await fs.readlink(s), d);
      else {
        await fs.copyFile(s, d);
        await fs.chmod(d, (await fs.stat(s)).mode & 0o777);
      }
    }
    if (entries.length < 2) return;
    folders++;
    const now = await rawListing(dest);
    if (now.map((e) => e.name).join('\0') !== entries.map((e) => e.name).join('\0')) reordered++;
  };
  await walk(from, to);
  return { folders, reordered };
}

/** A folder's entries in the order the file system lists them (fs.readdir sorts them; opendir does not). */
async function rawListing(dir: string): Promise<Dirent[]> {
  const out: Dirent[] = [];
  for await (const entry of await fs.opendir(dir)) out.push(entry);
  return out;
}

/** Makes a run, sweep or job directory that must not exist yet (its parents as needed). */
export async function makeFreshDir(dir: string, what: string): Promise<void> {
  await fs.mkdir(path.dirname(dir), { recursive: true });
  await fs.mkdir(dir).catch((err) => {
    throw (err as NodeJS.ErrnoException).code === 'EEXIST'
      ? new ReproError('E_USAGE', `the ${what} already exists: ${dir}`, { hint: 'Pass another --out, or remove it.', details: { path: dir } })
      : fsError(err, dir, `cannot create the ${what}`);
  });
}

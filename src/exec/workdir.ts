// The local backend's working directory: a copy of the cached project in the run directory, so
// the entry point reads project files and writes outputs by relative paths, as it did when it
// was developed, while the cached bundle stays untouched. Copies use reflinks where the file
// system has them.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

export async function copyProject(from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dest = path.join(to, entry.name);
    if (entry.isDirectory()) await copyProject(src, dest);
    else if (entry.isSymbolicLink()) await fs.symlink(await fs.readlink(src), dest);
    else {
      await fs.copyFile(src, dest, constants.COPYFILE_FICLONE);
      await fs.chmod(dest, (await fs.stat(src)).mode & 0o777);
    }
  }
}

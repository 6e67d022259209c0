// What a binary prints about itself (`node -p process.versions`, `nvcc --version`) never
// changes while the binary does not: remember it keyed by the binary's real path, size, mtime
// and inode, so exec's drift check does not spawn the same tool on every run.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';

async function memoFile(dir: string, binary: string, question: string): Promise<string | null> {
  try {
    const real = await fs.realpath(binary);
    const st = await fs.stat(real);
    return path.join(dir, `${createHash('sha256').update(`${real}\0${st.size}\0${st.mtimeMs}\0${st.ino}\0${question}`).digest('hex')}.json`);
  } catch {
    return null;
  }
}

/**
 * The answer remembered for `binary` and `question`, else compute() and remember it when it is
 * not null. No cacheDir: always compute. A damaged or unreadable memo is computed again.
 */
export async function memoByBinary<T>(cacheDir: string | undefined, binary: string | null, question: string, valid: (v: unknown) => v is T, compute: () => Promise<T | null>): Promise<T | null> {
  const file = binary && cacheDir ? await memoFile(cacheDir, binary, question) : null;
  if (file) {
    const known: unknown = await fs.readFile(file, 'utf8').then((t) => JSON.parse(t) as unknown).catch(() => null);
    if (valid(known)) return known;
  }
  const value = await compute();
  if (file && value !== null) {
    await fs
      .mkdir(path.dirname(file), { recursive: true })
      .then(() => writeFileAtomic(file, JSON.stringify(value)))
      .catch(() => {}); // a cache that cannot be written is only slower
  }
  return value;
}

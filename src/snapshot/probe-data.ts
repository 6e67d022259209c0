// Data hashes for `--data PATH...`: a file gives its size and sha256; a directory gives the
// sorted list of its files (relative path, size, sha256) and one tree digest over that list.
// Hashing runs on every core (the hash pool), with progress, through the hash cache, so a
// re-snapshot of unchanged data only stats files. Symlinks are followed (data stores such as
// DVC link into a cache); a loop or an unreadable file is a clear error.
import { createHash } from 'node:crypto';
import { promises as fs, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { ProgressReporter } from '../core/context.js';
import { ReproError, fsError } from '../core/errors.js';
import type { HashCache } from '../core/hash-cache.js';
import { compareUtf8 } from '../core/utf8-order.js';

export interface DataFile {
  path: string;
  size: number;
  sha256: string;
}

export type DataItem =
  | { path: string; type: 'file'; size: number; sha256: string }
  | { path: string; type: 'directory'; files: number; size: number; treeDigest: string; entries: DataFile[] };

interface Found {
  abs: string;
  rel: string;
  stat: Stats;
}

export interface DataOptions {
  /** Paths are reported relative to this directory when inside it. */
  projectDir: string;
  cache: HashCache;
  progress?: ProgressReporter;
}

/** sha256 over "<sha256> <size> <path>\n" for each file, in UTF-8 byte order of path. */
export function treeDigest(entries: readonly DataFile[]): string {
  const h = createHash('sha256');
  for (const e of entries) h.update(`${e.sha256} ${e.size} ${e.path}\n`);
  return `sha256:${h.digest('hex')}`;
}

export async function hashData(inputs: readonly string[], cwd: string, options: DataOptions): Promise<DataItem[]> {
  const roots = inputs.map((p) => path.resolve(cwd, p));
  const perRoot: Found[][] = [];
  for (const root of roots) {
    const st = await fs.stat(root).catch((err) => {
      throw fsError(err, root, 'cannot read --data');
    });
    perRoot.push(st.isDirectory() ? await walkData(root) : [{ abs: root, rel: path.basename(root), stat: st }]);
  }
  const all = perRoot.flat();
  const keyOf = (f: Found) => cacheKey(options.projectDir, f.abs);
  const known = new Map<Found, string>();
  const todo = all.filter((f) => {
    const cached = options.cache.get(keyOf(f), f.stat);
    if (cached !== undefined) known.set(f, cached);
    return cached === undefined;
  });
  options.progress?.start('hashing data', todo.reduce((s, f) => s + f.stat.size, 0));
  const { hashFileList } = await import('../core/hash-pool.js'); // worker threads: only when there is work
  const hashes = await hashFileList(todo.map((f) => ({ path: f.abs, size: f.stat.size })), { onProgress: (n) => options.progress?.tick(n) });
  options.progress?.stop();
  todo.forEach((f, i) => {
    if (hashes[i]!.size !== f.stat.size) throw new ReproError('E_CHANGED_DURING_BUILD', `data changed while it was hashed: ${f.abs}`, { hint: 'Stop whatever writes to the data and snapshot again.', details: { path: f.abs } });
    options.cache.set(keyOf(f), f.stat, hashes[i]!.sha256);
    known.set(f, hashes[i]!.sha256);
  });
  const sha = (f: Found) => known.get(f)!;
  return roots.map((root, i) => {
    const shown = displayPath(options.projectDir, root);
    const found = perRoot[i]!;
    const only = found[0]!;
    if (found.length === 1 && only.abs === root) return { path: shown, type: 'file', size: only.stat.size, sha256: sha(only) };
    const entries = found.map((f) => ({ path: f.rel, size: f.stat.size, sha256: sha(f) })).sort((a, b) => compareUtf8(a.path, b.path));
    return { path: shown, type: 'directory', files: entries.length, size: entries.reduce((s, e) => s + e.size, 0), treeDigest: treeDigest(entries), entries };
  });
}

function displayPath(projectDir: string, abs: string): string {
  const rel = path.relative(projectDir, abs);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel.split(path.sep).join('/');
}

function cacheKey(projectDir: string, abs: string): string {
  return `data:${displayPath(projectDir, abs)}`;
}

/**
 * Lists every file under `root`, following links. Synchronous on purpose: tens of thousands of
 * stat calls through the thread pool cost several times more than in a plain loop, and the
 * other probes meanwhile run in their own processes.
 */
async function walkData(root: string): Promise<Found[]> {
  const out: Found[] = [];
  const visiting = new Set<string>();
  const visit = (dir: string, rel: string): void => {
    let real: string;
    let names: string[];
    try {
      real = realpathSync(dir);
      names = readdirSync(dir);
    } catch (err) {
      throw fsError(err, dir, 'cannot list --data directory');
    }
    if (visiting.has(real)) {
      throw new ReproError('E_INPUT', `symbolic link loop in data: ${dir} leads back to ${real}`, {
        hint: 'Remove the link that points to one of its own parent directories.',
        details: { path: dir, target: real },
      });
    }
    visiting.add(real);
    for (const name of names) {
      const abs = path.join(dir, name);
      const childRel = rel === '' ? name : `${rel}/${name}`;
      let st: Stats;
      try {
        st = statSync(abs);
      } catch (err) {
        throw fsError(err, abs, 'cannot read --data');
      }
      if (st.isDirectory()) visit(abs, childRel);
      else if (st.isFile()) out.push({ abs, rel: childRel.normalize('NFC'), stat: st });
      else throw new ReproError('E_UNSUPPORTED_FILE', `not a regular file in data: ${abs}`, { hint: 'Data directories may hold files, directories and links to them.', details: { path: abs } });
    }
    visiting.delete(real);
  };
  visit(root, '');
  return out;
}

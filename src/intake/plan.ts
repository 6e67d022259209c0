// planContent: the project's side of planBuild, where everything about its files that can fail
// fails, before the first byte is written. It selects the files, classifies and stats each,
// checks names and links, cuts credentials from bundled copies, hashes the content and returns
// the complete table of canonical entries the writer will emit.
import { lstatSync, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { ReproError, fsError } from '../core/errors.js';
import { HashCache } from '../core/hash-cache.js';
import { hashFiles } from '../core/hash-pool.js';
import type { ProgressReporter } from '../core/context.js';
import { ruleMode } from '../bundle/entry.js';
import { EntryTable } from '../bundle/entry-table.js';
import { CollisionCheck, isInTreeLinkTarget, parentDirectories, toArchivePath } from '../bundle/paths.js';
import { selectFiles } from './select.js';
import { carriesCredentials, scrubCredentials } from '../secrets/files.js';
import { PROJECT_PREFIX } from '../bundle/layout.js';
import { changedError } from '../bundle/changed.js';

/** Configuration and lock files larger than this are bundled as they are (none are, in practice). */
const MAX_SCRUB_BYTES = 64 * 2 ** 20;


export interface ContentPlan {
  root: string;
  method: 'git' | 'walk' | 'list';
  /** Every entry under the project prefix (files, symlinks, directories), not yet sorted. */
  entries: EntryTable;
  totalBytes: number;
  /** The hash cache with this plan's results, to save once the build has succeeded. */
  cache: HashCache;
  /** Files whose bundle copy had credentials cut out (see credentials.ts), with how many. */
  credentialsRemoved: Array<{ path: string; removed: number }>;
  /** Files whose name is not in Unicode NFC on disk: the bundle holds the NFC spelling. */
  namesNormalized: Array<{ source: string; path: string }>;
  /** Files git or a .gitignore ignores, bundled as named data or re-included by a .reproignore. */
  forced: Array<{ path: string; why: 'data' | 'reproignore' }>;
  /** Virtual environments in the project, never bundled. */
  virtualenvs: string[];
}

export interface PlanContentOptions {
  exclude?: string[];
  env?: Readonly<Record<string, string | undefined>>;
  progress?: ProgressReporter;
  /** Use exactly these project-relative paths instead of selecting files. */
  files?: string[];
  /** Files repro adds to the project (path relative to the project -> content), unless present. */
  generated?: Record<string, Buffer>;
  /** The project's data (relative paths): bundled even when git ignores it. */
  data?: readonly string[];
}

export async function planContent(root: string, options: PlanContentOptions = {}): Promise<ContentPlan> {
  const selection = options.files
    ? { method: 'list' as const, paths: options.files, forced: [], virtualenvs: [] }
    : await selectFiles(root, { exclude: options.exclude, env: options.env, data: options.data });
  if (selection.paths.length === 0) {
    throw new ReproError('E_INPUT', `no files to bundle in ${root}`, {
      hint: 'Every file is excluded (by .gitignore, .reproignore or the junk list), or the directory is empty. `git status --ignored` shows what git ignores.',
      details: { path: root, selection: selection.method },
    });
  }
  // One name at a time: checked, stat'ed and added as a row; no per-file objects are kept.
  const table = new EntryTable(root, PROJECT_PREFIX);
  const named = (i: number) => ({ source: selection.paths[i]!, path: toArchivePath(selection.paths[i]!) });
  const collisions = new CollisionCheck(named);
  const namesNormalized: ContentPlan['namesNormalized'] = [];
  for (let i = 0; i < selection.paths.length; i++) {
    const item = named(i);
    assertValidName(item.source);
    collisions.add(item);
    if (item.source.normalize('NFC') !== item.source) namesNormalized.push(item);
  }
  for (const source of selection.paths) {
    const abs = path.join(root, source);
    let st: Stats;
    try {
      st = lstatSync(abs); // synchronous: one system call a file, no round trip through the thread pool
    } catch (err) {
      throw fsError(err, abs, 'cannot read');
    }
    const archivePath = [PROJECT_PREFIX, toArchivePath(source)].join('/'); // joined: one flat string, not a rope
    if (st.isFile()) {
      table.addFile(archivePath, source, ruleMode('file', st.mode), { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino });
    } else if (st.isSymbolicLink()) {
      table.addSymlink(archivePath, ruleMode('symlink', st.mode), await linkTarget(archivePath, abs));
    } else {
      throw unsupported(archivePath, st);
    }
  }
  const credentialsRemoved = await cutCredentials(table);
  let totalBytes = 0; // the project's files as bundled (a cut copy's own size)
  for (let row = 0; row < table.length; row++) if (table.hasSource(row)) totalBytes += table.sizeOf(row);
  for (const [rel, content] of Object.entries(options.generated ?? {})) {
    const archivePath = `${PROJECT_PREFIX}/${rel}`;
    if (table.has(archivePath)) continue; // the project's own file wins
    table.addContent(archivePath, content, 0o644);
  }
  // Every path is under PROJECT_PREFIX, so the prefix itself is among the parents.
  for (const dir of parentDirectories(table.paths())) table.addDirectory(dir);
  const cache = await hashWithCache(root, table, options.progress);
  return { root, method: selection.method, entries: table, totalBytes, cache, credentialsRemoved, namesNormalized, forced: selection.forced, virtualenvs: selection.virtualenvs };
}

/** Files that carry credentials (credentials.ts) are bundled with them cut out. */
async function cutCredentials(table: EntryTable): Promise<ContentPlan['credentialsRemoved']> {
  const removed: ContentPlan['credentialsRemoved'] = [];
  for (let row = 0; row < table.length; row++) {
    if (table.typeOf(row) !== 'file' || table.hasContent(row)) continue;
    const archivePath = table.pathOf(row);
    if (!carriesCredentials(projectRelative(archivePath)) || table.sizeOf(row) > MAX_SCRUB_BYTES) continue;
    const source = table.sourceOf(row)!;
    const bytes = await fs.readFile(source).catch((err) => {
      throw fsError(err, source, 'cannot read');
    });
    if (bytes.length !== table.sizeOf(row)) throw changedError(source);
    const text = bytes.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(bytes)) continue; // not UTF-8 text
    const scrubbed = scrubCredentials(projectRelative(archivePath), text);
    if (scrubbed.removed === 0) continue;
    // The bundle carries the cut copy; the source stays, so build --verify copies the original.
    table.replaceContent(row, Buffer.from(scrubbed.text, 'utf8'));
    removed.push({ path: projectRelative(archivePath), removed: scrubbed.removed });
  }
  return removed;
}

/**
 * Fills in every file's sha256: from the hash cache when its stat is unchanged, else hashed on
 * the worker pool. The cache saves its rows from the table itself (HashCache.saveFrom).
 */
async function hashWithCache(root: string, table: EntryTable, progress: ProgressReporter | undefined): Promise<HashCache> {
  const cache = await new HashCache(root).load();
  const key = (row: number) => projectRelative(table.pathOf(row));
  const fromDisk = (row: number) => table.hasSource(row) && !table.hasContent(row);
  cache.saveFrom(function* () {
    for (let row = 0; row < table.length; row++) {
      const sha256 = table.sha256Of(row);
      if (fromDisk(row) && sha256) yield [key(row), table.statOf(row)!, sha256] as const;
    }
  });
  const missing: number[] = [];
  let missingBytes = 0;
  for (let row = 0; row < table.length; row++) {
    if (!fromDisk(row)) continue;
    const sha256 = cache.get(key(row), table.statOf(row)!);
    if (sha256 !== undefined) table.setSha256(row, sha256);
    else {
      missing.push(row);
      missingBytes += table.sizeOf(row);
    }
  }
  cache.settle();
  progress?.start('hashing', missingBytes);
  try {
    await hashFiles(
      missing.length,
      (i) => ({ path: table.sourceOf(missing[i]!)!, size: table.sizeOf(missing[i]!) }),
      (i, h) => {
        const row = missing[i]!;
        if (h.size !== table.sizeOf(row)) throw changedError(table.sourceOf(row)!);
        table.setSha256(row, h.sha256);
      },
      { onProgress: (n) => progress?.tick(n), totalBytes: missingBytes },
    );
  } finally {
    progress?.stop();
  }
  return cache;
}

async function linkTarget(archivePath: string, abs: string): Promise<string> {
  const target = await fs.readlink(abs);
  const rel = projectRelative(archivePath);
  if (!isInTreeLinkTarget(rel, target)) {
    throw new ReproError('E_SYMLINK_ESCAPE', `symbolic link leaves the project: ${rel} -> ${target}`, {
      hint: 'Bundles hold only relative links that stay inside the project. Replace the link with the file, or exclude it in .reproignore.',
      details: { path: rel, target },
    });
  }
  return target.normalize('NFC');
}

/** 'project/a/b.py' -> 'a/b.py': the name the user knows, and the hash cache's key. */
function projectRelative(archivePath: string): string {
  return archivePath.slice(PROJECT_PREFIX.length + 1);
}

function unsupported(archivePath: string, st: Stats): ReproError {
  const rel = projectRelative(archivePath);
  const kind = st.isFIFO() ? 'FIFO' : st.isSocket() ? 'socket' : st.isBlockDevice() || st.isCharacterDevice() ? 'device file' : st.isDirectory() ? 'directory' : 'special file';
  return new ReproError('E_UNSUPPORTED_FILE', `cannot bundle a ${kind}: ${rel}`, {
    hint: 'Bundles hold regular files, directories and in-tree symlinks only. Exclude it in .reproignore.',
    details: { path: rel, kind },
  });
}

function assertValidName(source: string): void {
  if (source.includes('\uFFFD')) {
    throw new ReproError('E_INPUT', `file name is not valid UTF-8: ${JSON.stringify(source)}`, {
      hint: 'Rename the file with a UTF-8 name (convmv can do it) or exclude it in .reproignore.',
      details: { path: source },
    });
  }
}

// planBuild: everything that can fail fails here, before the first byte is written. It selects
// the files, classifies and stats each, checks names and links, hashes the content and
// returns the complete list of canonical entries the writer will emit.
import { createHash } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { ReproError, fsError } from '../core/errors.js';
import { HashCache } from '../core/hash-cache.js';
import { hashFiles } from '../core/hash-pool.js';
import type { ProgressReporter } from '../core/context.js';
import { DIR_MODE, ruleMode, type BundleEntry } from './entry.js';
import { assertNoCollisions, isInTreeLinkTarget, parentDirectories, sortByBytes, toArchivePath } from './paths.js';
import { selectFiles } from './select.js';
import { carriesCredentials, scrubCredentials } from './credentials.js';
import { PROJECT_PREFIX } from './layout.js';

/** Configuration and lock files larger than this are bundled as they are (none are, in practice). */
const MAX_SCRUB_BYTES = 64 * 2 ** 20;

export interface SourceEntry extends BundleEntry {
  /** Absolute path on disk (files only). */
  source?: string;
  /** Content written instead of reading `source`: made by repro (a generated MLproject, no
   * source), or a project file with its credentials cut (source kept for build --verify). */
  content?: Buffer;
  /** Identity seen at planning time; the writer refuses to bundle a file that changed since. */
  stat?: { size: number; mtimeMs: number; ctimeMs: number; ino: number };
}

export interface ContentPlan {
  root: string;
  method: 'git' | 'walk' | 'list';
  entries: SourceEntry[];
  totalBytes: number;
  /** The hash cache with this plan's results, to save once the build has succeeded. */
  cache: HashCache;
  /** Files whose bundle copy had credentials cut out (see credentials.ts), with how many. */
  credentialsRemoved: Array<{ path: string; removed: number }>;
}

export interface PlanContentOptions {
  exclude?: string[];
  env?: Readonly<Record<string, string | undefined>>;
  progress?: ProgressReporter;
  /** Use exactly these project-relative paths instead of selecting files. */
  files?: string[];
  /** Files repro adds to the project (path relative to the project -> content), unless present. */
  generated?: Record<string, Buffer>;
}

export async function planContent(root: string, options: PlanContentOptions = {}): Promise<ContentPlan> {
  const selection = options.files
    ? { method: 'list' as const, paths: options.files }
    : await selectFiles(root, { exclude: options.exclude, env: options.env });
  if (selection.paths.length === 0) {
    throw new ReproError('E_INPUT', `no files to bundle in ${root}`, {
      hint: 'Every file is excluded (by .gitignore, .reproignore or the junk list), or the directory is empty. `git status --ignored` shows what git ignores.',
      details: { path: root, selection: selection.method },
    });
  }
  const named = selection.paths.map((source) => ({ source, path: toArchivePath(source) }));
  for (const item of named) assertValidName(item.source);
  assertNoCollisions(named);

  const entries: SourceEntry[] = [];
  const files: SourceEntry[] = [];
  for (const item of named) {
    const abs = path.join(root, item.source);
    const st = await fs.lstat(abs).catch((err) => {
      throw fsError(err, abs, 'cannot read');
    });
    const entry = await classify(item.path, abs, st);
    entries.push(entry);
    if (entry.type === 'file') files.push(entry);
  }
  const credentialsRemoved: ContentPlan['credentialsRemoved'] = [];
  for (const f of files) {
    if (!carriesCredentials(f.path) || f.size > MAX_SCRUB_BYTES) continue;
    const bytes = await fs.readFile(f.source!).catch((err) => {
      throw fsError(err, f.source!, 'cannot read');
    });
    if (bytes.length !== f.size) throw changedError(f.source!);
    const text = bytes.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(bytes)) continue; // not UTF-8 text
    const scrubbed = scrubCredentials(f.path, text);
    if (scrubbed.removed === 0) continue;
    // The bundle carries the cut copy; `source` stays, so build --verify copies the original.
    f.content = Buffer.from(scrubbed.text, 'utf8');
    f.size = f.content.length;
    f.sha256 = createHash('sha256').update(f.content).digest('hex');
    credentialsRemoved.push({ path: f.path, removed: scrubbed.removed });
  }
  for (const [rel, content] of Object.entries(options.generated ?? {})) {
    if (entries.some((e) => e.path === rel)) continue; // the project's own file wins
    entries.push({ path: rel, type: 'file', mode: 0o644, size: content.length, content, sha256: createHash('sha256').update(content).digest('hex') });
  }
  for (const dir of parentDirectories(entries.map((e) => e.path))) {
    entries.push({ path: dir, type: 'directory', mode: DIR_MODE, size: 0 });
  }

  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  const cache = await new HashCache(root).load();
  // What the cache saves comes from the plan's own entries (see HashCache.saveFrom).
  cache.saveFrom(function* () {
    const prefix = PROJECT_PREFIX.length + 1; // keys are project-relative paths
    for (const f of files) if (f.content === undefined && f.stat && f.sha256) yield [f.path.slice(prefix), f.stat, f.sha256] as const;
  });
  const missing = files.filter((f) => f.content === undefined).filter((f) => {
    f.sha256 = cache.get(f.path, f.stat!);
    return f.sha256 === undefined;
  });
  cache.settle();
  options.progress?.start('hashing', missing.reduce((sum, f) => sum + f.size, 0));
  const hashes = await hashFiles(
    missing.map((f) => ({ path: f.source!, size: f.size })),
    { onProgress: (n) => options.progress?.tick(n) },
  );
  options.progress?.stop();
  hashes.forEach((h, i) => {
    const f = missing[i]!;
    if (h.size !== f.size) throw changedError(f.source!);
    f.sha256 = h.sha256;
  });
  // Prefixed in place, not copied: the cache's rows and the plan share these objects.
  for (const e of entries) e.path = `${PROJECT_PREFIX}/${e.path}`;
  entries.push({ path: PROJECT_PREFIX, type: 'directory', mode: DIR_MODE, size: 0 });
  return { root, method: selection.method, entries: sortByBytes(entries), totalBytes, cache, credentialsRemoved };
}

async function classify(archivePath: string, abs: string, st: Stats): Promise<SourceEntry> {
  if (st.isFile()) {
    return {
      path: archivePath,
      type: 'file',
      mode: ruleMode('file', st.mode),
      size: st.size,
      source: abs,
      stat: { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino },
    };
  }
  if (st.isSymbolicLink()) {
    const target = await fs.readlink(abs);
    if (!isInTreeLinkTarget(archivePath, target)) {
      throw new ReproError('E_SYMLINK_ESCAPE', `symbolic link leaves the project: ${archivePath} -> ${target}`, {
        hint: 'Bundles hold only relative links that stay inside the project. Replace the link with the file, or exclude it in .reproignore.',
        details: { path: archivePath, target },
      });
    }
    return { path: archivePath, type: 'symlink', mode: ruleMode('symlink', st.mode), size: 0, target: target.normalize('NFC') };
  }
  const kind = st.isFIFO() ? 'FIFO' : st.isSocket() ? 'socket' : st.isBlockDevice() || st.isCharacterDevice() ? 'device file' : 'special file';
  throw new ReproError('E_UNSUPPORTED_FILE', `cannot bundle a ${kind}: ${archivePath}`, {
    hint: 'Bundles hold regular files, directories and in-tree symlinks only. Exclude it in .reproignore.',
    details: { path: archivePath, kind },
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

export function changedError(source: string): ReproError {
  return new ReproError('E_CHANGED_DURING_BUILD', `file changed while the bundle was being built: ${source}`, {
    hint: 'Stop whatever is writing to the project (training, an editor, a sync tool) and build again.',
    details: { path: source },
  });
}

// Chooses which files of a project go into a bundle: in a git work tree the tracked files plus
// the untracked ones git does not ignore; elsewhere every file, honouring .gitignore files.
// `.reproignore` files (gitignore syntax, any directory) and the junk list always apply. Data on
// purpose: the paths a project names as its data (repro.yaml `data:`, the snapshot's --data) are
// bundled even when git or a .gitignore ignores them (datasets usually are), and a `!pattern` in
// a .reproignore brings back a file git ignores; each such file is reported (`forced`).
import { execFile } from 'node:child_process';
import { lstatSync, promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import ignore, { type Ignore } from 'ignore';
import { ReproError, fsError } from '../core/errors.js';
import { insideAny, junkMatcher, virtualenvDirs } from './junk.js';

const run = promisify(execFile);

export interface Selection {
  root: string;
  /** 'git' when git listed the files, 'walk' when the tree was walked. */
  method: 'git' | 'walk';
  /** Relative paths as on disk, '/'-separated: files and symlinks (never directories). */
  paths: string[];
  /** Paths git or a .gitignore ignores, bundled because they are named data or a .reproignore re-includes them, by why. */
  forced: Array<{ path: string; why: 'data' | 'reproignore' }>;
  /** Virtual environments found in the project and left out (folders with a pyvenv.cfg). */
  virtualenvs: string[];
}

export interface SelectOptions {
  /** Absolute directories (inside root) that must never be bundled, e.g. the output dir. */
  exclude?: string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Project-relative files or directories bundled even when ignored by git or a .gitignore (the project's data). */
  data?: readonly string[];
}

interface ScopedIgnore {
  /** Directory of the ignore file, relative to root ('' for root). */
  dir: string;
  matcher: Ignore;
  /** It has a !pattern (a re-inclusion). */
  negates?: boolean;
}

export async function selectFiles(root: string, options: SelectOptions = {}): Promise<Selection> {
  const stat = await fs.stat(root).catch((err) => {
    throw fsError(err, root, 'cannot read the project directory');
  });
  if (!stat.isDirectory()) {
    throw new ReproError('E_INPUT', `not a directory: ${root}`, {
      hint: 'Pass the project directory, e.g. `repro build .`.',
      details: { path: root },
    });
  }
  const excluded = (options.exclude ?? [])
    .map((dir) => path.relative(root, dir).split(path.sep).join('/'))
    .filter((rel) => rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel));
  const gitPaths = await listGitFiles(root, options.env);
  const method = gitPaths === null ? 'walk' : 'git';
  const candidates = gitPaths ?? (await walk(root, '', [], excluded));
  const junk = junkMatcher();
  const reproIgnores = await loadIgnoreFiles(root, candidates, '.reproignore');
  const paths: string[] = [];
  // A virtual environment inside the project (.venv) is never bundled, whatever git says.
  const venvs = virtualenvDirs(candidates).filter((d) => d !== '');
  const keep = (rel: string) => !junk.ignores(rel) && !excluded.some((dir) => rel === dir || rel.startsWith(`${dir}/`)) && !insideAny(rel, venvs) && !isIgnoredByScopes(rel, reproIgnores);
  for (const rel of candidates) if (keep(rel)) paths.push(rel);
  // What git (or a .gitignore) left out and the project asks for: its data, and !patterns.
  const forced: Selection['forced'] = [];
  const selected = new Set(paths);
  for (const rel of await dataFiles(root, options.data ?? [])) {
    if (selected.has(rel) || !keep(rel)) continue;
    selected.add(rel);
    paths.push(rel);
    forced.push({ path: rel, why: 'data' });
  }
  if (reproIgnores.some((s) => s.negates)) {
    const ignored = gitPaths === null ? (await walk(root, '', [], excluded, true)).filter((p) => !selected.has(p)) : await listGitIgnored(root, options.env);
    for (const rel of ignored) {
      if (selected.has(rel) || !keep(rel) || !isUnignoredByScopes(rel, reproIgnores)) continue;
      selected.add(rel);
      paths.push(rel);
      forced.push({ path: rel, why: 'reproignore' });
    }
  }
  return { root, method, paths, forced, virtualenvs: venvs };
}

/** Every file and link under the named data paths (inside the project; a missing one is skipped: the snapshot or build says so). */
async function dataFiles(root: string, data: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of data) {
    const abs = path.resolve(root, p);
    const rel = path.relative(root, abs).split(path.sep).join('/');
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const st = await fs.lstat(abs).catch(() => null);
    if (!st) continue;
    if (st.isDirectory()) out.push(...(await walk(root, rel, [], [], true)));
    else out.push(rel);
  }
  return out;
}

/** Untracked files git ignores (`git ls-files --others --ignored --exclude-standard`). */
async function listGitIgnored(root: string, env: SelectOptions['env']): Promise<string[]> {
  const { stdout } = await run('git', ['-C', root, 'ls-files', '-z', '--others', '--ignored', '--exclude-standard'], { env: gitEnvOf(env), maxBuffer: 1 << 30, encoding: 'buffer' });
  return stdout.toString('utf8').split('\0').filter((p) => p !== '');
}

/** The environment git runs with here: no optional locks, untranslated output. */
const gitEnvOf = (env: SelectOptions['env']) => ({ ...(env ?? {}), GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' }) as NodeJS.ProcessEnv;

/** `git ls-files` output relative to root, or null when root is not inside a git work tree. */
async function listGitFiles(root: string, env: SelectOptions['env']): Promise<string[] | null> {
  const gitEnv = gitEnvOf(env);
  try {
    const inside = await run('git', ['-C', root, 'rev-parse', '--is-inside-work-tree'], { env: gitEnv });
    if (inside.stdout.trim() !== 'true') return null;
  } catch {
    return null;
  }
  // A project inside a directory the enclosing repository ignores is not git's to list.
  if (await isIgnoredByGit(root, gitEnv)) return null;
  const { stdout } = await run('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    env: gitEnv,
    maxBuffer: 1 << 30,
    encoding: 'buffer',
  });
  const listed = [...new Set(stdout.toString('utf8').split('\0').filter((p) => p !== ''))];
  const out: string[] = [];
  for (const rel of listed) {
    let st;
    try {
      st = lstatSync(path.join(root, rel));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // tracked but deleted
      throw fsError(err, path.join(root, rel), 'cannot read');
    }
    // A submodule is listed as a directory: bundle its working-tree files.
    if (st.isDirectory()) out.push(...(await walk(root, rel, [], [])));
    else out.push(rel);
  }
  return out;
}

async function isIgnoredByGit(root: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    await run('git', ['-C', root, 'check-ignore', '-q', '.'], { env });
    return true;
  } catch {
    return false;
  }
}

/** The files under `rel`; `all`: every one, no .gitignore read (data, and what git ignores). */
async function walk(root: string, rel: string, scopes: ScopedIgnore[], excluded: string[], all = false): Promise<string[]> {
  const abs = path.join(root, rel);
  let dirents;
  try {
    dirents = readdirSync(abs, { withFileTypes: true });
  } catch (err) {
    throw fsError(err, abs, 'cannot list directory');
  }
  const gitignore = !all && dirents.some((d) => d.name === '.gitignore' && d.isFile())
    ? await readIgnoreFile(path.join(abs, '.gitignore'))
    : null;
  const here = gitignore ? [...scopes, { dir: rel, matcher: gitignore }] : scopes;
  const junk = junkMatcher();
  const out: string[] = [];
  for (const d of dirents) {
    const child = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) {
      if (junk.ignores(`${child}/`) || excluded.includes(child) || isIgnoredByScopes(`${child}/`, here)) continue;
      out.push(...(await walk(root, child, here, excluded, all)));
    } else if (!isIgnoredByScopes(child, here)) {
      out.push(child);
    }
  }
  return out;
}

async function readIgnoreFile(file: string): Promise<Ignore> {
  try {
    return ignore().add(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw fsError(err, file, 'cannot read ignore file');
  }
}

async function loadIgnoreFiles(root: string, candidates: readonly string[], name: string): Promise<ScopedIgnore[]> {
  const scopes: ScopedIgnore[] = [];
  for (const rel of candidates) {
    if (rel !== name && !rel.endsWith(`/${name}`)) continue;
    const dir = rel === name ? '' : rel.slice(0, -name.length - 1);
    const text = await fs.readFile(path.join(root, rel), 'utf8').catch(() => '');
    scopes.push({ dir, matcher: await readIgnoreFile(path.join(root, rel)), negates: /^\s*!/m.test(text) });
  }
  return scopes;
}

/** A .reproignore's !pattern names `rel` (re-includes it). */
function isUnignoredByScopes(rel: string, scopes: readonly ScopedIgnore[]): boolean {
  for (const scope of scopes) {
    const inner = scope.dir === '' ? rel : rel.startsWith(`${scope.dir}/`) ? rel.slice(scope.dir.length + 1) : null;
    if (inner && scope.matcher.test(inner).unignored) return true;
  }
  return false;
}

function isIgnoredByScopes(rel: string, scopes: readonly ScopedIgnore[]): boolean {
  for (const scope of scopes) {
    if (scope.dir === '') {
      if (scope.matcher.ignores(rel)) return true;
    } else if (rel.startsWith(`${scope.dir}/`)) {
      const inner = rel.slice(scope.dir.length + 1);
      if (inner !== '' && inner !== '/' && scope.matcher.ignores(inner)) return true;
    }
  }
  return false;
}

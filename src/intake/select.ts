// Chooses which files of a project go into a bundle: in a git work tree the tracked files plus
// the untracked ones git does not ignore; elsewhere every file, honouring .gitignore files.
// `.reproignore` files (gitignore syntax, any directory) and the junk list always apply.
import { execFile } from 'node:child_process';
import { lstatSync, promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import ignore, { type Ignore } from 'ignore';
import { ReproError, fsError } from '../core/errors.js';
import { junkMatcher } from './junk.js';

const run = promisify(execFile);

export interface Selection {
  root: string;
  /** 'git' when git listed the files, 'walk' when the tree was walked. */
  method: 'git' | 'walk';
  /** Relative paths as on disk, '/'-separated: files and symlinks (never directories). */
  paths: string[];
}

export interface SelectOptions {
  /** Absolute directories (inside root) that must never be bundled, e.g. the output dir. */
  exclude?: string[];
  env?: Readonly<Record<string, string | undefined>>;
}

interface ScopedIgnore {
  /** Directory of the ignore file, relative to root ('' for root). */
  dir: string;
  matcher: Ignore;
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
  for (const rel of candidates) {
    if (junk.ignores(rel)) continue;
    if (excluded.some((dir) => rel === dir || rel.startsWith(`${dir}/`))) continue;
    if (isIgnoredByScopes(rel, reproIgnores)) continue;
    paths.push(rel);
  }
  return { root, method, paths };
}

/** `git ls-files` output relative to root, or null when root is not inside a git work tree. */
async function listGitFiles(root: string, env: SelectOptions['env']): Promise<string[] | null> {
  const gitEnv = { ...(env ?? {}), GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' } as NodeJS.ProcessEnv;
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

async function walk(root: string, rel: string, scopes: ScopedIgnore[], excluded: string[]): Promise<string[]> {
  const abs = path.join(root, rel);
  let dirents;
  try {
    dirents = readdirSync(abs, { withFileTypes: true });
  } catch (err) {
    throw fsError(err, abs, 'cannot list directory');
  }
  const gitignore = dirents.some((d) => d.name === '.gitignore' && d.isFile())
    ? await readIgnoreFile(path.join(abs, '.gitignore'))
    : null;
  const here = gitignore ? [...scopes, { dir: rel, matcher: gitignore }] : scopes;
  const junk = junkMatcher();
  const out: string[] = [];
  for (const d of dirents) {
    const child = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) {
      if (junk.ignores(`${child}/`) || excluded.includes(child) || isIgnoredByScopes(`${child}/`, here)) continue;
      out.push(...(await walk(root, child, here, excluded)));
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
    scopes.push({ dir, matcher: await readIgnoreFile(path.join(root, rel)) });
  }
  return scopes;
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

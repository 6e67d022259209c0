// Real temp directories for tests: a project is made from a table of files, optionally as a
// git repository, and removed afterwards.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

export type FileSpec = string | Buffer | { content: string | Buffer; mode?: number } | { symlink: string };

const made: string[] = [];

afterEach(() => {
  while (made.length > 0) rmSync(made.pop()!, { recursive: true, force: true });
});

export function tempDir(prefix = 'repro-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export async function writeTree(root: string, files: Record<string, FileSpec>): Promise<void> {
  for (const [rel, spec] of Object.entries(files)) {
    const file = path.join(root, rel);
    await fs.mkdir(path.dirname(file), { recursive: true });
    if (typeof spec === 'object' && 'symlink' in spec) {
      await fs.symlink(spec.symlink, file);
    } else if (typeof spec === 'string' || Buffer.isBuffer(spec)) {
      await fs.writeFile(file, spec);
      await fs.chmod(file, 0o644);
    } else {
      await fs.writeFile(file, spec.content);
      await fs.chmod(file, spec.mode ?? 0o644);
    }
  }
}

export async function makeProject(files: Record<string, FileSpec>, options: { git?: boolean; name?: string } = {}): Promise<string> {
  const root = path.join(tempDir(), options.name ?? 'proj');
  await fs.mkdir(root, { recursive: true });
  await writeTree(root, files);
  if (options.git) {
    git(root, 'init', '-q');
    git(root, 'add', '-A');
    git(root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'init');
  }
  return root;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
}

export async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch {
    return [];
  }
}

// Git state: commit, branch, remotes (credentials stripped), dirty flag, changed and
// untracked files, and the sha256 of the uncommitted diff (the patch itself is stored only
// with --save-diff).
import { insideAny, virtualenvDirs } from '../intake/junk.js';
import { createHash } from 'node:crypto';
import { runTool } from './run-tool.js';
import { stripCredentials } from '../secrets/rules.js';

export interface GitIdentity {
  commit: string | null;
  branch: string | null;
  remotes: Record<string, string>;
  dirty: boolean;
  changed: string[];
  untracked: string[];
  /** sha256 of `git diff HEAD --binary`, or null when clean. */
  diffSha256: string | null;
}

export interface GitProbeResult {
  identity: GitIdentity | null;
  /** The uncommitted patch (for --save-diff); never part of the snapshot itself. */
  patch: string | null;
  notes: string[];
}

export interface GitProbeOptions {
  timeoutMs: number;
  env: Readonly<Record<string, string | undefined>>;
  /** Paths (relative to dir) that repro itself writes, left out of status and diff. */
  exclude?: readonly string[];
}

export async function probeGit(dir: string, options: GitProbeOptions): Promise<GitProbeResult> {
  const env = { ...options.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' };
  const git = (...args: string[]) => runTool('git', ['-C', dir, ...args], { timeoutMs: options.timeoutMs, env });
  const inside = await git('rev-parse', '--is-inside-work-tree');
  if (!inside.ok) {
    const reason = inside.status === 'absent' ? 'git not found' : 'not a git work tree';
    return { identity: null, patch: null, notes: [inside.status === 'absent' || /not a git/.test(inside.reason) ? reason : `git: ${inside.reason}`] };
  }
  // git answers exactly "true" inside a work tree; anything else is a git repro cannot trust.
  if (inside.stdout.trim() !== 'true') {
    return { identity: null, patch: null, notes: [`git printed something unexpected for rev-parse --is-inside-work-tree: ${JSON.stringify(inside.stdout.slice(0, 80))}`] };
  }
  const pathspec = ['--', '.', ...(options.exclude ?? []).map((p) => `:(exclude)${p}`)];
  const [head, branch, remotes, status, diff] = await Promise.all([
    git('rev-parse', '--verify', '-q', 'HEAD'),
    git('symbolic-ref', '-q', '--short', 'HEAD'),
    git('remote', '-v'),
    git('status', '--porcelain=v1', '-z', '--untracked-files=all', ...pathspec),
    git('diff', 'HEAD', '--binary', '--no-color', '--no-ext-diff', ...pathspec),
  ]);
  const notes: string[] = [];
  for (const [name, r] of [['status', status], ['remote', remotes]] as const) if (!r.ok && r.status !== 'failed') notes.push(`git ${name}: ${r.reason}`);
  const changed: string[] = [];
  const untracked: string[] = [];
  if (status.ok) {
    const parts = status.stdout.split('\0');
    for (let i = 0; i < parts.length; i++) {
      const rec = parts[i]!;
      if (rec.length < 4) continue;
      const code = rec.slice(0, 2);
      const file = rec.slice(3);
      if (code === '??') untracked.push(file);
      else changed.push(file);
      if (code[0] === 'R' || code[0] === 'C') i++; // the rename source follows
    }
  }
  // A virtual environment nobody told git to ignore would flood the record (a .venv: ~1,500
  // paths); it stands as its folder, once, with a note.
  const venvs = virtualenvDirs(untracked).filter((d) => d !== '');
  if (venvs.length > 0) {
    const before = untracked.length;
    const kept = untracked.filter((p) => !insideAny(p, venvs));
    untracked.splice(0, untracked.length, ...kept, ...venvs.map((d) => `${d}/`));
    notes.push(`git: ${venvs.map((d) => `${d}/`).join(', ')} (a virtual environment, ${before - kept.length} files) recorded as a folder, not file by file; add it to .gitignore`);
  }
  const patch = diff.ok && diff.stdout !== '' ? diff.stdout : null;
  return {
    identity: {
      commit: head.ok && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head.stdout.trim()) ? head.stdout.trim() : null,
      branch: branch.ok && branch.stdout.trim() !== '' ? branch.stdout.trim() : null,
      remotes: remotes.ok ? parseRemotes(remotes.stdout) : {},
      dirty: changed.length > 0 || untracked.length > 0,
      changed: changed.sort(),
      untracked: untracked.sort(),
      diffSha256: patch === null ? null : createHash('sha256').update(patch).digest('hex'),
    },
    patch,
    notes,
  };
}

export function parseRemotes(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^(\S+)\s+(\S+)\s+\(fetch\)$/.exec(line.trim());
    if (m) out[m[1]!] = stripCredentials(m[2]!);
  }
  return out;
}

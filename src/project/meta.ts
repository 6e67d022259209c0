// A bundle is named after its project: name and version come from repro.yaml, an MLproject's
// name, package.json or pyproject.toml (first found); else, at the top of a git work tree, the
// repository's name from its remote (origin first), so two clones in folders of different
// names build the same bundle; else the directory's name and 0.0.0, which the build warns about
// (the bundle's digest then depends on where the project sits).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';

export interface ProjectMeta {
  name: string;
  version: string;
  source: 'repro.yaml' | 'MLproject' | 'package.json' | 'pyproject.toml' | 'git remote' | 'directory';
}

async function readText(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
}

function pick(obj: unknown): { name?: string; version?: string } {
  if (!obj || typeof obj !== 'object') return {};
  const o = obj as Record<string, unknown>;
  return {
    name: typeof o.name === 'string' && o.name.trim() !== '' ? o.name.trim() : undefined,
    version: typeof o.version === 'string' || typeof o.version === 'number' ? String(o.version) : undefined,
  };
}

/** Name and version: from the already-read repro.yaml when there is one, else the package files. */
export async function readProjectMeta(root: string, manifest?: { source: string; name: string; version: string } | null): Promise<ProjectMeta> {
  const fallbackName = path.basename(path.resolve(root)) || 'project';
  if (manifest?.source === 'repro.yaml') return { name: manifest.name, version: manifest.version, source: 'repro.yaml' };
  // An MLproject without a name: field is named after its folder by MLflow; that is no name of its own.
  const mlprojectName = manifest?.source === 'MLproject' && manifest.name !== fallbackName ? manifest.name : null;
  const pkgText = await readText(path.join(root, 'package.json'));
  if (pkgText !== null) {
    const meta = pick(safe(() => JSON.parse(pkgText)));
    if (meta.name) return { name: meta.name, version: meta.version ?? '0.0.0', source: 'package.json' };
  }
  const pyText = await readText(path.join(root, 'pyproject.toml'));
  if (pyText !== null) {
    const doc = safe(() => parseToml(pyText)) as Record<string, unknown> | undefined;
    const project = pick(doc?.project);
    const poetry = pick((doc?.tool as Record<string, unknown> | undefined)?.poetry);
    const meta = project.name ? project : poetry;
    if (meta.name) return { name: meta.name, version: meta.version ?? '0.0.0', source: 'pyproject.toml' };
  }
  if (mlprojectName) return { name: mlprojectName, version: '0.0.0', source: 'MLproject' };
  const remote = await remoteRepositoryName(root);
  if (remote) return { name: remote, version: '0.0.0', source: 'git remote' };
  return { name: fallbackName, version: '0.0.0', source: 'directory' };
}

/**
 * The repository's name from `.git/config` at `root` (the top of a work tree only: a project in a
 * subfolder keeps its folder's name, which every clone shares): origin's url, else the first
 * remote's, its last path segment without `.git`. Read as text, no git started.
 */
export async function remoteRepositoryName(root: string): Promise<string | null> {
  const config = await readText(path.join(root, '.git', 'config'));
  if (config === null) return null;
  const urls: Array<{ remote: string; url: string }> = [];
  let remote: string | null = null;
  for (const line of config.split(/\r?\n/)) {
    const section = /^\s*\[\s*remote\s+"([^"]*)"\s*\]/.exec(line);
    if (section) remote = section[1]!;
    else if (/^\s*\[/.test(line)) remote = null;
    else if (remote !== null) {
      const url = /^\s*url\s*=\s*(.+?)\s*$/i.exec(line);
      if (url) urls.push({ remote, url: url[1]!.replace(/^"(.*)"$/, '$1') });
    }
  }
  const chosen = urls.find((u) => u.remote === 'origin') ?? urls[0];
  if (!chosen) return null;
  const last = chosen.url.replace(/[/\\]+$/, '').split(/[/:\\]/).pop() ?? '';
  const name = last.replace(/\.git$/i, '');
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) ? name : null;
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

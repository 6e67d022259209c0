// A bundle is named after its project: name and version come from repro.yaml, package.json
// or pyproject.toml (first found), else the directory name and 0.0.0.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';

export interface ProjectMeta {
  name: string;
  version: string;
  source: 'repro.yaml' | 'package.json' | 'pyproject.toml' | 'directory';
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
  return { name: fallbackName, version: '0.0.0', source: 'directory' };
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

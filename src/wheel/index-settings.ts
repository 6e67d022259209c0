// Which index pip download asks, for a project that says it the way uv users do. pip reads its
// own settings (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, pip.conf) and a lock's --index-url lines; a
// project on uv says it with UV_DEFAULT_INDEX / UV_INDEX_URL and UV_INDEX / UV_EXTRA_INDEX_URL, or
// in uv.toml (the project's, then the user's), or in pyproject.toml's [tool.uv]. Those become
// PIP_INDEX_URL and PIP_EXTRA_INDEX_URL for pip, unless pip's own are set. Credentials in the URLs
// pass through to pip as given and are never written anywhere.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';

export interface IndexSettings {
  /** The default index, and where it was said. */
  index: { url: string; from: string } | null;
  extra: Array<{ url: string; from: string }>;
}

/** A UV_INDEX entry is "url" or "name=url". */
const entryUrl = (e: string) => (/^[A-Za-z0-9_.-]+=/.test(e) && !/^[a-z+]+:\/\//i.test(e) ? e.slice(e.indexOf('=') + 1) : e);

/** uv's settings in one TOML document (uv.toml, or pyproject.toml's [tool.uv]). */
export function uvTomlIndexes(text: string, file: string, pyproject = false): IndexSettings {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch {
    return { index: null, extra: [] };
  }
  const uv = (pyproject ? ((doc.tool as Record<string, unknown> | undefined)?.uv as Record<string, unknown> | undefined) : doc) ?? {};
  const out: IndexSettings = { index: null, extra: [] };
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  for (const entry of Array.isArray(uv.index) ? uv.index : []) {
    const url = str((entry as Record<string, unknown>)?.url);
    if (!url) continue;
    if ((entry as Record<string, unknown>).default === true) out.index ??= { url, from: file };
    else out.extra.push({ url, from: file });
  }
  const legacy = str(uv['index-url']);
  if (legacy) out.index ??= { url: legacy, from: file };
  for (const u of Array.isArray(uv['extra-index-url']) ? uv['extra-index-url'] : []) if (str(u)) out.extra.push({ url: u as string, from: file });
  return out;
}

/** The uv index settings in effect: the environment first, then the project's uv.toml or pyproject.toml, then the user's uv.toml. */
export async function uvIndexSettings(projectDir: string | null, env: Readonly<Record<string, string | undefined>>): Promise<IndexSettings> {
  const out: IndexSettings = { index: null, extra: [] };
  const fromEnv = env.UV_DEFAULT_INDEX ?? env.UV_INDEX_URL;
  if (fromEnv) out.index = { url: fromEnv, from: env.UV_DEFAULT_INDEX ? 'UV_DEFAULT_INDEX' : 'UV_INDEX_URL' };
  for (const name of ['UV_INDEX', 'UV_EXTRA_INDEX_URL'] as const) for (const e of (env[name] ?? '').split(/\s+/).filter(Boolean)) out.extra.push({ url: entryUrl(e), from: name });
  const read = (file: string) => fs.readFile(file, 'utf8').catch(() => null);
  const files: Array<[string, boolean]> = [];
  if (projectDir) files.push([path.join(projectDir, 'uv.toml'), false], [path.join(projectDir, 'pyproject.toml'), true]);
  const home = env.HOME ?? os.homedir();
  files.push([path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'uv', 'uv.toml'), false]);
  for (const [file, pyproject] of files) {
    const text = await read(file);
    if (text === null) continue;
    const found = uvTomlIndexes(text, path.basename(file) === 'uv.toml' && projectDir && file.startsWith(projectDir) ? 'uv.toml' : file, pyproject);
    if (!found.index && found.extra.length === 0) continue;
    out.index ??= found.index;
    if (out.extra.length === 0) out.extra.push(...found.extra);
    break; // uv reads the first settings file it finds
  }
  return out;
}

/** The variables pip download is given: uv's index settings as pip's, unless pip's own are set. */
export function pipIndexEnv(settings: IndexSettings, env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  if (!env.PIP_INDEX_URL && settings.index) out.PIP_INDEX_URL = settings.index.url;
  if (!env.PIP_EXTRA_INDEX_URL && settings.extra.length) out.PIP_EXTRA_INDEX_URL = settings.extra.map((e) => e.url).join(' ');
  return out;
}

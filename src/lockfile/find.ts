// Finds the lockfiles of a project (its top level and a requirements/ folder), reads each with
// its format's reader, and records path, format, sha256 of the file, every package and the
// warnings. A lockfile that cannot be read is recorded with the reason, never fatal.
import { createHash } from 'node:crypto';
import { identityBytes } from '../secrets/files.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { compareUtf8 } from '../core/utf8-order.js';
import type { LockfileRecord, LockReader, LockWarning } from './types.js';

/**
 * File names of each format, and where its reader lives: readers (and the YAML and TOML parsers
 * they need) load only when a project has such a file.
 */
const FORMATS: Array<{ matches: (name: string) => boolean; load: () => Promise<LockReader> }> = [
  { matches: (n) => n === 'package-lock.json' || n === 'npm-shrinkwrap.json', load: async () => (await import('./node-locks.js')).npmReader },
  { matches: (n) => n === 'pnpm-lock.yaml', load: async () => (await import('./node-locks.js')).pnpmReader },
  { matches: (n) => n === 'yarn.lock', load: async () => (await import('./node-locks.js')).yarnReader },
  { matches: (n) => n === 'uv.lock', load: async () => (await import('./python-locks.js')).uvReader },
  { matches: (n) => n === 'poetry.lock', load: async () => (await import('./python-locks.js')).poetryReader },
  { matches: (n) => n === 'Pipfile.lock', load: async () => (await import('./python-locks.js')).pipfileReader },
  { matches: (n) => /^(conda-lock|.*\.conda-lock)\.ya?ml$/.test(n), load: async () => (await import('./conda.js')).condaLockReader },
  { matches: (n) => /^(environment|conda)\.ya?ml$/.test(n), load: async () => (await import('./conda.js')).condaEnvironmentReader }, // conda.yaml: MLflow's conda_env
  { matches: (n) => /^pylock(\.[^./\\]+)?\.toml$/.test(n), load: async () => (await import('./pylock.js')).pylockReader },
  { matches: (n) => n === 'pixi.lock', load: async () => (await import('./pixi.js')).pixiReader },
  { matches: (n) => n === 'renv.lock', load: async () => (await import('./renv.js')).renvReader },
  { matches: (n) => n === 'python_env.yaml', load: async () => (await import('./python-env.js')).pythonEnvReader }, // MLflow's python_env
  { matches: (n) => /^requirements.*\.txt$/i.test(n) || /^constraints.*\.txt$/i.test(n), load: async () => (await import('./requirements.js')).requirementsReader },
];
type Format = (typeof FORMATS)[number];
const REQUIREMENTS = FORMATS[FORMATS.length - 1]!;

/** conda's explicit specs have no name of their own: a .txt or .lock whose first line is @EXPLICIT (sniffed). */
const EXPLICIT: Format = { matches: () => false, load: async () => (await import('./conda-explicit.js')).condaExplicitReader };
const MAYBE_EXPLICIT = /\.(txt|lock)$/i;
const SNIFF_BYTES = 64 * 1024;

/** Whether the first SNIFF_BYTES of a file make it a conda explicit spec. */
async function sniffExplicit(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r').catch(() => null);
  if (!handle) return false;
  try {
    if (!(await handle.stat()).isFile()) return false;
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buf, 0, SNIFF_BYTES, 0);
    const { isExplicitSpec } = await import('./conda-explicit.js');
    return isExplicitSpec(buf.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await handle.close();
  }
}

/** The format of a file of the project: by name, and for .txt/.lock files by their first line (a conda explicit spec). */
async function formatOf(dir: string, rel: string): Promise<Format | undefined> {
  const byName = readerFor(rel);
  if ((byName === undefined || byName === REQUIREMENTS) && MAYBE_EXPLICIT.test(rel) && (await sniffExplicit(path.join(dir, rel)))) return EXPLICIT;
  return byName;
}

export interface FoundLockfiles {
  records: (LockfileRecord & { error?: string })[];
  /** Warnings by lockfile path. */
  warnings: Record<string, LockWarning[]>;
}

/** The format of a project-relative path: any .txt in requirements/ is a requirements file. */
function readerFor(rel: string): Format | undefined {
  if (rel.startsWith('requirements/') && rel.endsWith('.txt')) return REQUIREMENTS;
  const name = path.basename(rel);
  return FORMATS.find((r) => r.matches(name));
}

/** Whether a project-relative path may be a lockfile repro reads (its top level, requirements/): by name, or a .txt/.lock to sniff. */
export function isLockfilePath(rel: string): boolean {
  const depth = rel.split('/').length;
  return (depth === 1 || (depth === 2 && rel.startsWith('requirements/'))) && (readerFor(rel) !== undefined || MAYBE_EXPLICIT.test(rel));
}

/** Each lockfile where repro looks for them (its top level and requirements/) with its format, found once (a sniffed file is read once), sorted. */
async function locate(dir: string): Promise<Array<{ rel: string; format: Format }>> {
  const out: Array<{ rel: string; format: Format }> = [];
  for (const sub of ['', 'requirements']) {
    const names = await fs.readdir(path.join(dir, sub)).catch(() => [] as string[]);
    for (const name of names) {
      const rel = sub === '' ? name : `${sub}/${name}`;
      const format = await formatOf(dir, rel);
      if (format) out.push({ rel, format });
    }
  }
  return out.sort((a, b) => compareUtf8(a.rel, b.rel));
}

/** The lockfiles of a project where repro looks for them (its top level and requirements/), sorted. */
export async function lockfileCandidates(dir: string): Promise<string[]> {
  return (await locate(dir)).map((c) => c.rel);
}

export async function findLockfiles(dir: string): Promise<FoundLockfiles> {
  const records: FoundLockfiles['records'] = [];
  const warnings: FoundLockfiles['warnings'] = {};
  for (const { rel, format } of await locate(dir)) {
    const file = path.join(dir, rel);
    const reader = await format.load();
    let bytes: Buffer;
    try {
      const st = await fs.stat(file);
      if (!st.isFile()) continue;
      bytes = await fs.readFile(file);
    } catch {
      continue;
    }
    // Identity without credentials: the same bytes a bundle carries (secrets/files.ts).
    const sha256 = createHash('sha256').update(identityBytes(rel, bytes)).digest('hex');
    try {
      const parsed = await reader.read(file, bytes.toString('utf8'));
      records.push({ path: rel, format: parsed.format, sha256, packageCount: parsed.packages.length, packages: parsed.packages, ...(parsed.platforms ? { platforms: parsed.platforms } : {}) });
      const list = [...parsed.warnings];
      if (parsed.manifest && (await olderThan(file, path.join(path.dirname(file), parsed.manifest)))) {
        list.push({ code: 'LOCK_OLDER_THAN_MANIFEST', message: `${rel} is older than ${parsed.manifest}; it may not match it` });
      }
      if (list.length > 0) warnings[rel] = list;
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0]!.slice(0, 300);
      records.push({ path: rel, format: reader.format, sha256, packageCount: 0, packages: [], error: reason });
    }
  }
  return { records, warnings };
}

async function olderThan(lock: string, manifest: string): Promise<boolean> {
  const [a, b] = await Promise.all([fs.stat(lock).catch(() => null), fs.stat(manifest).catch(() => null)]);
  return a !== null && b !== null && a.mtimeMs + 1000 < b.mtimeMs;
}

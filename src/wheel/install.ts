// Installing a stored wheel (store.ts) into a virtual environment, as pip and uv lay it out: the
// root into purelib or platlib, each <stem>.data/<scheme>/ into its scheme's folder, `#!python`
// scripts given the environment's interpreter, console and GUI entry points written as scripts,
// INSTALLER and a RECORD of what is installed (paths relative to site-packages). Files are hard
// links to the store (a copy with the same mtime where the file system refuses links, so the
// compiled bytecode stays valid); scripts whose first line changes are written, never linked.
// Nothing of the wheel runs. A member that would replace the environment's own files (its
// pyvenv.cfg, its interpreter links) is refused.
import { copyFileSync, constants, linkSync, lstatSync, mkdirSync, promises as fsp, readFileSync, unlinkSync, utimesSync, chmodSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ReproError } from '../core/errors.js';
import { eachLimited } from '../core/each-limited.js';
import { formatRecord, hexToRecordDigest, recordHash, type RecordRow } from './record.js';
import type { StoreEntry } from './store.js';
import type { EntryPoint } from './unpack.js';

export interface Scheme {
  purelib: string;
  platlib: string;
  scripts: string;
  data: string;
  /** <venv>/include/site/pythonX.Y: a distribution's headers go in a folder of its name under it. */
  headersRoot: string;
}

export interface InstallTarget {
  scheme: Scheme;
  /** The environment's interpreter, for shebangs. */
  python: string;
  /** Paths (absolute) a wheel may not replace: what the environment held before any install. */
  protectedPaths: ReadonlySet<string>;
}

/** Every path under a folder (files, links and folders), absolute: what a fresh environment holds. */
export function skeletonPaths(dir: string): Set<string> {
  const out = new Set<string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out.add(abs);
    }
  };
  walk(dir);
  return out;
}

/** The first line of a script: the interpreter directly, or through /bin/sh where the kernel would not take its path (spaces, too long). */
export function shebang(python: string): string {
  if (!/[\s'"\\]/.test(python) && python.length <= 120) return `#!${python}\n`;
  return `#!/bin/sh\n'''exec' '${python.replace(/'/g, `'\\''`)}' "$0" "$@"\n' '''\n`;
}

/** A console or GUI script for an entry point (its names were checked to be plain identifiers). */
export function entryPointScript(python: string, ep: EntryPoint): string {
  const head = ep.attr.split('.')[0]!;
  return `${shebang(python)}# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom ${ep.module} import ${head}\nif __name__ == "__main__":\n    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])\n    sys.exit(${ep.attr}())\n`;
}

const tooShort = (p: string) => new ReproError('E_INTERNAL', `internal error: a wheel member path ${p} has no scheme`);

/**
 * `base/rel` for a member path, which unpack.ts and the store's lookup have checked to be
 * relative, with no empty, `.` or `..` segment (memberNameProblem): path.join would give the same
 * string, ~10x slower (it normalizes every segment), over the ~14,000 members of an ML environment.
 */
const under = (base: string, rel: string) => `${base}/${rel}`;

/** `abs` relative to `base`: a slice when it lies under it (most files of an environment), else path.relative's walk. */
export function relativeTo(base: string, abs: string): string {
  return abs.startsWith(`${base}/`) ? abs.slice(base.length + 1) : path.relative(base, abs);
}

/** Where a member goes, or null for the ones this installer writes itself (RECORD, INSTALLER). */
function destination(entry: StoreEntry, member: string, scheme: Scheme, project: string): { dest: string; script: boolean } | null {
  if (member === `${entry.distInfo}/RECORD` || member === `${entry.distInfo}/INSTALLER` || member === `${entry.distInfo}/RECORD.jws` || member === `${entry.distInfo}/RECORD.p7s`) return null;
  if (member.startsWith(`${entry.dataDir}/`)) {
    const [, kind, ...rest] = member.split('/');
    if (!kind || rest.length === 0) throw tooShort(member);
    const rel = rest.join('/');
    if (kind === 'scripts') return { dest: under(scheme.scripts, rel), script: !rel.includes('/__pycache__/') && !rel.startsWith('__pycache__/') };
    if (kind === 'headers') return { dest: under(path.join(scheme.headersRoot, project), rel), script: false };
    const base = kind === 'purelib' ? scheme.purelib : kind === 'platlib' ? scheme.platlib : scheme.data;
    return { dest: under(base, rel), script: false };
  }
  return { dest: under(entry.rootIsPurelib ? scheme.purelib : scheme.platlib, member), script: false };
}

/** What installing one wheel does to the environment: folders to make, then files to link from the store or write, in order (a later one at the same path replaces an earlier one). */
export interface InstallOps {
  dirs: Set<string>;
  files: Array<{ dest: string; source: string } | { dest: string; bytes: Buffer; mode: number }>;
}

export interface Installed {
  /** Files written (the installed RECORD's rows). */
  files: number;
  scripts: string[];
  /** Each file linked (or copied) from the store, absolute, with the sha256 the store lists for it and its member path. */
  linked: Array<{ dest: string; sha256: string; member: string }>;
  /** What to do; nothing is done until it is applied (applyOpsSync, applyOps). */
  ops: InstallOps;
}

/** Plans installing a stored wheel (its files under `filesDir`) into the environment: every path checked, nothing written. */
export function planEntry(entry: StoreEntry, filesDir: string, project: string, target: InstallTarget): Installed {
  const { scheme } = target;
  const ops: InstallOps = { dirs: new Set(), files: [] };
  const rows: RecordRow[] = [];
  // RECORD's paths are relative to site-packages.
  const rel = (abs: string) => relativeTo(scheme.purelib, abs);
  const guard = (dest: string, member: string) => {
    if (target.protectedPaths.has(dest)) {
      throw new ReproError('E_INTEGRITY', `${entry.wheel}: ${member} would replace the environment's own ${dest}: the wheel is not installed`, { hint: 'A wheel may add files to an environment, never replace its interpreter or pyvenv.cfg. The wheel is malformed or hostile.', details: { wheel: entry.wheel, member } });
    }
  };
  const write = (dest: string, bytes: Buffer, mode = 0o755) => {
    ops.dirs.add(path.dirname(dest));
    ops.files.push({ dest, bytes, mode });
  };
  const scripts: string[] = [];
  const linked: Installed['linked'] = [];
  for (const m of entry.members) {
    const where = destination(entry, m.path, scheme, project);
    if (!where) continue;
    guard(where.dest, m.path);
    const source = under(filesDir, m.path);
    if (where.script) {
      const bytes = readFileSync(source);
      const nl = bytes.indexOf(0x0a);
      const first = bytes.subarray(0, nl === -1 ? bytes.length : nl).toString('latin1');
      const mm = /^#!python(w)?(.*)$/.exec(first.replace(/\r$/, ''));
      if (mm) {
        // The line's arguments stay (#!python -u); the /bin/sh form takes none.
        const sb = shebang(target.python);
        const head = sb.startsWith('#!/bin/sh') ? sb : `${sb.slice(0, -1)}${mm[2] ?? ''}\n`;
        const text = Buffer.concat([Buffer.from(head), nl === -1 ? Buffer.alloc(0) : bytes.subarray(nl + 1)]);
        write(where.dest, text);
        rows.push({ path: rel(where.dest), hash: { algorithm: 'sha256', digest: recordHash('sha256', text).slice(7) }, size: text.length });
        scripts.push(path.basename(where.dest));
        continue;
      }
      // Not linked: its mode changes, and a link would change the store's file too.
      write(where.dest, bytes);
      scripts.push(path.basename(where.dest));
    } else {
      ops.dirs.add(path.dirname(where.dest));
      ops.files.push({ dest: where.dest, source });
      linked.push({ dest: where.dest, sha256: m.sha256, member: m.path });
    }
    rows.push({ path: rel(where.dest), hash: { algorithm: 'sha256', digest: hexToRecordDigest(m.sha256) }, size: m.size });
  }
  for (const ep of [...entry.consoleScripts, ...entry.guiScripts]) {
    const dest = path.join(scheme.scripts, ep.name);
    guard(dest, `entry point ${ep.name}`);
    const text = Buffer.from(entryPointScript(target.python, ep));
    write(dest, text);
    rows.push({ path: rel(dest), hash: { algorithm: 'sha256', digest: recordHash('sha256', text).slice(7) }, size: text.length });
    scripts.push(ep.name);
  }
  const infoDir = path.join(entry.rootIsPurelib ? scheme.purelib : scheme.platlib, entry.distInfo);
  const installer = Buffer.from('repro\n');
  write(path.join(infoDir, 'INSTALLER'), installer, 0o644);
  rows.push({ path: rel(path.join(infoDir, 'INSTALLER')), hash: { algorithm: 'sha256', digest: recordHash('sha256', installer).slice(7) }, size: installer.length });
  rows.push({ path: rel(path.join(infoDir, 'RECORD')), hash: null, size: null });
  write(path.join(infoDir, 'RECORD'), Buffer.from(formatRecord(rows)), 0o644);
  return { files: rows.length, scripts, linked, ops };
}

/** Installs a stored wheel (its files under `filesDir`) into the environment, one file after another. */
export function installEntry(entry: StoreEntry, filesDir: string, project: string, target: InstallTarget): Installed {
  const done = planEntry(entry, filesDir, project, target);
  applyOpsSync([done.ops]);
  return done;
}

/** Each path's last operation, in order: a later wheel's file at a path replaces an earlier one's, as installing them one after another would. */
function lastWins(all: readonly InstallOps[]): { dirs: string[]; files: InstallOps['files'] } {
  const files = new Map<string, InstallOps['files'][number]>();
  const dirs = new Set<string>();
  for (const ops of all) {
    for (const d of ops.dirs) dirs.add(d);
    for (const f of ops.files) {
      files.delete(f.dest);
      files.set(f.dest, f);
    }
  }
  return { dirs: [...dirs], files: [...files.values()] };
}

/** Copies a store file where the file system refuses a link: same mode and mtime, so the compiled bytecode stays valid. */
function copyInstead(source: string, dest: string): void {
  copyFileSync(source, dest, constants.COPYFILE_FICLONE);
  const st = lstatSync(source);
  chmodSync(dest, st.mode & 0o777);
  utimesSync(dest, st.atime, st.mtime);
}

const LINK_FALLBACK = new Set(['EXDEV', 'EPERM', 'EMLINK']);

function applyOpsSync(all: readonly InstallOps[]): void {
  const { dirs, files } = lastWins(all);
  for (const d of dirs) mkdirSync(d, { recursive: true });
  for (const f of files) {
    try {
      unlinkSync(f.dest);
    } catch {
      /* not there */
    }
    if ('source' in f) {
      try {
        linkSync(f.source, f.dest);
      } catch (err) {
        if (!LINK_FALLBACK.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
        copyInstead(f.source, f.dest);
      }
    } else {
      writeFileSync(f.dest, f.bytes, { mode: f.mode });
      chmodSync(f.dest, f.mode);
    }
  }
}

/**
 * Applies the plans of every wheel of a new environment: the folders (parents first, each level
 * at once), then every file, many at once on libuv's pool: a file system that takes hundreds of
 * microseconds per creation is waited on in parallel, not one file after another. The
 * environment is new (its own files are protected from the wheels), so each path is written
 * once, by its last operation.
 */
export async function applyOps(all: readonly InstallOps[], width = 16): Promise<void> {
  const { dirs, files } = lastWins(all);
  const needed = new Set<string>();
  for (const d of dirs) for (let p = d; !needed.has(p) && p !== path.dirname(p); p = path.dirname(p)) needed.add(p);
  const byDepth = new Map<number, string[]>();
  for (const d of needed) {
    const depth = d.split('/').length;
    byDepth.set(depth, [...(byDepth.get(depth) ?? []), d]);
  }
  for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
    await eachLimited(byDepth.get(depth)!, width, async (d) => {
      await fsp.mkdir(d).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    });
  }
  await eachLimited(files, width, async (f) => {
    if ('source' in f) {
      await fsp.link(f.source, f.dest).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') {
          await fsp.unlink(f.dest);
          return fsp.link(f.source, f.dest);
        }
        if (!LINK_FALLBACK.has(err.code ?? '')) throw err;
        copyInstead(f.source, f.dest);
      });
    } else {
      await fsp.unlink(f.dest).catch(() => undefined);
      await fsp.writeFile(f.dest, f.bytes, { mode: f.mode });
      await fsp.chmod(f.dest, f.mode);
    }
  });
}

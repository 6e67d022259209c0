// Installing a stored wheel (store.ts) into a virtual environment, as pip and uv lay it out: the
// root into purelib or platlib, each <stem>.data/<scheme>/ into its scheme's folder, `#!python`
// scripts given the environment's interpreter, console and GUI entry points written as scripts,
// INSTALLER and a RECORD of what is installed (paths relative to site-packages). Files are hard
// links to the store (a copy with the same mtime where the file system refuses links, so the
// compiled bytecode stays valid); scripts whose first line changes are written, never linked.
// Nothing of the wheel runs. A member that would replace the environment's own files (its
// pyvenv.cfg, its interpreter links) is refused.
import { copyFileSync, constants, linkSync, lstatSync, mkdirSync, readFileSync, unlinkSync, utimesSync, chmodSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ReproError } from '../core/errors.js';
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

/** Where a member goes, or null for the ones this installer writes itself (RECORD, INSTALLER). */
function destination(entry: StoreEntry, member: string, scheme: Scheme, project: string): { dest: string; script: boolean } | null {
  if (member === `${entry.distInfo}/RECORD` || member === `${entry.distInfo}/INSTALLER` || member === `${entry.distInfo}/RECORD.jws` || member === `${entry.distInfo}/RECORD.p7s`) return null;
  if (member.startsWith(`${entry.dataDir}/`)) {
    const [, kind, ...rest] = member.split('/');
    if (!kind || rest.length === 0) throw tooShort(member);
    const rel = rest.join('/');
    if (kind === 'scripts') return { dest: path.join(scheme.scripts, rel), script: !rel.includes('/__pycache__/') && !rel.startsWith('__pycache__/') };
    if (kind === 'headers') return { dest: path.join(scheme.headersRoot, project, rel), script: false };
    const base = kind === 'purelib' ? scheme.purelib : kind === 'platlib' ? scheme.platlib : scheme.data;
    return { dest: path.join(base, rel), script: false };
  }
  return { dest: path.join(entry.rootIsPurelib ? scheme.purelib : scheme.platlib, member), script: false };
}

/** Links (or copies) one file into place; an existing file there (another wheel's) is replaced. */
function place(source: string, dest: string, dirs: Set<string>): void {
  const parent = path.dirname(dest);
  if (!dirs.has(parent)) {
    mkdirSync(parent, { recursive: true });
    dirs.add(parent);
  }
  try {
    linkSync(source, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      unlinkSync(dest);
      return place(source, dest, dirs);
    }
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw err;
    copyFileSync(source, dest, constants.COPYFILE_FICLONE);
    const st = lstatSync(source);
    chmodSync(dest, st.mode & 0o777);
    utimesSync(dest, st.atime, st.mtime);
  }
}

export interface Installed {
  /** Files written (the installed RECORD's rows). */
  files: number;
  scripts: string[];
  /** Each file linked (or copied) from the store, absolute, with the sha256 the store lists for it. */
  linked: Array<{ dest: string; sha256: string }>;
}

/** Installs a stored wheel (its files under `filesDir`) into the environment. */
export function installEntry(entry: StoreEntry, filesDir: string, project: string, target: InstallTarget): Installed {
  const { scheme } = target;
  const dirs = new Set<string>();
  const rows: RecordRow[] = [];
  const rel = (abs: string) => path.relative(scheme.purelib, abs);
  const guard = (dest: string, member: string) => {
    if (target.protectedPaths.has(dest)) {
      throw new ReproError('E_INTEGRITY', `${entry.wheel}: ${member} would replace the environment's own ${dest}: the wheel is not installed`, { hint: 'A wheel may add files to an environment, never replace its interpreter or pyvenv.cfg. The wheel is malformed or hostile.', details: { wheel: entry.wheel, member } });
    }
  };
  const scripts: string[] = [];
  const linked: Installed['linked'] = [];
  for (const m of entry.members) {
    const where = destination(entry, m.path, scheme, project);
    if (!where) continue;
    guard(where.dest, m.path);
    const source = path.join(filesDir, m.path);
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
        place0(where.dest, text, dirs);
        rows.push({ path: rel(where.dest), hash: { algorithm: 'sha256', digest: recordHash('sha256', text).slice(7) }, size: text.length });
        scripts.push(path.basename(where.dest));
        continue;
      }
      // Not linked: its mode changes, and a link would change the store's file too.
      place0(where.dest, bytes, dirs);
      scripts.push(path.basename(where.dest));
    } else {
      place(source, where.dest, dirs);
      linked.push({ dest: where.dest, sha256: m.sha256 });
    }
    rows.push({ path: rel(where.dest), hash: { algorithm: 'sha256', digest: hexToRecordDigest(m.sha256) }, size: m.size });
  }
  for (const ep of [...entry.consoleScripts, ...entry.guiScripts]) {
    const dest = path.join(scheme.scripts, ep.name);
    guard(dest, `entry point ${ep.name}`);
    const text = Buffer.from(entryPointScript(target.python, ep));
    place0(dest, text, dirs);
    rows.push({ path: rel(dest), hash: { algorithm: 'sha256', digest: recordHash('sha256', text).slice(7) }, size: text.length });
    scripts.push(ep.name);
  }
  const infoDir = path.join(entry.rootIsPurelib ? scheme.purelib : scheme.platlib, entry.distInfo);
  const installer = Buffer.from('repro\n');
  place0(path.join(infoDir, 'INSTALLER'), installer, dirs, 0o644);
  rows.push({ path: rel(path.join(infoDir, 'INSTALLER')), hash: { algorithm: 'sha256', digest: recordHash('sha256', installer).slice(7) }, size: installer.length });
  rows.push({ path: rel(path.join(infoDir, 'RECORD')), hash: null, size: null });
  place0(path.join(infoDir, 'RECORD'), Buffer.from(formatRecord(rows)), dirs, 0o644);
  return { files: rows.length, scripts, linked };
}

/** Writes a file the installer makes (never a link: it differs per environment). */
function place0(dest: string, bytes: Buffer, dirs: Set<string>, mode = 0o755): void {
  const parent = path.dirname(dest);
  if (!dirs.has(parent)) {
    mkdirSync(parent, { recursive: true });
    dirs.add(parent);
  }
  try {
    unlinkSync(dest);
  } catch {
    /* not there */
  }
  writeFileSync(dest, bytes, { mode });
  chmodSync(dest, mode);
}

// The unpacked-wheel store: <cache>/pystore/<wheel sha256>-<interpreter cache tag>/, each entry a
// wheel unpacked and checked (unpack.ts) with the bytecode the interpreter compiled for it, and an
// entry.json listing every file with its sha256. Environments hard-link their files from here
// (install.ts), so ten environments sharing numpy hold one copy, and a warm install is links only.
//
// An entry is made in a staging folder beside the store and published by one rename, with its
// entry.json inside: a killed maker leaves only a staging folder (removed by the next maker once
// its pid is gone), never a half entry. Two makers of one entry race harmlessly: the second
// rename fails, and the first one's entry is used. A lookup checks that every listed file is
// there with the size and mtime it was published with, so a store file changed in place (through
// a hard link from an environment, say) is noticed and the entry unpacked again.
import { randomBytes } from 'node:crypto';
import { promises as fs, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../core/atomic-write.js';
import { canonicalJson } from '../core/canonical-json.js';
import { ReproError } from '../core/errors.js';
import { sha256OfPath } from '../core/file-read.js';
import { compareUtf8 } from '../core/utf8-order.js';
import { memberNameProblem, unpackWheel, type EntryPoint, type UnpackedWheel, type WheelMember } from './unpack.js';

export const STORE_DIR = 'pystore';
const ENTRY_SCHEMA = 2;
const ENTRY_FILE = 'entry.json';
/** Bytecode the compiler writes (and may rewrite). */
const PYC = /(^|\/)__pycache__\/[^/]+\.pyc$/;
/** The unpacked files, under the entry. */
export const FILES_DIR = 'files';

export interface StoreEntry {
  schemaVersion: number;
  wheel: string;
  sha256: string;
  tag: string;
  distInfo: string;
  dataDir: string;
  rootIsPurelib: boolean;
  /** The wheel's members and the bytecode compiled for them, in byte order, each with its mtime when published (a change in place moves it). */
  members: Array<WheelMember & { mtimeMs: number }>;
  consoleScripts: EntryPoint[];
  guiScripts: EntryPoint[];
  /** Not stored: each member's file as lookup or publish found it (environments link these very inodes). */
  stats?: Map<string, StoreFileStat>;
}

/** What lstat said of a store file: a link to it has the same. */
export interface StoreFileStat {
  size: number;
  mtimeMs: number;
  ino: number;
  mode: number;
}

export interface Staged {
  key: string;
  /** The staging folder (its files/ is where the wheel was unpacked). */
  dir: string;
  unpacked: UnpackedWheel;
  sha256: string;
}


export class WheelStore {
  constructor(readonly root: string) {}

  static key(sha256: string, tag: string): string {
    return `${sha256}-${tag.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  }

  /** Where an entry's files are. */
  filesOf(key: string): string {
    return path.join(this.root, key, FILES_DIR);
  }

  /** The entry, when it is complete and every file it lists is there with its size; else null (a damaged one is removed). */
  async lookup(key: string): Promise<StoreEntry | null> {
    const dir = path.join(this.root, key);
    let entry: StoreEntry;
    try {
      entry = JSON.parse(await fs.readFile(path.join(dir, ENTRY_FILE), 'utf8')) as StoreEntry;
    } catch {
      return null;
    }
    const files = path.join(dir, FILES_DIR);
    const stats = new Map<string, StoreFileStat>();
    // A member path is one unpack.ts accepted (installers join it to a folder as it is): an
    // entry.json naming another (edited in the cache) is no entry.
    const intact = entry.schemaVersion === ENTRY_SCHEMA && Array.isArray(entry.members) && entry.members.every((m) => {
      if (typeof m.path !== 'string' || memberNameProblem(m.path) !== null) return false;
      const st = lstatSync(`${files}/${m.path}`, { throwIfNoEntry: false });
      if (st === undefined || !st.isFile() || st.size !== m.size || st.mtimeMs !== m.mtimeMs) return false;
      stats.set(m.path, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, mode: st.mode & 0o777 });
      return true;
    });
    if (intact) return { ...entry, stats };
    await this.discard(key);
    return null;
  }

  /** Removes an entry (renamed aside first, so no reader sees half of it). */
  async discard(key: string): Promise<void> {
    const aside = path.join(this.root, `.discard-${process.pid}-${randomBytes(4).toString('hex')}`);
    await fs.rename(path.join(this.root, key), aside).then(() => fs.rm(aside, { recursive: true, force: true }), () => undefined);
  }

  /** A new staging folder for this maker (the ones of makers that are gone are removed first). */
  async batch(): Promise<string> {
    await fs.mkdir(this.root, { recursive: true });
    await this.sweep();
    const dir = path.join(this.root, `.stage-${process.pid}-${randomBytes(6).toString('hex')}`);
    await fs.mkdir(dir);
    return dir;
  }

  /** Unpacks and checks a wheel into the staging folder `batch`; on any problem nothing of it is left. */
  async stage(batch: string, wheelPath: string, file: string, sha256: string, tag: string): Promise<Staged> {
    const key = WheelStore.key(sha256, tag);
    const dir = path.join(batch, key);
    await fs.mkdir(path.join(dir, FILES_DIR), { recursive: true });
    try {
      const unpacked = await unpackWheel(wheelPath, file, path.join(dir, FILES_DIR));
      return { key, dir, unpacked, sha256 };
    } catch (err) {
      await fs.rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Staging and discarded folders of makers that are gone. */
  private async sweep(): Promise<void> {
    for (const name of await fs.readdir(this.root).catch(() => [] as string[])) {
      const m = /^\.(?:stage|discard)-(\d+)-/.exec(name);
      if (m && !isProcessAlive(Number(m[1]))) await fs.rm(path.join(this.root, name), { recursive: true, force: true });
    }
  }

  /**
   * Publishes a staged wheel: the files compiled into it since (bytecode, `__pycache__/*.pyc`
   * only) are hashed and listed, entry.json written, the folder renamed into place. When another
   * maker published the same entry first, that one is returned and this staging folder removed.
   */
  async publish(staged: Staged, tag: string): Promise<StoreEntry> {
    const files = path.join(staged.dir, FILES_DIR);
    const known = new Set(staged.unpacked.members.map((m) => m.path));
    // A wheel may ship bytecode of its own (numpy 1.26.4 has a stale __pycache__ file), which
    // the compiler replaces: such members are hashed again, as they are now.
    const members = staged.unpacked.members.map((m) => {
      if (!PYC.test(m.path)) return m;
      const abs = path.join(files, m.path);
      return { ...m, sha256: sha256OfPath(abs), size: lstatSync(abs).size };
    });
    const walk = (rel: string) => {
      for (const d of readdirSync(path.join(files, rel), { withFileTypes: true })) {
        const r = rel === '' ? d.name : `${rel}/${d.name}`;
        if (d.isDirectory()) walk(r);
        else if (!known.has(r)) {
          if (!d.isFile() || !PYC.test(r)) throw new ReproError('E_INTERNAL', `the wheel store's staging folder gained ${r}, which is no bytecode`);
          const abs = path.join(files, r);
          members.push({ path: r, sha256: sha256OfPath(abs), size: lstatSync(abs).size, mode: 0o644 });
        }
      }
    };
    walk('');
    members.sort((a, b) => compareUtf8(a.path, b.path));
    const u = staged.unpacked;
    const stats = new Map<string, StoreFileStat>();
    const stamped = members.map((m) => {
      const st = lstatSync(path.join(files, m.path));
      stats.set(m.path, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, mode: st.mode & 0o777 });
      return { ...m, mtimeMs: st.mtimeMs };
    });
    const entry: StoreEntry = { schemaVersion: ENTRY_SCHEMA, wheel: u.name.file, sha256: staged.sha256, tag, distInfo: u.distInfo, dataDir: u.dataDir, rootIsPurelib: u.rootIsPurelib, members: stamped, consoleScripts: u.consoleScripts, guiScripts: u.guiScripts };
    await fs.writeFile(path.join(staged.dir, ENTRY_FILE), canonicalJson(entry));
    try {
      await fs.rename(staged.dir, path.join(this.root, staged.key));
      return { ...entry, stats };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      await fs.rm(staged.dir, { recursive: true, force: true });
      const theirs = await this.lookup(staged.key);
      if (!theirs) throw new ReproError('E_ENV', `the wheel store entry ${staged.key} was published by another exec and is damaged`, { hint: `Remove ${path.join(this.root, staged.key)} and try again.` });
      return theirs;
    }
  }
}

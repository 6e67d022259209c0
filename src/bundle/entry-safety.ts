// The name and link rules every entry of a bundle must pass before anything trusts it:
// no absolute, drive-relative or '..' paths, no NUL or backslash, valid UTF-8 in NFC, bounded
// lengths, no setuid/setgid/sticky bits, links that stay inside, no duplicates or case
// twins, parents before children, and nothing placed beneath a symlink.
import { ReproError } from '../core/errors.js';
import { foldCase, isInTreeLinkTarget } from './paths.js';
import type { EntryType } from './entry.js';
import { NameTable } from './name-table.js';

export const MAX_PATH_BYTES = 4096;
export const MAX_NAME_BYTES = 255;

function unsafe(message: string, entry: string, rule: string, extra: Record<string, unknown> = {}): ReproError {
  return new ReproError('E_UNSAFE_ENTRY', message, {
    hint: 'The bundle holds an entry repro never writes; it may have been crafted. Do not use it.',
    details: { entry, rule, ...extra },
  });
}

/** Checks one path on its own; throws E_UNSAFE_ENTRY naming the rule it breaks. */
export function assertSafePath(path: string): void {
  if (path === '') throw unsafe('an entry has an empty name', path, 'empty-name');
  if (path.includes('\0')) throw unsafe(`entry name contains NUL: ${JSON.stringify(path)}`, path, 'nul-byte');
  if (path.includes('\uFFFD')) throw unsafe(`entry name is not valid UTF-8: ${JSON.stringify(path)}`, path, 'not-utf8');
  if (path.startsWith('/')) throw unsafe(`absolute entry name: ${path}`, path, 'absolute-path');
  if (/^[A-Za-z]:/.test(path)) throw unsafe(`drive-relative entry name: ${path}`, path, 'drive-path');
  if (path.includes('\\')) throw unsafe(`entry name contains a backslash: ${path}`, path, 'backslash');
  const parts = path.split('/');
  if (parts.some((p) => p === '..')) throw unsafe(`entry name climbs out with '..': ${path}`, path, 'dot-dot');
  if (parts.some((p) => p === '' || p === '.')) throw unsafe(`entry name is not in canonical form: ${path}`, path, 'non-canonical-name');
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw unsafe(`entry name is longer than ${MAX_PATH_BYTES} bytes`, path, 'path-too-long');
  if (parts.some((p) => Buffer.byteLength(p) > MAX_NAME_BYTES)) throw unsafe(`an entry name component is longer than ${MAX_NAME_BYTES} bytes`, path, 'name-too-long');
  if (path.normalize('NFC') !== path) throw unsafe(`entry name is not NFC-normalized: ${JSON.stringify(path)}`, path, 'not-nfc');
}

/**
 * Tracks the entries seen so far and checks each new one against them. Directories and
 * symlinks are kept by name (later entries' parents must be among them); every other name only
 * as hashes in a NameTable, so memory stays small however many files a bundle holds. `nameOf`
 * gives the name of the entry with a given ordinal (0 for the first checked), to name a twin.
 */
export class EntryGuard {
  readonly #containers = new Map<string, EntryType>();
  readonly #names = new NameTable();
  readonly #nameOf: ((ordinal: number) => string | undefined) | undefined;
  #count = 0;

  constructor(nameOf?: (ordinal: number) => string | undefined) {
    this.#nameOf = nameOf;
  }

  check(path: string, type: EntryType, mode: number, target?: string): void {
    assertSafePath(path);
    if ((mode & 0o7000) !== 0) throw unsafe(`entry has setuid, setgid or sticky bits (mode ${mode.toString(8)}): ${path}`, path, 'special-mode-bits', { mode: mode.toString(8) });
    const folded = foldCase(path);
    const earlier = this.#names.find(path, folded);
    if (earlier?.exact) throw unsafe(`duplicate entry: ${path}`, path, 'duplicate');
    if (earlier) {
      const named = this.#nameOf?.(earlier.ordinal);
      const twin = named !== undefined && named !== path && foldCase(named) === folded ? named : null;
      throw unsafe(`entries differ only in case or Unicode form: ${twin ?? 'an earlier entry'} and ${path}`, path, 'case-collision', { other: twin });
    }
    const slash = path.lastIndexOf('/');
    if (slash > 0) {
      let parent = path.slice(0, slash);
      const kind = this.#containers.get(parent);
      if (kind === undefined) {
        if (this.#names.find(parent, foldCase(parent))?.exact) throw unsafe(`entry's parent is not a directory: ${path}`, path, 'parent-not-directory');
        throw unsafe(`entry comes before its parent directory: ${path}`, path, 'missing-parent', { parent });
      }
      while (parent !== '') {
        if (this.#containers.get(parent) === 'symlink') throw unsafe(`entry is placed beneath a symlink: ${path}`, path, 'beneath-symlink', { link: parent });
        const up = parent.lastIndexOf('/');
        parent = up > 0 ? parent.slice(0, up) : '';
      }
      if (kind !== 'directory') throw unsafe(`entry's parent is not a directory: ${path}`, path, 'parent-not-directory');
    }
    if (type === 'symlink' && (target === undefined || !isInTreeLinkTarget(path, target))) {
      throw unsafe(`symlink points outside the bundle: ${path} -> ${target ?? ''}`, path, 'symlink-escape', { target: target ?? null });
    }
    if (type !== 'file') this.#containers.set(path, type);
    this.#names.add(path, folded, this.#count++);
  }
}

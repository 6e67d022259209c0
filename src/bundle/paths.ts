// Archive paths: NFC-normalized, '/'-separated, sorted by UTF-8 bytes, with every parent
// directory present. Two source names that become one archive name (NFC/NFD twins, or names
// equal after case folding) are refused: they would overwrite each other on macOS or Windows.
import { ReproError } from '../core/errors.js';
import { NameTable } from './name-table.js';

/** Printable ASCII but the backslash: NFC already, one separator. */
const PLAIN_ASCII = /^[\x20-\x5b\x5d-\x7e]+$/;
/** An empty or "." segment: a leading or doubled slash, "./", a trailing "/" or "/.". */
const ODD_SEGMENT = /(?:^|\/)\.?(?:\/|$)/;

export function toArchivePath(relative: string): string {
  // Most names are already archive paths: returned as they are, without the split, the
  // filter, the join and ICU's normalize (called twice per file while planning: on 100,000
  // files, 47-130 ms of the plan).
  if (PLAIN_ASCII.test(relative) && !ODD_SEGMENT.test(relative)) return relative;
  return relative.split(/[\\/]+/).filter((part) => part !== '' && part !== '.').join('/').normalize('NFC');
}

export function foldCase(path: string): string {
  return path.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

export interface NamedSource {
  /** Path as found on disk, relative to the project root. */
  source: string;
  /** The archive path (NFC). */
  path: string;
}

/**
 * Refuses, as names arrive, a source name that becomes the same archive name as an earlier one
 * (E_PATH_COLLISION naming both). Names are kept as hashes (NameTable), not strings: a
 * 100,000-file project's planning held two maps of them. `named(ordinal)` gives the earlier
 * name back (the caller has the list), so a hash match is confirmed on the names themselves;
 * an unrelated name that shares the 64-bit hash is kept exactly instead.
 */
export class CollisionCheck {
  readonly #names = new NameTable();
  readonly #spilled = new Map<string, number>();
  readonly #named: (ordinal: number) => NamedSource;
  #count = 0;

  constructor(named: (ordinal: number) => NamedSource) {
    this.#named = named;
  }

  add(item: NamedSource): void {
    const ordinal = this.#count++;
    const folded = foldCase(item.path);
    const earlier = this.#spilled.get(folded) ?? this.#names.find(item.path, folded)?.ordinal;
    if (earlier === undefined) {
      this.#names.add(item.path, folded, ordinal);
      return;
    }
    const prior = this.#named(earlier);
    if (prior.path === item.path) {
      throw new ReproError('E_PATH_COLLISION', `two files have the same name after Unicode normalization: ${JSON.stringify(prior.source)} and ${JSON.stringify(item.source)}`, {
        hint: 'Rename one of them; NFC and NFD spellings of a name are the same file on macOS.',
        details: { paths: [prior.source, item.source], archivePath: item.path, rule: 'unicode-normalization' },
      });
    }
    if (foldCase(prior.path) === folded) {
      throw new ReproError('E_PATH_COLLISION', `two files differ only in letter case: ${JSON.stringify(prior.source)} and ${JSON.stringify(item.source)}`, {
        hint: 'Rename one of them; they would overwrite each other on case-insensitive file systems (macOS, Windows).',
        details: { paths: [prior.source, item.source], rule: 'case-folding' },
      });
    }
    this.#spilled.set(folded, ordinal); // a hash shared by chance, not a twin
  }
}

/** Every proper ancestor directory of the given paths, deduplicated. */
export function parentDirectories(paths: Iterable<string>): string[] {
  const dirs = new Set<string>();
  for (const p of paths) {
    let slash = p.lastIndexOf('/');
    while (slash > 0) {
      const dir = p.slice(0, slash);
      if (dirs.has(dir)) break;
      dirs.add(dir);
      slash = dir.lastIndexOf('/');
    }
  }
  return [...dirs];
}

/**
 * True when a symlink at `linkPath` with `target` stays inside the tree without relying on
 * where other links point: relative, leading '..' only, never climbing above the root.
 */
export function isInTreeLinkTarget(linkPath: string, target: string): boolean {
  if (target === '' || target.startsWith('/') || /^[A-Za-z]:/.test(target) || target.includes('\\') || target.includes('\0')) return false;
  const depth = linkPath.split('/').length - 1;
  const parts = target.split('/').filter((part) => part !== '' && part !== '.');
  let climbing = 0;
  let seenName = false;
  for (const part of parts) {
    if (part === '..') {
      if (seenName) return false;
      climbing++;
    } else {
      seenName = true;
    }
  }
  return climbing <= depth;
}

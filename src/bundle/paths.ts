// Archive paths: NFC-normalized, '/'-separated, sorted by UTF-8 bytes, with every parent
// directory present. Two source names that become one archive name (NFC/NFD twins, or names
// equal after case folding) are refused: they would overwrite each other on macOS or Windows.
import { ReproError } from '../core/errors.js';
import { compareUtf8 } from '../core/utf8-order.js';

export function toArchivePath(relative: string): string {
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

/** Throws E_PATH_COLLISION naming both source paths when two names map to one. */
export function assertNoCollisions(items: readonly NamedSource[]): void {
  const exact = new Map<string, string>();
  const folded = new Map<string, string>();
  for (const item of items) {
    const prior = exact.get(item.path);
    if (prior !== undefined) {
      throw new ReproError('E_PATH_COLLISION', `two files have the same name after Unicode normalization: ${JSON.stringify(prior)} and ${JSON.stringify(item.source)}`, {
        hint: 'Rename one of them; NFC and NFD spellings of a name are the same file on macOS.',
        details: { paths: [prior, item.source], archivePath: item.path, rule: 'unicode-normalization' },
      });
    }
    exact.set(item.path, item.source);
    const key = foldCase(item.path);
    const priorFolded = folded.get(key);
    if (priorFolded !== undefined) {
      throw new ReproError('E_PATH_COLLISION', `two files differ only in letter case: ${JSON.stringify(priorFolded)} and ${JSON.stringify(item.source)}`, {
        hint: 'Rename one of them; they would overwrite each other on case-insensitive file systems (macOS, Windows).',
        details: { paths: [priorFolded, item.source], rule: 'case-folding' },
      });
    }
    folded.set(key, item.source);
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

export function sortByBytes<T extends { path: string }>(items: T[]): T[] {
  return items.sort((a, b) => compareUtf8(a.path, b.path));
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

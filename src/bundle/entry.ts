// The unit a bundle is made of: one tar entry with the fields the canonical form keeps.
// Modes come from a rule, never from stat: 0755 for directories and executables, else 0644.

export type EntryType = 'file' | 'directory' | 'symlink';

export interface BundleEntry {
  /** NFC, '/'-separated, relative; directories end without a slash here. */
  path: string;
  type: EntryType;
  /** Permission bits only (no setuid/setgid/sticky). */
  mode: number;
  /** Bytes of content; 0 for directories and symlinks. */
  size: number;
  /** Hex sha256 of the content; files only. */
  sha256?: string;
  /** Symlink target, relative; symlinks only. */
  target?: string;
}

export const DIR_MODE = 0o755;
export const EXEC_MODE = 0o755;
export const FILE_MODE = 0o644;
export const LINK_MODE = 0o777;

/** Mode rule (DESIGN rule 4): executable if any execute bit is set on the source. */
export function ruleMode(type: EntryType, statMode: number): number {
  if (type === 'directory') return DIR_MODE;
  if (type === 'symlink') return LINK_MODE;
  return (statMode & 0o111) !== 0 ? EXEC_MODE : FILE_MODE;
}

export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

export function parseMode(text: string): number {
  return Number.parseInt(text, 8);
}

/** The name of the path in a tar header: directories carry a trailing slash. */
export function tarName(entry: Pick<BundleEntry, 'path' | 'type'>): string {
  return entry.type === 'directory' ? `${entry.path}/` : entry.path;
}

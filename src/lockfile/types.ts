// One shape for every lockfile format: the packages it pins, with where they come from and the
// hashes that prove their bytes, plus coded warnings about what weakens the pin.

export interface LockPackage {
  name: string;
  version: string | null;
  /** Registry URL, git URL, path or channel; credentials stripped. */
  source: string | null;
  /** Content hashes: an ssri integrity (npm) or "sha256:<hex>" strings (Python, conda). */
  hashes: string[];
  /** Environment marker or platform the entry is limited to. */
  platform?: string;
}

/**
 * MISSING_HASH: a package fetched from a registry or URL without a hash to check it by.
 * LOCAL_PATH: a package from a folder of the project (a workspace, file:, a directory): it has
 * no registry hash to miss; its bytes are the project's own. PLATFORM_SPECIFIC: installed only on
 * some platforms (markers, conda platforms, yarn conditions). MACHINE_UNMET: the lock was solved
 * for a machine this one is not (no platform for it, or an older glibc, kernel or CUDA driver than
 * its virtual packages name).
 */
export type LockWarningCode = 'UNPINNED' | 'MISSING_HASH' | 'LOCAL_PATH' | 'PLATFORM_SPECIFIC' | 'LOCK_OLDER_THAN_MANIFEST' | 'CREDENTIALS_REMOVED' | 'UNPARSED_LINE' | 'PIN_UNSATISFIED' | 'NOT_INSTALLED' | 'MACHINE_UNMET';

export interface LockWarning {
  code: LockWarningCode;
  message: string;
  package?: string;
}

/**
 * A platform a lock was solved for, with the virtual packages the solve assumed the machine has
 * (pixi.lock v7: `__glibc=2.28`, `__cuda=12.0`, `__archspec=0=x86_64`): a machine that lacks one
 * cannot install what the lock pins for that platform (diff/lock-needs.ts judges it).
 */
export interface LockPlatform {
  /** The name the lock gives it (a conda subdir, or a custom name). */
  name: string;
  /** The conda subdir it installs (linux-64, osx-arm64, ...): the name unless the lock says otherwise. */
  subdir: string;
  /** As the lock writes them: name=version[=build]. */
  virtualPackages: string[];
  /** The lock's environments that have packages for it, sorted. */
  environments: string[];
}

export interface LockfileRecord {
  path: string;
  format: string;
  sha256: string;
  packageCount: number;
  packages: LockPackage[];
  /** The platforms the lock was solved for, where the format records them (pixi.lock v7). */
  platforms?: LockPlatform[];
}

export interface ParsedLock {
  format: string;
  packages: LockPackage[];
  warnings: LockWarning[];
  /** The manifest this lock is derived from, relative to the lock's directory, if any. */
  manifest?: string;
  /** The platforms the lock was solved for, with the virtual packages each assumed (pixi.lock v7). */
  platforms?: LockPlatform[];
}

/**
 * What installing a hashed Python lock means, read in the same pass as its packages
 * (lockfile/python-locks.ts); dockerfile/export-requirements.ts checks and renders it. Nothing
 * here is validated: a git package without a commit or a package without hashes is the
 * export's error, and only the export's (the snapshot records such a lock as it is).
 */
export interface LockInstall {
  /** From an index or a URL: `specifier` as the lock pins it (`==1.2.3`), every artifact hash (none: unverifiable), the marker it is installed under. */
  packages: Array<{ name: string; specifier: string; url: string | null; hashes: string[]; marker: string | null }>;
  /** From git: the repository URL (credentials not yet cut), the commit the lock resolved (null: none), the subdirectory. */
  git: Array<{ name: string; url: string | null; commit: string | null; subdirectory: string | null; marker: string | null }>;
  /** The project's own folders (kind: folder, directory or file): not installed; they run from the project. */
  local: Array<{ name: string; kind: string; path: string }>;
  /** The indexes the packages come from, credentials cut. */
  indexes: string[];
  /** poetry lock-version 1.x: the version of a lock that records no per-package markers. */
  unmarked?: string;
  /** pylock.toml: the Python versions and the environments (PEP 508 markers) the lock was made for; none: any. */
  requiresPython?: string;
  environments?: string[];
}

export interface LockReader {
  format: string;
  /** True when a file of this name is this format. */
  matches(fileName: string): boolean;
  read(file: string, text: string): Promise<ParsedLock> | ParsedLock;
}

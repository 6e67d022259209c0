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
 * some platforms (markers, conda platforms, yarn conditions).
 */
export type LockWarningCode = 'UNPINNED' | 'MISSING_HASH' | 'LOCAL_PATH' | 'PLATFORM_SPECIFIC' | 'LOCK_OLDER_THAN_MANIFEST' | 'CREDENTIALS_REMOVED' | 'UNPARSED_LINE' | 'PIN_UNSATISFIED' | 'NOT_INSTALLED';

export interface LockWarning {
  code: LockWarningCode;
  message: string;
  package?: string;
}

export interface LockfileRecord {
  path: string;
  format: string;
  sha256: string;
  packageCount: number;
  packages: LockPackage[];
}

export interface ParsedLock {
  format: string;
  packages: LockPackage[];
  warnings: LockWarning[];
  /** The manifest this lock is derived from, relative to the lock's directory, if any. */
  manifest?: string;
}

export interface LockReader {
  format: string;
  /** True when a file of this name is this format. */
  matches(fileName: string): boolean;
  read(file: string, text: string): Promise<ParsedLock> | ParsedLock;
}

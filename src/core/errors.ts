// Errors as data: every failure repro reports is a ReproError with a code from a closed set,
// a hint that tells the user what to do next, and details that carry the evidence.

export const ERROR_CODES = {
  E_USAGE: 2,
  E_INPUT: 3,
  E_CONFIG: 3,
  E_NOT_FOUND: 3,
  E_UNREADABLE: 3,
  E_UNSUPPORTED_FILE: 3,
  E_PATH_COLLISION: 3,
  E_SYMLINK_ESCAPE: 3,
  E_SOURCE_DATE_EPOCH: 3,
  E_CHANGED_DURING_BUILD: 3,
  E_SCHEMA_VERSION: 3,
  E_LOCK_MISMATCH: 1,
  E_NOT_REPRODUCIBLE: 1,
  E_INTEGRITY: 4,
  E_UNSAFE_ENTRY: 4,
  E_LIMIT: 4,
  E_ENV: 5,
  E_IO: 5,
  E_INTERNAL: 70,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ReproErrorOptions {
  hint?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class ReproError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ReproErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ReproError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  get exitCode(): number {
    return ERROR_CODES[this.code];
  }

  toJSON(): { code: ErrorCode; message: string; hint: string | null; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, hint: this.hint ?? null, details: this.details };
  }
}

export function isReproError(value: unknown): value is ReproError {
  return value instanceof ReproError;
}

/** Wraps anything thrown that is not a ReproError as an internal bug (exit 70). */
export function toReproError(value: unknown): ReproError {
  if (value instanceof ReproError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new ReproError('E_INTERNAL', `internal error: ${message}`, {
    hint: 'This is a bug in repro. Please report it with the command you ran and this message.',
    details: value instanceof Error && value.stack ? { stack: value.stack } : {},
    cause: value,
  });
}

/** Maps a Node.js file-system error to a coded ReproError that names the path. */
export function fsError(err: unknown, path: string, action: string, hints: { space?: string } = {}): ReproError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    return new ReproError('E_NOT_FOUND', `${action}: no such file or directory: ${path}`, {
      hint: 'Check the path; it is resolved against the current directory.',
      details: { path, errno: code },
      cause: err,
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new ReproError('E_UNREADABLE', `${action}: permission denied: ${path}`, {
      hint: 'Make the file readable (chmod u+r) or exclude it with a .reproignore entry.',
      details: { path, errno: code },
      cause: err,
    });
  }
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') {
    const what = code === 'EFBIG' ? 'the file size limit (ulimit -f) was reached' : code === 'EDQUOT' ? 'the disk quota is used up' : 'no space left';
    return new ReproError('E_IO', `${action}: ${what} for ${path}`, {
      hint: hints.space ?? 'Free some disk space or choose another output directory with -o.',
      details: { path, errno: code },
      cause: err,
    });
  }
  if (code === 'ELOOP') {
    return new ReproError('E_INPUT', `${action}: symbolic link loop at ${path}`, {
      hint: 'Remove the looping link or exclude it with a .reproignore entry.',
      details: { path, errno: code },
      cause: err,
    });
  }
  return new ReproError('E_IO', `${action}: ${(err as Error)?.message ?? String(err)}`, {
    details: { path, errno: code ?? null },
    cause: err,
  });
}

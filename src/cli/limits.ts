// --max-entries and --max-bytes, shared by every command that reads a bundle (verify, exec).
// A value that is not a positive whole number is a usage error: never "no limit".
import { ReproError } from '../core/errors.js';
import { DEFAULT_LIMITS, type TarLimits } from '../bundle/limits.js';

export interface LimitFlags {
  maxEntries?: string;
  maxBytes?: string;
}

function positive(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new ReproError('E_USAGE', `${flag} must be a positive whole number, not ${JSON.stringify(value)}`, {
      hint: `${flag} ${fallback} is the default.`,
      details: { flag, value },
    });
  }
  return n;
}

export function parseLimits(flags: LimitFlags): TarLimits {
  return {
    maxEntries: positive('--max-entries', flags.maxEntries, DEFAULT_LIMITS.maxEntries),
    maxTotalBytes: positive('--max-bytes', flags.maxBytes, DEFAULT_LIMITS.maxTotalBytes),
  };
}

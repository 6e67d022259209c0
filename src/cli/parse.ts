// Flag values that are not plain strings, parsed in one place. A value that does not parse is a
// usage error (exit 2) that names the flag and shows a valid value: never a silent default.
import { promises as fs } from 'node:fs';
import { DEFAULT_LIMITS, type TarLimits } from '../bundle/limits.js';
import { fsError, ReproError } from '../core/errors.js';

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

/** --max-entries and --max-bytes, shared by every command that reads a bundle (verify, exec). */
export function parseLimits(flags: LimitFlags): TarLimits {
  return {
    maxEntries: positive('--max-entries', flags.maxEntries, DEFAULT_LIMITS.maxEntries),
    maxTotalBytes: positive('--max-bytes', flags.maxBytes, DEFAULT_LIMITS.maxTotalBytes),
  };
}

/** A time limit in milliseconds (--probe-timeout, --import-timeout). */
export function parseMs(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new ReproError('E_USAGE', `${name} must be a positive number of milliseconds, got ${JSON.stringify(value)}`, { hint: `e.g. ${name} 10000`, details: { option: name, value } });
  }
  return n;
}

export const BACKENDS = ['docker', 'local', 'slurm'] as const;
export type Backend = (typeof BACKENDS)[number];

/** exec's --backend: absent means "let exec choose". */
export function parseBackend(value: string | undefined): Backend | undefined {
  if (value === undefined || (BACKENDS as readonly string[]).includes(value)) return value as Backend | undefined;
  throw new ReproError('E_USAGE', `unknown backend ${JSON.stringify(value)}`, { hint: 'Use --backend docker, local or slurm.', details: { backend: value } });
}

/** build's --files-from: a NUL-separated list of files (what --verify's child rebuild is given). */
export async function readFileList(file: string): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8').catch((err) => {
    throw fsError(err, file, 'cannot read --files-from');
  });
  return text.split('\0').filter((p) => p !== '');
}

/** Flags (by their commander keys) that were given but only mean something with `needs`: exit 2 naming them. */
export function refuseWithout<K extends string>(flags: Partial<Record<K, unknown>>, keys: readonly K[], needs: string, hint: string): void {
  const given = keys.filter((k) => flags[k] !== undefined);
  if (given.length === 0) return;
  const names = given.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  throw new ReproError('E_USAGE', `${names.join(', ')} only mean something with ${needs}`, { hint, details: {} });
}

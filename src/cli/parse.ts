// Flag values that are not plain strings, parsed here, and the one refusal of a flag given
// without the flag it needs. A value that does not parse is a
// usage error (exit 2) that names the flag and shows a valid value: never a silent default.
import { promises as fs } from 'node:fs';
import { DEFAULT_LIMITS, type TarLimits } from '../bundle/limits.js';
import { fsError, ReproError } from '../core/errors.js';

export interface LimitFlags {
  maxEntries?: string;
  maxBytes?: string;
}

/**
 * THE positive whole number of a flag (--max-entries, --max-parallel, --probe-timeout, …): digits
 * only, at least 1, a safe integer; else exit 2 naming the flag, with an example.
 */
export function parsePositiveInt(flag: string, value: string, example: number | string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new ReproError('E_USAGE', `${flag} must be a positive whole number, not ${JSON.stringify(value)}`, {
      hint: `e.g. ${flag} ${example}`,
      details: { flag, value },
    });
  }
  return n;
}

function positive(flag: string, value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : parsePositiveInt(flag, value, `${fallback} (the default)`);
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
  return parsePositiveInt(`${name} (milliseconds)`, value, 10000);
}

export const BACKENDS = ['docker', 'local', 'slurm'] as const;
export type Backend = (typeof BACKENDS)[number];

/** exec's --backend: absent means "let exec choose". */
export function parseBackend(value: string | undefined): Backend | undefined {
  if (value === undefined || (BACKENDS as readonly string[]).includes(value)) return value as Backend | undefined;
  throw new ReproError('E_USAGE', `unknown backend ${JSON.stringify(value)}`, { hint: 'Use --backend docker, local or slurm.', details: { backend: value } });
}

/**
 * build's --files-from: a NUL-separated list of files (what --verify's child rebuild is given),
 * from a file or, for `-`, from stdin until it ends (the parent sends it once the copy is made).
 */
export async function readFileList(file: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<string[]> {
  const text = file === '-' ? await readAll(stdin) : await fs.readFile(file, 'utf8').catch((err) => {
    throw fsError(err, file, 'cannot read --files-from');
  });
  return text.split('\0').filter((p) => p !== '');
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}

/** `--kebab-case` of a commander key (`fulcioUrl` -> `--fulcio-url`). */
export const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * THE refusal of flags given without the flag they need: exit 2, one message shape
 * (`--a, --b only mean something with --c: why`), naming each. `flags` by commander keys; a key
 * counts as given when its value is neither undefined nor false.
 */
export function refuseWithout<K extends string>(flags: Partial<Record<K, unknown>>, keys: readonly K[], needs: string, options: { why?: string; hint?: string } = {}): void {
  const given = keys.filter((k) => flags[k] !== undefined && flags[k] !== false).map(flagName);
  if (given.length === 0) return;
  throw new ReproError('E_USAGE', `${given.join(', ')} only mean${given.length === 1 ? 's' : ''} something with ${needs}${options.why ? `: ${options.why}` : ''}`, {
    hint: options.hint ?? `Add ${needs}, or drop ${given.length === 1 ? 'it' : 'them'}.`,
    details: { flags: given, needs },
  });
}

/** A size flag: a whole number of bytes, or with k, m, g, t (powers of 1024), e.g. 16g. */
export function parseSize(flag: string, value: string): number {
  const m = /^(\d+)([kmgt]?)(i?b)?$/i.exec(value.trim());
  const n = m ? Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase()) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new ReproError('E_USAGE', `${flag} must be a size such as 512m or 16g, not ${JSON.stringify(value)}`, { hint: `e.g. ${flag} 16g`, details: { flag, value } });
  }
  return n;
}

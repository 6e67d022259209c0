// The one timestamp every bundle entry carries. SOURCE_DATE_EPOCH (reproducible-builds.org)
// wins when set; it must be a non-negative integer number of seconds, nothing else.
import { ReproError } from '../core/errors.js';
import { MAX_USTAR_OCTAL } from '../bundle/limits.js';

/** 2000-01-01T00:00:00Z: a fixed, documented default that every tar tool displays sanely. */
export const DEFAULT_SOURCE_DATE_EPOCH = 946684800;


export function parseSourceDateEpoch(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_SOURCE_DATE_EPOCH;
  const trimmed = raw.trim();
  if (!/^[0-9]+$/.test(trimmed)) {
    throw new ReproError('E_SOURCE_DATE_EPOCH', `SOURCE_DATE_EPOCH must be a non-negative integer, got ${JSON.stringify(raw)}`, {
      hint: 'Set it to whole seconds since 1970-01-01 UTC, e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct), or unset it.',
      details: { value: raw },
    });
  }
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value) || value > MAX_USTAR_OCTAL) {
    throw new ReproError('E_SOURCE_DATE_EPOCH', `SOURCE_DATE_EPOCH is out of range: ${raw}`, {
      hint: `Use a value between 0 and ${MAX_USTAR_OCTAL}.`,
      details: { value: raw, max: MAX_USTAR_OCTAL },
    });
  }
  return value;
}

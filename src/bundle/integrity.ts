// The one integrity error of a bundle's bytes (tar, manifest, entries): E_INTEGRITY with the
// evidence and the one hint, whichever reader found it.
import { ReproError } from '../core/errors.js';

export const DAMAGED_BUNDLE_HINT = 'The bundle is damaged or was altered. Rebuild it, or fetch it again from its source.';

export function bundleIntegrityError(message: string, details: Record<string, unknown>, cause?: unknown): ReproError {
  return new ReproError('E_INTEGRITY', message, { hint: DAMAGED_BUNDLE_HINT, details, ...(cause === undefined ? {} : { cause }) });
}

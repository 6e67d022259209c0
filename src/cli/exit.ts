// The one place that decides how the process ends: ok -> 0, a ReproError -> its code's exit
// status (see ERROR_CODES), anything else -> 70 (internal bug).
import { toReproError } from '../core/errors.js';

export function exitCodeFor(error: unknown): number {
  return toReproError(error).exitCode;
}

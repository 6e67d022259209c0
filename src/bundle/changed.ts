// The error for a project file that is not the one planned when the writer reads it.
import { ReproError } from '../core/errors.js';

/** A file that changed between planning and writing (size, mtime, inode or length read). */
export function changedError(source: string): ReproError {
  return new ReproError('E_CHANGED_DURING_BUILD', `file changed while the bundle was being built: ${source}`, {
    hint: 'Stop whatever is writing to the project (training, an editor, a sync tool) and build again.',
    details: { path: source },
  });
}

// MLflow's convention for a project without MLproject or repro.yaml: an entry point that is a
// .py file runs with python, a .sh file with bash.
import path from 'node:path';
import { ReproError } from '../core/errors.js';
import { shlexQuote } from './python-format.js';
import type { EntryPointSpec } from './types.js';

/** MLflow's convention for a project without MLproject: run a .py with python, a .sh with bash. */
export function conventionEntryPoint(entry: string, files: ReadonlySet<string>): EntryPointSpec {
  const ext = path.extname(entry);
  if (!files.has(entry) || (ext !== '.py' && ext !== '.sh')) {
    throw new ReproError('E_USAGE', `could not find ${entry} among the entry points or run it as a script`, {
      hint: 'Without an MLproject or repro.yaml, the entry point must be a .py or .sh file in the project.',
      details: { entry, supportedExtensions: ['.py', '.sh'] },
    });
  }
  return { name: entry, command: `${ext === '.py' ? 'python' : 'bash'} ${shlexQuote(entry)}`, parameters: [] };
}

// MLflow's get_entry_point for a name the manifest does not declare (or a project without
// one): a .py file runs with python, a .sh file with bash (MLflow uses $SHELL, falling back to
// bash; repro always uses bash, so the host's login shell does not change a rerun), a .R file
// with Rscript through mlflow::mlflow_source. As in MLflow, the file is not looked for first.
import path from 'node:path';
import { ReproError } from '../core/errors.js';
import { shlexQuote } from './python-format.js';
import type { EntryPointSpec } from './types.js';

const SCRIPT_EXTENSIONS = ['.py', '.sh'] as const;

/** The entry point MLflow makes of a script name, or an error naming the declared ones. */
export function conventionEntryPoint(entry: string, declared: readonly string[] = []): EntryPointSpec {
  const ext = path.posix.extname(entry);
  const q = shlexQuote(entry);
  if (ext === '.py') return { name: entry, command: `python ${q}`, parameters: [] };
  if (ext === '.sh') return { name: entry, command: `bash ${q}`, parameters: [] };
  if (ext === '.R') return { name: entry, command: `Rscript -e "mlflow::mlflow_source('${q}')" --args`, parameters: [] };
  throw new ReproError('E_USAGE', `Could not find ${entry} among entry points [${declared.map((d) => `'${d}'`).join(', ')}] or interpret ${entry} as a runnable script. Supported script file extensions: ['.py', '.sh']`, {
    hint: declared.length ? `Entry points: ${declared.join(', ')}; or name a .py, .sh or .R file of the project.` : 'Name a .py, .sh or .R file of the project (there is no MLproject or repro.yaml).',
    details: { entry, available: [...declared], supportedExtensions: [...SCRIPT_EXTENSIONS, '.R'] },
  });
}

// Step 3 of exec: the entry point's command, rendered from the parameters. A manifest's entry
// point by name; otherwise MLflow's script convention (.py, .sh, .R). An MLproject (or no
// manifest) renders by MLflow's rules: a local `path` value resolves against the directory exec
// was run from, as `mlflow run` resolves it; repro.yaml by its own typed schema.
import { conventionEntryPoint } from '../project/convention.js';
import { renderCommand, rulesOf, type RenderedCommand } from '../project/render.js';
import type { ProjectManifest } from '../project/types.js';
import { DEFAULT_ENTRY } from './defaults.js';

export function renderEntry(manifest: ProjectManifest | null, callerDir: string, options: { entry?: string; params: Array<[string, string]> }): RenderedCommand {
  const entry = options.entry ?? DEFAULT_ENTRY;
  const declared = manifest ? Object.keys(manifest.entryPoints) : [];
  const ep = manifest && Object.prototype.hasOwnProperty.call(manifest.entryPoints, entry) ? manifest.entryPoints[entry]! : conventionEntryPoint(entry, declared);
  return renderCommand(ep, options.params, { rules: rulesOf(manifest), callerDir });
}

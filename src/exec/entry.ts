// Step 3 of exec: the entry point's command, rendered from typed parameters. A manifest's entry
// point by name; without one (or for a .py/.sh file the manifest does not name), the file
// convention. Path parameters stay relative to the project.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { conventionEntryPoint } from '../project/convention.js';
import { findEntryPoint, renderCommand, type RenderedCommand } from '../project/render.js';
import type { ProjectManifest } from '../project/types.js';
import { DEFAULT_ENTRY } from './defaults.js';

export async function renderEntry(manifest: ProjectManifest | null, projectDir: string, options: { entry?: string; params: Array<[string, string]> }): Promise<RenderedCommand> {
  const entry = options.entry ?? DEFAULT_ENTRY;
  // Path parameters stay relative to the project: MLflow makes them absolute to the caller's
  // directory, which inside a container (or another machine) would not exist.
  if (manifest && manifest.entryPoints[entry]) {
    return renderCommand(findEntryPoint(manifest, entry), options.params, { workDir: projectDir, mlflowPaths: false });
  }
  if (manifest && !/\.(py|sh)$/.test(entry)) findEntryPoint(manifest, entry); // throws, listing the entry points
  const files = new Set<string>();
  if (await fs.stat(path.join(projectDir, entry)).then((s) => s.isFile()).catch(() => false)) files.add(entry);
  return renderCommand(conventionEntryPoint(entry, files), options.params, { workDir: projectDir, mlflowPaths: false });
}

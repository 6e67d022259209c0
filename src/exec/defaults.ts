// exec's defaults, in a leaf module so --help can show them without loading exec.
import path from 'node:path';
import { cacheRoot } from '../core/cache-root.js';

/** The entry point run when none is named (MLflow's convention too). */
export const DEFAULT_ENTRY = 'main';

/** Containers get no network unless --network asks for one. */
export const DEFAULT_NETWORK = 'none';

/** Run directories go under this folder of repro's cache (never into the project, which the next build would bundle): <cache>/runs/<run-id>. */
export const RUNS_DIR = 'runs';

/** Where a run, sweep or Slurm job directory goes without --out. */
export function defaultRunDir(env: Readonly<Record<string, string | undefined>>, name: string): string {
  return path.join(cacheRoot(env), RUNS_DIR, name);
}

/** Sweep points run at once on the local and Docker backends when --max-parallel is not given. */
export const DEFAULT_MAX_PARALLEL = 1;

/** exec --expect-reproduced's exit status when the rerun is not comparable with the reference (NOT reproduced is 1). */
export const NOT_COMPARABLE_EXIT = 6;

// What an output declaration means, in one place: a path or a glob (minimatch, the npm
// ecosystem's matcher: *, **, ?, [..], {a,b}; dotfiles only when the glob names them), rules
// that are `ignore: true`, the files that are never outputs when nothing is declared (caches,
// bytecode, MLflow's bookkeeping), and the key outputs are compared by: MLflow writes each run
// under a fresh id (mlruns/<experiment>/<run id>/artifacts/...), so its artifacts are compared
// with the run id left out, never by a path no rerun can produce again.
import { minimatch } from 'minimatch';
import type { OutputSpec } from './types.js';

const GLOB_CHARS = /[*?[\]{}]/;

/** True when a declared output path is a pattern, not one path. */
export function isGlob(p: string): boolean {
  return GLOB_CHARS.test(p);
}

export function matchesPath(pattern: string, p: string): boolean {
  return isGlob(pattern) ? minimatch(p, pattern, { dot: false }) : p === pattern || p.startsWith(`${pattern}/`);
}

/**
 * Files never taken as outputs when outputs are detected: Python's bytecode and caches, editor
 * and notebook leftovers, and MLflow's bookkeeping (run metadata, metrics and params files that
 * embed times and ids, its SQLite store); MLflow's artifacts are kept (see comparisonKey).
 */
export const DETECTION_IGNORES: readonly string[] = ['**/__pycache__/**', '**/*.pyc', '**/.ipynb_checkpoints/**', '**/.DS_Store', 'mlflow.db', 'mlflow.db-journal'];

const MLFLOW_ROOTS = /^ml(?:runs|artifacts)\//;
const MLFLOW_RUN = /^(ml(?:runs|artifacts)\/[^/]+\/(?:models\/)?)[^/]+(\/artifacts\/)/;

/**
 * A detected path worth comparing: not hidden (a .git/config with core.fsmonitor, a .envrc or any
 * dotfile a run plants never becomes an output the user finds later: declare one to keep it),
 * not ignored, and under mlruns/ only an artifact.
 */
export function isDetectable(p: string, ignores: readonly OutputSpec[]): boolean {
  if (p.split('/').some((segment) => segment.startsWith('.'))) return false;
  if (DETECTION_IGNORES.some((g) => minimatch(p, g, { dot: true }))) return false;
  if (ignores.some((o) => matchesPath(o.path, p))) return false;
  if (MLFLOW_ROOTS.test(p)) return MLFLOW_RUN.test(p);
  return true;
}

/** The key two runs' outputs are matched by: the path, with an MLflow run id left out. */
export function comparisonKey(p: string): string {
  return p.replace(MLFLOW_RUN, '$1*$2');
}

/** The declaration an output path falls under (its tolerance), the literal one first. */
export function specFor(p: string, specs: readonly OutputSpec[]): OutputSpec | undefined {
  return specs.find((s) => !s.ignore && s.path === p) ?? specs.find((s) => !s.ignore && isGlob(s.path) && minimatch(p, s.path, { dot: false }));
}

/** The outputs a run owes by name: declared, literal and not ignored (globs owe nothing by name). */
export function literalOutputs(specs: readonly OutputSpec[]): OutputSpec[] {
  return specs.filter((s) => !s.ignore && !isGlob(s.path));
}

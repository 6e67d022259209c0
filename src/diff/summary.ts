// What matters first in a snapshot diff: the interpreter, the ML frameworks with the CUDA and
// cuDNN they use, the GPU and driver, the OS; then the package changes grouped (missing, added,
// major, minor, other) instead of one row each; counts per severity and per section. The full
// list of changes stays in the diff (`--all`, and always in --json).
import type { Severity } from '../core/difference.js';
import type { Change } from './change.js';

/** Distributions that are ML frameworks: their changes lead the summary, not the package count. */
export const FRAMEWORK_PACKAGES = ['torch', 'torchvision', 'tensorflow', 'tensorflow-cpu', 'jax', 'jaxlib', 'keras', 'scikit-learn', 'xgboost', 'lightgbm', 'transformers', 'onnxruntime', 'numpy'];

export type PackageGroup = 'missing' | 'added' | 'major' | 'minor' | 'other';

export interface DiffOverview {
  /** Interpreter changes (python.version, python.implementation, node.version). */
  interpreter: Change[];
  /** Framework package rows and their CUDA/cuDNN rows. */
  frameworks: Change[];
  gpu: Change[];
  os: Change[];
  /** Package rows of the python and lockfiles sections, grouped; names are "name" or "lockfile:name". */
  packages: Record<PackageGroup, string[]>;
  counts: Record<Severity, number>;
  sections: Record<string, Record<Severity, number>>;
  /** Breaking and warning rows not shown above, in severity order. */
  rest: Change[];
}

const packageName = (c: Change): string | null => {
  if (c.section === 'python' && c.field.startsWith('packages.')) return c.field.slice('packages.'.length);
  if (c.section === 'lockfiles' && c.field.includes(':')) return c.field;
  return null;
};

function groupOf(c: Change): PackageGroup {
  if (c.kind === 'removed') return 'missing';
  if (c.kind === 'added') return 'added';
  if (/^major /.test(c.reason)) return 'major';
  if (/^(minor|patch) /.test(c.reason)) return 'minor';
  return 'other';
}

export function overview(changes: readonly Change[]): DiffOverview {
  const o: DiffOverview = { interpreter: [], frameworks: [], gpu: [], os: [], packages: { missing: [], added: [], major: [], minor: [], other: [] }, counts: { breaking: 0, warning: 0, info: 0 }, sections: {}, rest: [] };
  for (const c of changes) {
    o.counts[c.severity]++;
    (o.sections[c.section] ??= { breaking: 0, warning: 0, info: 0 })[c.severity]++;
    const name = packageName(c);
    if ((c.section === 'python' && (c.field === 'version' || c.field === 'implementation')) || (c.section === 'node' && c.field === 'version')) o.interpreter.push(c);
    else if (c.section === 'python' && (c.field.startsWith('frameworks.') || (name !== null && FRAMEWORK_PACKAGES.includes(name)))) o.frameworks.push(c);
    else if (name !== null) o.packages[groupOf(c)].push(name);
    else if (c.section === 'gpu' && c.severity !== 'info') o.gpu.push(c);
    else if (c.section === 'os' && c.severity !== 'info') o.os.push(c);
    else if (c.severity !== 'info') o.rest.push(c);
  }
  return o;
}

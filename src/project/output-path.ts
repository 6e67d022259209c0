// A declared output is a path inside the project, written once and read back by exec: relative,
// normalized, '/'-separated, never climbing out. repro.yaml is refused at build when one is not
// (E_CONFIG, exit 3); a bundle whose manifest declares one anyway was crafted, and exec refuses
// it before anything runs (E_UNSAFE_ENTRY, exit 4).
import path from 'node:path';
import { ReproError } from '../core/errors.js';
import type { OutputSpec } from './types.js';

/** Why `p` is not a safe output path, or null when it is one. */
export function outputPathProblem(p: unknown): string | null {
  if (typeof p !== 'string' || p === '') return 'it is empty';
  if (/[\0-\x1f]/.test(p)) return 'it holds a control character';
  if (p.includes('\\')) return 'it holds a backslash (separate folders with /)';
  if (p.startsWith('/')) return 'it is absolute';
  if (/^[A-Za-z]:/.test(p)) return 'it names a drive';
  const segments = p.split('/');
  if (segments.includes('..')) return 'it climbs out of the project (..)';
  if (segments.some((s) => s === '' || s === '.') || path.posix.normalize(p) !== p) return `it is not in normal form (write ${JSON.stringify(path.posix.normalize(p).replace(/\/$/, '').replace(/^\.\//, ''))})`;
  return null;
}

/** exec's check of a bundle's declared outputs: any unsafe one means a crafted bundle. */
export function checkBundleOutputs(outputs: readonly OutputSpec[]): void {
  for (const o of outputs) {
    const problem = outputPathProblem(o.path);
    if (problem) {
      throw new ReproError('E_UNSAFE_ENTRY', `the bundle declares an unsafe output ${JSON.stringify(o.path)}: ${problem}`, {
        hint: 'repro build refuses such outputs, so this bundle was crafted or altered. Do not run it; ask its author for one built by repro.',
        details: { output: o.path, rule: 'output-path', reason: problem },
      });
    }
  }
}

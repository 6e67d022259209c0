// Where `repro build` writes when -o is not given, in a leaf module so --help can show it
// without loading the builder.
import path from 'node:path';
import { REPRO_DIR } from '../core/repro-dir.js';

/** Relative to the project directory. */
export const DEFAULT_OUT_DIR = path.join(REPRO_DIR, 'bundles');

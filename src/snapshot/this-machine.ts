// The one way repro describes the machine it runs on: `repro snapshot`, `repro diff A` (A against
// now), exec's drift check and the builder record of `build --verify --attest` all call
// describeThisMachine, so each states the same machine the same way, and one rule says which
// interpreter may be started to describe it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { cacheRoot } from '../core/cache-root.js';
import type { Context } from '../core/context.js';
import type { HashCache } from '../core/hash-cache.js';
import { DEFAULT_IMPORT_TIMEOUT_MS, DEFAULT_PROBE_TIMEOUT_MS } from './defaults.js';
import { captureSnapshot, type Snapshot } from './snapshot.js';

/**
 * Why this machine is described, which fixes how:
 * - `project`: the user's own project (snapshot, diff against now): the project's .venv may be
 *   the interpreter, git is asked, frameworks imported unless told not to.
 * - `host`: a machine checked against a bundle, or the one that built it (exec's drift check,
 *   build --attest): only this machine's programs run (never a project's .venv, which may be a
 *   bundle's), no framework imports, no git, so like is compared with like.
 */
export type MachineView = 'project' | 'host';

export interface DescribeRequest {
  view: MachineView;
  /** The project directory (for `host`, the tree the snapshot's lockfiles are read from). */
  dir: string;
  /** The user's --python: always taken as given. */
  python?: string;
  /**
   * The snapshot this description will be compared with (a file or a bundle's: untrusted). Its
   * interpreter is described again only when it passes {@link hostInterpreter}.
   */
  against?: Snapshot | null;
  /** Where a snapshot will be written (its own path is kept out of the git identity). */
  output?: string;
  data?: string[];
  env?: string[];
  /** The variables the determinism set is read from (exec: the entry point's environment); this process's when absent. */
  envFrom?: Readonly<Record<string, string | undefined>>;
  /** Import the ML frameworks (`project` only; default true). */
  imports?: boolean;
  probeTimeoutMs?: number;
  importTimeoutMs?: number;
}

const PYTHON_NAME = /^python[0-9.]*$/;

const inside = (file: string, dir: string) => {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * THE interpreter rule: the interpreter repro may start to describe this machine is the user's
 * --python; else the one a snapshot names if it is a program of this machine (an absolute path
 * to an existing file called python*, outside repro's cache, so never a bundle's own code); else
 * undefined (the project's .venv where the view allows it, then python3 on PATH). A snapshot's
 * path is never trusted as such: a bundle wrote it.
 */
export async function hostInterpreter(explicit: string | undefined, recorded: unknown, cacheDir: string): Promise<string | undefined> {
  if (explicit !== undefined) return explicit;
  if (typeof recorded !== 'string' || !path.isAbsolute(recorded) || !PYTHON_NAME.test(path.basename(recorded))) return undefined;
  const real = await fs.realpath(recorded).catch(() => null);
  const cacheReal = await fs.realpath(cacheDir).catch(() => cacheDir);
  if (real === null || inside(path.resolve(recorded), cacheDir) || inside(real, cacheReal)) return undefined;
  return recorded;
}

export async function describeThisMachine(request: DescribeRequest, ctx: Context): Promise<{ snapshot: Snapshot; patch: string | null; cache: HashCache }> {
  const cache = cacheRoot(ctx.env);
  const host = request.view === 'host';
  return captureSnapshot(
    {
      dir: request.dir,
      output: request.output,
      data: request.data,
      env: request.env,
      envFrom: request.envFrom,
      python: await hostInterpreter(request.python, request.against?.context.python?.executable, cache),
      projectVenv: !host,
      imports: host ? false : request.imports !== false,
      git: !host,
      probeTimeoutMs: request.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
      importTimeoutMs: request.importTimeoutMs ?? DEFAULT_IMPORT_TIMEOUT_MS,
      toolCacheDir: path.join(cache, 'tool-probe'),
      // A host's package listing is reused while nothing on sys.path changed; a project's
      // snapshot always asks Python (it is the record the user commits).
      pythonCacheDir: host ? path.join(cache, 'python-probe') : undefined,
    },
    ctx,
  );
}

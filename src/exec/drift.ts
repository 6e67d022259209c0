// Step 2 of exec: this machine against the snapshot the bundle carries. Only this machine's own
// programs run here (probes of the host, never the bundle's), frameworks are not imported and
// git is not asked, so like is compared with like; --strict refuses to run on breaking drift, and
// a bundle that needs a GPU fails on a machine without one before anything starts.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { cacheRoot } from '../core/cache-root.js';
import type { Context } from '../core/context.js';
import { describeDifference } from '../core/difference.js';
import { ReproError } from '../core/errors.js';
import { diffSnapshots } from '../diff/diff-snapshots.js';
import type { ProjectManifest } from '../project/types.js';
import type { RunRecord } from '../run-record/record.js';
import { parseSnapshot } from '../snapshot/io.js';
import { DEFAULT_IMPORT_TIMEOUT_MS, DEFAULT_PROBE_TIMEOUT_MS } from '../snapshot/defaults.js';
import { captureSnapshot } from '../snapshot/snapshot.js';
import { SNAPSHOT_FILE } from '../bundle/layout.js';

export interface DriftOptions {
  /** The interpreter to describe; else the one the snapshot names, when this machine has it. */
  python?: string;
  strict?: boolean;
}

const PYTHON_NAME = /^python[0-9.]*$/;

const inside = (file: string, dir: string) => {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * The interpreter the drift check may start on this machine: --python (the user's own choice),
 * else the one the bundle's snapshot names if it is a program of this machine (an absolute path
 * to an existing file called python*, outside repro's cache, so never the bundle's own code),
 * else undefined: python3 on PATH. The snapshot is the bundle's, so its path is untrusted.
 */
export async function hostInterpreter(explicit: string | undefined, recorded: unknown, cacheDir: string): Promise<string | undefined> {
  if (explicit !== undefined) return explicit;
  if (typeof recorded !== 'string' || !path.isAbsolute(recorded) || !PYTHON_NAME.test(path.basename(recorded))) return undefined;
  const real = await fs.realpath(recorded).catch(() => null);
  const cacheReal = await fs.realpath(cacheDir).catch(() => cacheDir);
  if (real === null || inside(path.resolve(recorded), cacheDir) || inside(real, cacheReal)) return undefined;
  return recorded;
}

export async function checkDrift(projectDir: string, manifest: ProjectManifest | null, options: DriftOptions, ctx: Context): Promise<RunRecord['machine']> {
  const text = await fs.readFile(path.join(projectDir, SNAPSHOT_FILE), 'utf8').catch(() => null);
  const original = text ? parseSnapshot(text, `bundle:${SNAPSHOT_FILE}`) : null;
  const pythonHere = await hostInterpreter(options.python, original?.context.python?.executable, cacheRoot(ctx.env));
  // Only this machine's programs run here: never the bundle's .venv (projectVenv: false).
  const now = (
    await captureSnapshot({ dir: projectDir, output: path.join(projectDir, SNAPSHOT_FILE), python: pythonHere, projectVenv: false, imports: false, probeTimeoutMs: DEFAULT_PROBE_TIMEOUT_MS, importTimeoutMs: DEFAULT_IMPORT_TIMEOUT_MS, pythonCacheDir: path.join(cacheRoot(ctx.env), 'python-probe'), toolCacheDir: path.join(cacheRoot(ctx.env), 'tool-probe'), git: false }, ctx)
  ).snapshot;
  if (manifest?.gpu?.required && now.identity.gpu === null) {
    throw new ReproError('E_ENV', 'the bundle requires a GPU and this machine has none', {
      hint: `nvidia-smi: ${now.context.probes.gpu.notes[0] ?? 'not found'}. Run it on a GPU machine (DOCKER_HOST=ssh://gpu-host repro exec ...).`,
      details: { gpu: manifest.gpu },
    });
  }
  if (!original) {
    ctx.log.info('exec: the bundle carries no snapshot (run `repro snapshot` before `repro build`); drift not checked');
    return { snapshotDigest: now.snapshotDigest, drift: null };
  }
  // Frameworks are not imported and git is not asked for exec's check (the project's code is
  // the bundle's, verified): compare like with like.
  const comparable = structuredClone(original);
  if (comparable.identity.python) delete comparable.identity.python.frameworks;
  comparable.identity.git = null;
  const d = diffSnapshots(comparable, now);
  ctx.log.info(`exec: drift against the bundle's snapshot: ${d.summary.breaking} breaking, ${d.summary.warning} warning, ${d.summary.info} info`);
  for (const c of d.changes.filter((x) => x.severity !== 'info').slice(0, 10)) ctx.log.info(`  ${describeDifference(c)}`);
  if (options.strict && d.summary.breaking > 0) {
    throw new ReproError('E_ENV', `refusing to run with --strict: ${d.summary.breaking} breaking difference${d.summary.breaking === 1 ? '' : 's'} from the bundle's snapshot`, {
      hint: 'Restore what the breaking differences name, or run without --strict.',
      details: { changes: d.changes.filter((c) => c.severity === 'breaking') },
    });
  }
  return { snapshotDigest: now.snapshotDigest, drift: d.summary, changes: d.changes.filter((c) => c.severity !== 'info') };
}


// Step 2 of exec: this machine against the snapshot the bundle carries. Only this machine's own
// programs run here (probes of the host, never the bundle's), frameworks are not imported and
// git is not asked, so like is compared with like; --strict refuses to run on breaking drift, and
// a bundle that needs a GPU fails on a machine without one before anything starts.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Context } from '../core/context.js';
import { describeDifference } from '../core/difference.js';
import { ReproError } from '../core/errors.js';
import { diffSnapshots } from '../diff/diff-snapshots.js';
import type { ProjectManifest } from '../project/types.js';
import type { RunRecord } from '../run-record/record.js';
import { parseSnapshot } from '../snapshot/io.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { NODE_LOCK_FORMATS } from '../snapshot/pins.js';
import { describeThisMachine } from '../snapshot/this-machine.js';
import type { PythonIdentity } from '../snapshot/probe-python.js';
import { SNAPSHOT_FILE } from '../bundle/layout.js';

export interface DriftOptions {
  /** The interpreter to describe: the rerun's (snapshot/find-python.ts); else the one the snapshot names, when it is this machine's (hostInterpreter). */
  python?: string;
  strict?: boolean;
  /** The environment the entry point gets: its determinism variables are what is compared. */
  runEnv?: Readonly<Record<string, string>>;
  /** The distributions of the locked environment the entry point runs in (read from its files), in place of the interpreter's own. */
  pythonPackages?: Record<string, string>;
  /** Docker: the image's Python as a container of it describes it (null: the image has none), in place of any host interpreter's. */
  imagePython?: PythonIdentity | null;
}

/** The snapshot a bundle carries, or null (a bundle wrote it: parsed, never trusted). */
export async function readBundleSnapshot(projectDir: string): Promise<Snapshot | null> {
  const text = await fs.readFile(path.join(projectDir, SNAPSHOT_FILE), 'utf8').catch(() => null);
  return text ? parseSnapshot(text, `bundle:${SNAPSHOT_FILE}`) : null;
}

/** The project runs on Node: a package.json, a Node lock, or the manifest's environment.node. */
async function usesNode(projectDir: string, manifest: ProjectManifest | null, snapshot: Snapshot): Promise<boolean> {
  if (manifest?.environment.node) return true;
  if (snapshot.identity.lockfiles.some((l) => NODE_LOCK_FORMATS.has(l.format))) return true;
  return fs.stat(path.join(projectDir, 'package.json')).then(() => true, () => false);
}

/** The snapshot's data paths, absolute, split by whether they exist here. */
async function recordedData(snapshot: Snapshot | null, projectDir: string): Promise<{ present: string[]; absent: string[] }> {
  const present: string[] = [];
  const absent: string[] = [];
  for (const item of snapshot?.identity.data ?? []) {
    if (typeof item.path !== 'string') continue;
    const abs = path.resolve(projectDir, item.path);
    // A bundle wrote these paths: only one inside the project is read.
    const rel = path.relative(projectDir, abs);
    const inside = !path.isAbsolute(item.path) && rel !== '..' && !rel.startsWith(`..${path.sep}`);
    if (inside && (await fs.stat(abs).then(() => true, () => false))) present.push(abs);
    else absent.push(item.path);
  }
  return { present, absent };
}

export async function checkDrift(projectDir: string, manifest: ProjectManifest | null, original: Snapshot | null, options: DriftOptions, ctx: Context): Promise<RunRecord['machine']> {
  // Only this machine's programs run here: never the bundle's .venv, nor a path its snapshot names
  // unless that is a host interpreter.
  // The data the snapshot recorded inside the project is hashed again in the bundle's copy. Data
  // that is not there (not bundled, or outside the project: a bundle never makes exec read a
  // host path it names) is said, and left out of the comparison: it is not "removed".
  const data = await recordedData(original, projectDir);
  for (const p of data.absent) ctx.log.warn(`exec: the snapshot's data ${p} is not in the bundle: not compared`);
  const now = (await describeThisMachine({ view: 'host', dir: projectDir, python: options.python, against: original, data: data.present, envFrom: options.runEnv }, ctx)).snapshot;
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
  // Only the runtimes the project uses count: the node on PATH is no drift for a Python project.
  if (!(await usesNode(projectDir, manifest, original))) {
    comparable.identity.node = null;
    now.identity.node = null;
  }
  comparable.identity.data = comparable.identity.data.filter((d) => !data.absent.includes(d.path));
  if (options.pythonPackages && now.identity.python) now.identity.python.packages = options.pythonPackages;
  if (options.imagePython !== undefined) now.identity.python = options.imagePython;
  // exec gives every run the bundle's SOURCE_DATE_EPOCH: not drift when the snapshot had none.
  if (!('SOURCE_DATE_EPOCH' in comparable.identity.env)) delete now.identity.env.SOURCE_DATE_EPOCH;
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


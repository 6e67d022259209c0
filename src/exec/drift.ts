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
import { describeThisMachine } from '../snapshot/this-machine.js';
import { SNAPSHOT_FILE } from '../bundle/layout.js';

export interface DriftOptions {
  /** The interpreter to describe; else the one the snapshot names, when it is this machine's (hostInterpreter). */
  python?: string;
  strict?: boolean;
}

export async function checkDrift(projectDir: string, manifest: ProjectManifest | null, options: DriftOptions, ctx: Context): Promise<RunRecord['machine']> {
  const text = await fs.readFile(path.join(projectDir, SNAPSHOT_FILE), 'utf8').catch(() => null);
  const original = text ? parseSnapshot(text, `bundle:${SNAPSHOT_FILE}`) : null;
  // Only this machine's programs run here: never the bundle's .venv, nor a path its snapshot names
  // unless that is a host interpreter.
  const now = (await describeThisMachine({ view: 'host', dir: projectDir, python: options.python, against: original }, ctx)).snapshot;
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


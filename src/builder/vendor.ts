// `repro build --vendor`: the wheels the project's hashed lock installs, for the snapshot's
// interpreter and platform, carried in the bundle under vendor/python/, so a rerun installs its
// locked environment with no network at all (exec/environment.ts finds them there). The host's
// pip fetches them with the interpreter the snapshot recorded (wheel/fetch.ts: pip picks the
// wheel that interpreter installs, each file checked against the lock's hashes, exit 4 on a
// mismatch with nothing written), into the content-addressed wheel store, so a second build, the
// --verify rebuild included, reads the same bytes; the bundle's digests cover them like any entry.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { hashedRequirements } from '../dockerfile/install-lock.js';
import { planInterpreter } from '../snapshot/find-python.js';
import { parseSnapshot } from '../snapshot/io.js';
import { SNAPSHOT_FILE, VENDOR_PYTHON_DIR } from '../bundle/layout.js';
import { fetchLockedWheels, type FetchedWheel } from '../wheel/fetch.js';

/** A wheel the bundle carries (the entry is vendor/python/<file>). */
export type VendoredWheel = FetchedWheel;

export interface Vendored {
  lock: string;
  python: { path: string; version: string | null };
  wheels: VendoredWheel[];
}

export interface VendorRequest {
  root: string;
  lockfile: string | null;
  /** --python: the interpreter to fetch for (else the snapshot's, found here). */
  python?: string;
  cacheRoot: string;
}

/** Fetches and checks the lock's wheels for the snapshot's interpreter, into the store. */
export async function vendorWheels(request: VendorRequest, ctx: Context): Promise<Vendored> {
  const requirements = await hashedRequirements(request.root, request.lockfile);
  if (!requirements) {
    throw new ReproError('E_CONFIG', '--vendor needs a hashed Python lock, and the project has none', { hint: 'Make one from the snapshot with `repro lock` (or pip-compile --generate-hashes, uv lock), then build again.' });
  }
  const snapshotText = await fs.readFile(path.join(request.root, SNAPSHOT_FILE), 'utf8').catch(() => null);
  const snapshot = snapshotText ? parseSnapshot(snapshotText, SNAPSHOT_FILE) : null;
  const recorded = snapshot?.identity.python && typeof snapshot.identity.python.version === 'string' ? { version: snapshot.identity.python.version, executable: snapshot.context.python?.executable } : null;
  const python = await planInterpreter({ python: request.python, recorded, cacheDir: request.cacheRoot, env: ctx.env });
  if (!python) throw new ReproError('E_USAGE', '--vendor fetches the wheels one interpreter installs, and there is no snapshot Python to fetch for', { hint: 'Take a snapshot with the project\'s interpreter (repro snapshot --python PATH), or pass --python PATH.' });
  if (python.chosenBy === 'path' || python.chosenBy === 'same-minor') ctx.log.warn(`build: --vendor fetches for ${python.path} (${python.version ?? 'version unknown'}): ${python.reason}`);
  const wheels = await fetchLockedWheels({ requirements, python: { base: python.base, version: python.version }, cacheRoot: request.cacheRoot, env: ctx.env, log: ctx.log, who: 'build: --vendor' });
  ctx.log.info(`build: --vendor: ${wheels.length} wheels (${(wheels.reduce((n, w) => n + w.size, 0) / 1024 / 1024).toFixed(1)} MiB) go into ${VENDOR_PYTHON_DIR}/`);
  return { lock: requirements.lock, python: { path: python.path, version: python.version }, wheels };
}

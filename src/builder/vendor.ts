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
import { hashedRequirements, pinnedRequirements, type Pin } from '../dockerfile/install-lock.js';
import { compareUtf8 } from '../core/utf8-order.js';
import { normalizeName } from '../lockfile/requirements.js';
import { planInterpreter } from '../snapshot/find-python.js';
import { parseSnapshot } from '../snapshot/io.js';
import { SNAPSHOT_FILE, VENDOR_NODE_DIR, VENDOR_PYTHON_BUILD_DIR, VENDOR_PYTHON_DIR, VENDOR_RECORDED_LOCK } from '../bundle/layout.js';
import { fetchTarballs, type FetchedTarball } from '../npm/fetch.js';
import { npmLockOf, npmLockPackages } from '../npm/lock.js';
import { fetchLockedArtifacts, type FetchedWheel } from '../wheel/fetch.js';
import { fetchSdist } from '../pyindex/sdist-fetch.js';
import { fetchLockWheels } from '../pyindex/wheel-fetch.js';
import { BUILD_RECORD_SCHEMA, type BuildWheel, type LockedSdist } from '../wheel/sdist.js';
import { canonicalJson } from '../core/canonical-json.js';

/** A wheel the bundle carries (the entry is vendor/python/<file>). */
export type VendoredWheel = FetchedWheel;

export interface Vendored {
  lock: string;
  python: { path: string; version: string | null };
  wheels: VendoredWheel[];
  /** --allow-build: the lock's sdists (no wheel for the interpreter), carried under vendor/python/ beside the wheels. */
  sdists: LockedSdist[];
  /** --allow-build: the wheels that build them, under vendor/python-build/, and the record of both (vendor/python-build.json); null without sdists. */
  buildWheels: BuildWheel[];
  buildRecord: string | null;
  /** --record-hashes: the hashed requirements recorded now (trust on first use), carried as vendor/requirements.lock.txt. */
  recorded: string | null;
}

export interface VendorRequest {
  root: string;
  lockfile: string | null;
  /** --python: the interpreter to fetch for (else the snapshot's, found here). */
  python?: string;
  cacheRoot: string;
  /** --record-hashes: a project whose lock has no hashes (pinned with ==, or MLflow's python_env.yaml) is vendored, the hashes of what the index serves now recorded. */
  recordHashes?: boolean;
  /** The MLproject's python_env file, when it names one. */
  pythonEnv?: string | null;
  /** The project has something else to vendor (an npm lock): no Python lock is then no error. */
  optional?: boolean;
  /** --allow-build: a locked package with no wheel for the interpreter is carried as its locked sdist, with the wheels that build it. */
  allowBuild?: boolean;
}

/** Fetches and checks the lock's wheels for the snapshot's interpreter, into the store. */
export async function vendorWheels(request: VendorRequest, ctx: Context): Promise<Vendored | null> {
  const hashed = await hashedRequirements(request.root, request.lockfile);
  // Without --record-hashes the pins only shape the message: a range there is no reason to fail differently.
  const pinned = hashed ? null : request.recordHashes ? await pinnedRequirements(request.root, request.lockfile, request.pythonEnv ?? null) : await pinnedRequirements(request.root, request.lockfile, request.pythonEnv ?? null).catch(() => null);
  if (!hashed && !(pinned && request.recordHashes) && request.optional) {
    if (pinned) ctx.log.warn(`build: --vendor: ${pinned.lock} pins Python packages without hashes: not vendored (--record-hashes records them)`);
    return null;
  }
  if (!hashed && !(pinned && request.recordHashes)) {
    throw new ReproError('E_CONFIG', pinned ? `--vendor needs a hashed Python lock, and ${pinned.lock} pins ${pinned.pins.length} package${pinned.pins.length === 1 ? '' : 's'} without hashes` : '--vendor needs a hashed Python lock, and the project has none', {
      hint: pinned ? `Record the hashes the index serves now with --record-hashes (trust on first use, said in the bundle), or lock with hashes: repro lock, uv pip compile --generate-hashes.` : 'Make one from the snapshot with `repro lock` (or pip-compile --generate-hashes, uv lock), then build again.',
    });
  }
  if (hashed && request.recordHashes) ctx.log.info(`build: --record-hashes: ${hashed.lock} has hashes already; they are used, none recorded`);
  const requirements = hashed ?? { lock: pinned!.lock, file: null, text: '' };
  const snapshotText = await fs.readFile(path.join(request.root, SNAPSHOT_FILE), 'utf8').catch(() => null);
  const snapshot = snapshotText ? parseSnapshot(snapshotText, SNAPSHOT_FILE) : null;
  const recorded = snapshot?.identity.python && typeof snapshot.identity.python.version === 'string' ? { version: snapshot.identity.python.version, executable: snapshot.context.python?.executable } : null;
  const python = await planInterpreter({ python: request.python, recorded, cacheDir: request.cacheRoot, env: ctx.env });
  if (!python) throw new ReproError('E_USAGE', '--vendor fetches the wheels one interpreter installs, and there is no snapshot Python to fetch for', { hint: 'Take a snapshot with the project\'s interpreter (repro snapshot --python PATH), or pass --python PATH.' });
  if (python.chosenBy === 'path' || python.chosenBy === 'same-minor') ctx.log.warn(`build: --vendor fetches for ${python.path} (${python.version ?? 'version unknown'}): ${python.reason}`);
  const { wheels, sdists, buildWheels } = await fetchLockedArtifacts({ requirements, python: { base: python.base, version: python.version }, cacheRoot: request.cacheRoot, env: ctx.env, log: ctx.log, who: 'build: --vendor', projectDir: request.root, allowBuild: Boolean(request.allowBuild) && hashed !== null, fetchSdist, fetchWheels: fetchLockWheels, progress: ctx.progress, ...(hashed ? {} : { pins: pinned!.pins }) });
  ctx.log.info(`build: --vendor: ${wheels.length} wheels${sdists.length > 0 ? ` and ${sdists.length} sdist${sdists.length === 1 ? '' : 's'}` : ''} (${([...wheels, ...sdists].reduce((n, w) => n + w.size, 0) / 1024 / 1024).toFixed(1)} MiB) go into ${VENDOR_PYTHON_DIR}/${buildWheels.length > 0 ? `, ${buildWheels.length} build wheels into ${VENDOR_PYTHON_BUILD_DIR}/` : ''}`);
  const recordedText = hashed ? null : recordedLock(pinned!.lock, pinned!.pins, wheels);
  if (recordedText) ctx.log.warn(`build: --record-hashes: ${pinned!.lock} has no hashes; the ${wheels.length} recorded now (what the index served, trust on first use) go into ${VENDOR_RECORDED_LOCK}, and reruns install exactly those files`);
  return { lock: hashed ? hashed.lock : VENDOR_RECORDED_LOCK, python: { path: python.path, version: python.version }, wheels, recorded: recordedText, sdists, buildWheels, buildRecord: sdists.length > 0 ? buildRecordText(sdists, buildWheels) : null };
}

/** vendor/python-build.json: each sdist with its backend and build requirements, and every build wheel with the sha256 recorded when it was fetched. */
export function buildRecordText(sdists: readonly LockedSdist[], buildWheels: readonly BuildWheel[]): string {
  return canonicalJson({
    schemaVersion: BUILD_RECORD_SCHEMA,
    trust: 'The sdists are the lock\'s (checked against its hashes). Their build wheels are not in the lock: their sha256 were recorded when build --vendor --allow-build fetched them (trust on first use).',
    sdists: sdists.map((s) => ({ package: s.package, version: s.version, file: s.file, sha256: s.sha256, backend: s.backend, backendPath: s.backendPath, requires: s.requires, buildWheels: s.buildWheels })),
    buildWheels: buildWheels.map((b) => ({ file: b.file, sha256: b.sha256 })),
  });
}

/** The hashed requirements --record-hashes writes: each pin with the sha256 of the wheel fetched for it, and where the pins came from. */
export function recordedLock(from: string, pins: readonly Pin[], wheels: readonly VendoredWheel[]): string {
  const lines = [`# Recorded by repro build --vendor --record-hashes from ${from}: the sha256 of each wheel the index served at build time (trust on first use), not hashes the project locked.`];
  for (const p of [...pins].sort((a, b) => compareUtf8(normalizeName(a.name), normalizeName(b.name)))) {
    const got = wheels.filter((w) => w.package === normalizeName(p.name));
    if (got.length === 0) continue; // a marker false for this interpreter
    lines.push(`${normalizeName(p.name)}==${p.version}${got.map((w) => ` --hash=sha256:${w.sha256}`).join('')}${p.marker ? ` ; ${p.marker}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The npm tarballs build --vendor carries: the project's npm lock and each tarball, checked against its integrity. */
export interface VendoredNode {
  lock: string;
  tarballs: FetchedTarball[];
}

/** Fetches every registry tarball the project's npm lock installs, each checked against its integrity; null without an npm lock. */
export async function vendorNode(root: string, cacheRoot: string, ctx: Context): Promise<VendoredNode | null> {
  const found = await npmLockOf(root);
  if (!found) return null;
  const packages = npmLockPackages(found.text, found.lock);
  const tarballs = await fetchTarballs(packages, found.lock, cacheRoot, ctx.log, 'build: --vendor');
  ctx.log.info(`build: --vendor: ${tarballs.length} npm tarballs (${(tarballs.reduce((n, t) => n + t.size, 0) / 1024 / 1024).toFixed(1)} MiB) go into ${VENDOR_NODE_DIR}/`);
  return { lock: found.lock, tarballs };
}

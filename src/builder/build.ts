// repro build, as a plain function: planBuild decides everything (files, hashes, manifest,
// output path, what happens to repro.lock) and fails before any write; applyBuild takes only the
// plan, writes the bundle and the lock atomically and returns the result that the CLI prints.
import path from 'node:path';
import type { Context } from '../core/context.js';
import type { HashCache } from '../core/hash-cache.js';
import { ReproError } from '../core/errors.js';
import { packageVersion, reproVersion, runtimeVersions } from '../core/runtime.js';
import { compareManifests, type BuildDifference } from '../bundle/compare.js';
import { compressionInfo, zstdEngine, type Codec, type CompressionInfo } from '../bundle/compress.js';
import type { ZstdEngine } from '../bundle/zstd-format.js';
import { lockHead, readLock, writeLock, LOCK_FILE, type LockHead } from '../bundle/lock.js';
import { encodeManifest, toManifestEntries, type ManifestHead } from '../bundle/manifest.js';
import { planContent } from '../intake/plan.js';
import type { EntryTable } from '../bundle/entry-table.js';
import { parseSourceDateEpoch } from '../intake/source-date.js';
import { writeBundle } from '../bundle/write.js';
import type { ManifestContent } from '../bundle/tar-frames.js';
import { generateMlproject, loadProject, type LoadedProject } from '../project/load.js';
import { bundleFileName, DOCKERFILE_PATH, KEPT_REFERENCE_RUN, REFERENCE_RUN_PATH, SNAPSHOT_FILE, VENDOR_BUILD_RECORD, VENDOR_NODE_DIR, VENDOR_PYTHON_BUILD_DIR, VENDOR_PYTHON_DIR, VENDOR_RECORDED_LOCK } from '../bundle/layout.js';
import { cacheRoot } from '../core/cache-root.js';
// vendor.js, the engine's modules and the run record's reader are imported where they are used:
// a plain build needs none of them, and loading them was ~60 ms of every build's start-up.
import type { Vendored, VendoredNode } from './vendor.js';
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-write.js';
import { parseSnapshot } from '../snapshot/io.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { ignoreReproDir, REPRO_DIR } from '../core/repro-dir.js';
import { planDockerfileEntry, type DockerfileEntry } from './dockerfile-entry.js';
import type { ImageResult } from '../docker/bundle-image.js';
import type { BuildNetwork } from '../docker/images.js';
import { canonicalJson } from '../core/canonical-json.js';
import type { RunRecord } from '../run-record/record.js';
import { literalOutputs } from '../project/output-match.js';
import type { ProjectManifest } from '../project/types.js';
import { DEFAULT_OUT_DIR } from './defaults.js';

export interface BuildOptions {
  dir?: string;
  outDir?: string;
  compression: Codec;
  /** Fail (exit 1) when the build would differ from repro.lock; write nothing. */
  locked?: boolean;
  /** Do not read or write repro.lock (the --verify rebuild uses this). */
  noLock?: boolean;
  /** Build exactly these project-relative paths instead of selecting files (--verify's rebuild). */
  files?: string[];
  /** Base image for the bundle's Dockerfile (NAME:TAG@sha256:... is used as is). */
  baseImage?: string;
  /** Also build the image through the Docker engine. */
  image?: boolean;
  /** The network the image build's RUN steps get (--build-network; default none). */
  buildNetwork?: BuildNetwork;
  /** A run directory (repro exec) whose run.json becomes the bundle's reference run. */
  withRun?: string;
  /** The name to use when the project has none of its own (--verify's rebuild of a project named after its git remote). */
  projectName?: string;
  /** --vendor: carry the wheels of the project's hashed Python lock under vendor/python/, for reruns with no network. */
  vendor?: boolean;
  /** --record-hashes: vendor a project whose lock has no hashes, recording them now (trust on first use). */
  recordHashes?: boolean;
  /** --allow-build: with --vendor, carry the lock's sdists (packages with no wheel for the interpreter) and the wheels that build them; exec builds them in the sandbox. */
  allowBuild?: boolean;
  /** --python: the interpreter --vendor fetches for (else the snapshot's, found here). */
  python?: string;
}

/**
 * What the build does with repro.lock, decided by the plan: 'matched' (--locked, and it
 * matches), 'write' (written when it changed; --verify writes only once the build verified),
 * 'skip' (--no-lock).
 */
export type LockAction = 'matched' | 'write' | 'skip';

/** Decided once, from the flags. */
export function lockActionFor(options: Pick<BuildOptions, 'locked' | 'noLock'>): LockAction {
  if (options.locked) return 'matched'; // planBuild has already failed unless it matches
  return options.noLock ? 'skip' : 'write';
}

export interface BuildPlan {
  root: string;
  project: LoadedProject;
  /** ctx.now() when planning began, for the result's duration. */
  startedAt: number;
  output: string;
  manifest: ManifestHead;
  /** The manifest's bytes, made again as the tar is written (never held whole). */
  manifestContent: ManifestContent;
  /** Every entry but the manifest, in archive order. */
  entries: EntryTable;
  totalBytes: number;
  selection: 'git' | 'walk' | 'list';
  /** repro.lock's head as read (its entries are let go once compared). */
  lock: LockHead | null;
  lockDifferences: BuildDifference[];
  lockAction: LockAction;
  /** The run directory (--with-run) or kept record file whose record is embedded as the reference run, resolved. */
  referenceRun: string | null;
  /** --with-run's record, to keep beside repro.lock when the lock is written. */
  keptReference: Buffer | null;
  cache: HashCache;
  dockerfile: DockerfileEntry;
  credentialsRemoved: Array<{ path: string; removed: number }>;
  namesNormalized: Array<{ source: string; path: string }>;
  vendored: Vendored | null;
  vendoredNode: VendoredNode | null;
}

export interface BuildResult {
  bundle: string;
  name: string;
  version: string;
  contentDigest: string;
  fileDigest: string;
  integrity: string;
  manifestDigest: string;
  entries: number;
  files: number;
  contentBytes: number;
  tarSize: number;
  fileSize: number;
  compression: CompressionInfo;
  sourceDateEpoch: number;
  selection: 'git' | 'walk' | 'list';
  /** The Dockerfile at the bundle's root, or why there is none. */
  dockerfile: { included: boolean; baseImage: string | null; reason: string | null; lock: string | null; notes: string[] };
  /** The image built with --image. */
  image?: ImageResult;
  /** The reference run embedded with --with-run. */
  referenceRun: string | null;
  /** Where the entry points came from, and their names. */
  project: { source: string; entryPoints: string[] } | null;
  lock: { path: string; status: 'written' | 'unchanged' | 'matched' | 'skipped' };
  /**
   * The runtime that built the bundle. zstdEngine: what made the zstd frames, the runtime's own
   * libzstd ('native', when it is the format's version) or repro's pinned WebAssembly build.
   */
  builder: { node: string; zlib: string; zstd: string | null; zstdEngine: ZstdEngine | null };
  /** Files whose hash came from the cache (.repro/cache) and files hashed now. */
  hashCache: { hits: number; misses: number };
  /** Project files whose bundle copy had credentials cut out (tokens, user:password@ in URLs). */
  credentialsRemoved: Array<{ path: string; removed: number }>;
  /** Files whose on-disk name is not NFC, with the NFC name the bundle holds (a warning each). */
  namesNormalized: Array<{ source: string; path: string }>;
  /** --vendor: the lock, the interpreter fetched for, and each wheel carried under vendor/python/. */
  vendor: { lock: string; python: { path: string; version: string | null }; wheels: Array<{ file: string; sha256: string; size: number; package: string }>; recordedHashes: boolean; sdists: Array<{ file: string; sha256: string; size: number; package: string; backend: string; buildWheels: string[] }>; buildWheels: Array<{ file: string; sha256: string }> } | null;
  /** --vendor: the npm lock and each tarball carried under vendor/node/. */
  vendorNode: { lock: string; tarballs: Array<{ file: string; name: string; version: string; integrity: string; size: number }> } | null;
  durationMs: number;
}

export async function planBuild(options: BuildOptions, ctx: Context): Promise<BuildPlan> {
  const startedAt = ctx.now().getTime();
  const root = path.resolve(ctx.cwd, options.dir ?? '.');
  const sourceDateEpoch = parseSourceDateEpoch(ctx.env.SOURCE_DATE_EPOCH);
  const compression = compressionInfo(options.compression);
  const outDir = path.resolve(ctx.cwd, options.outDir ?? path.join(root, DEFAULT_OUT_DIR));
  const loaded = await loadProject(root);
  if (options.projectName && loaded.meta.source === 'directory') loaded.meta = { ...loaded.meta, name: options.projectName, source: 'git remote' };
  const { manifest: project, meta } = loaded;
  if (meta.source === 'directory' && !options.files) {
    ctx.log.warn(`build: the project has no name of its own, so it is named after its folder (${JSON.stringify(meta.name)}) and the bundle's digest depends on where it sits; give it one (name: in repro.yaml or MLproject, package.json, pyproject.toml, or a git remote)`);
  }
  const generated = project?.source === 'repro.yaml' ? { MLproject: Buffer.from(generateMlproject(project)) } : undefined;
  // --image needs an engine: find out now, before the first byte is written.
  const docker = options.image ? await (await import('../docker/client.js')).reachDocker(ctx.env) : undefined;
  const dockerfile = await planDockerfileEntry(loaded, { sourceDateEpoch, baseImage: options.baseImage, image: options.image, docker, vendored: Boolean(options.vendor), recordHashes: Boolean(options.recordHashes), allowBuild: Boolean(options.vendor && options.allowBuild) }, ctx);
  const snapshot = options.files ? null : await bundledSnapshot(root, ctx);
  // The project's data goes into the bundle even when git ignores it (datasets usually are).
  const data = [...(project?.data ?? []), ...(snapshot?.identity.data ?? []).map((d) => d.path).filter((p) => typeof p === 'string' && !path.isAbsolute(p))];
  const content = await planContent(root, { exclude: [outDir], env: ctx.env, progress: ctx.progress, files: options.files, generated, data });
  for (const v of content.virtualenvs) ctx.log.info(`build: ${v}/ is a Python virtual environment (it has a pyvenv.cfg): left out of the bundle, which carries the lock instead; add it to .gitignore to say so yourself`);
  for (const why of ['data', 'reproignore'] as const) {
    const forced = content.forced.filter((f) => f.why === why);
    if (forced.length === 0) continue;
    const names = forced.slice(0, 5).map((f) => f.path).join(', ') + (forced.length > 5 ? `, and ${forced.length - 5} more` : '');
    ctx.log.info(why === 'data' ? `build: ${forced.length} data file${forced.length === 1 ? '' : 's'} git ignores bundled, because the project names them as data (repro.yaml data:, snapshot --data): ${names}` : `build: ${forced.length} file${forced.length === 1 ? '' : 's'} git ignores bundled, re-included by a .reproignore !pattern: ${names}`);
  }
  for (const c of content.credentialsRemoved) {
    ctx.log.warn(`build: ${c.path}: ${c.removed} credential${c.removed === 1 ? '' : 's'} cut from the bundle's copy (the project file is unchanged); supply ${c.path.endsWith('.npmrc') || c.path.endsWith('.yarnrc.yml') ? 'NPM_TOKEN' : 'them'} from the environment where the bundle runs`);
  }
  // The bundle's names are NFC (the same bundle from macOS and Linux); say so loudly for any file
  // that is not, because code opening it by its on-disk (NFD) spelling will not find it under exec.
  for (const n of content.namesNormalized.slice(0, 20)) {
    ctx.log.warn(`build: ${JSON.stringify(n.source)} is not in Unicode NFC: the bundle holds it as ${JSON.stringify(n.path)}; code that opens it by its on-disk spelling will not find it under repro exec (rename it: convmv -f utf8 -t utf8 --nfc --notest)`);
  }
  if (content.namesNormalized.length > 20) ctx.log.warn(`build: and ${content.namesNormalized.length - 20} more names not in NFC`);
  const rootFiles: Array<[string, Buffer]> = [];
  if (dockerfile.content) rootFiles.push([DOCKERFILE_PATH, dockerfile.content], ...dockerfile.files);
  for (const note of dockerfile.notes) ctx.log.info(`build: image: ${note}`);
  // The reference run: --with-run's, else the one a former --with-run kept beside repro.lock.
  const kept = path.join(root, KEPT_REFERENCE_RUN);
  const referenceRun = options.withRun ? path.resolve(ctx.cwd, options.withRun) : (await fs.stat(kept).then((st) => st.isFile(), () => false)) ? kept : null;
  let referenceRecord: Buffer | null = null;
  if (referenceRun) {
    const { readRunDir } = await import('../run-record/record.js');
    const record = await readRunDir(referenceRun);
    checkReferenceRun(record, referenceRun, project, ctx);
    referenceRecord = Buffer.from(canonicalJson(record));
    rootFiles.push([REFERENCE_RUN_PATH, referenceRecord]);
    if (referenceRun === kept) ctx.log.info(`build: the reference run is ${KEPT_REFERENCE_RUN} (kept by an earlier --with-run)`);
  }
  for (const [name, d] of rootFiles) content.entries.addContent(name, d, 0o644);
  // --vendor: the lock's wheels, checked against it, read from the store like project files.
  const pythonEnv = project?.mlflowEnvironment?.kind === 'python_env' && typeof project.mlflowEnvironment.value === 'string' ? project.mlflowEnvironment.value : null;
  const vendor = options.vendor ? await import('./vendor.js') : null;
  const vendoredNode = vendor ? await vendor.vendorNode(root, cacheRoot(ctx.env), ctx) : null;
  const vendored = vendor ? await vendor.vendorWheels({ root, lockfile: project?.environment.lockfile ?? null, python: options.python, cacheRoot: cacheRoot(ctx.env), recordHashes: options.recordHashes, pythonEnv, optional: vendoredNode !== null, allowBuild: options.allowBuild }, ctx) : null;
  let totalBytes = content.totalBytes;
  // Each entry's parent directory comes before it (readers refuse a bundle where it does not).
  const vendorDirs = new Set([...(vendored ? [VENDOR_PYTHON_DIR] : []), ...(vendored?.buildRecord ? [VENDOR_PYTHON_BUILD_DIR] : []), ...(vendoredNode ? [VENDOR_NODE_DIR] : [])].flatMap((d) => d.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  for (const dir of [...vendorDirs].sort()) content.entries.addDirectory(dir);
  for (const t of vendoredNode?.tarballs ?? []) {
    const st = await fs.stat(t.source);
    const row = content.entries.addFile(`${VENDOR_NODE_DIR}/${t.file}`, path.relative(root, t.source), 0o644, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino });
    content.entries.setSha256(row, t.sha256);
    totalBytes += st.size;
  }
  const carried: Array<{ dir: string; file: string; source: string; sha256: string }> = [...(vendored?.wheels ?? []), ...(vendored?.sdists ?? [])].map((w) => ({ dir: VENDOR_PYTHON_DIR, ...w }));
  for (const w of vendored?.buildWheels ?? []) carried.push({ dir: VENDOR_PYTHON_BUILD_DIR, ...w });
  for (const { dir, ...w } of carried) {
    const st = await fs.stat(w.source);
    const row = content.entries.addFile(`${dir}/${w.file}`, path.relative(root, w.source), 0o644, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino });
    content.entries.setSha256(row, w.sha256);
    totalBytes += st.size;
  }
  if (vendored?.buildRecord) {
    content.entries.addContent(VENDOR_BUILD_RECORD, Buffer.from(vendored.buildRecord), 0o644);
    totalBytes += Buffer.byteLength(vendored.buildRecord);
  }
  if (vendored?.recorded) {
    content.entries.addContent(VENDOR_RECORDED_LOCK, Buffer.from(vendored.recorded), 0o644);
    totalBytes += Buffer.byteLength(vendored.recorded);
  }
  content.entries.sort();
  const { manifest, size: manifestSize, chunks: manifestChunks } = encodeManifest({
    name: meta.name,
    version: meta.version,
    sourceDateEpoch,
    compression,
    tooling: { repro: reproVersion(), tar: `node-tar ${packageVersion('tar')}` },
    project,
    entries: content.entries.bundleEntries(),
  });
  const lock = options.noLock ? null : await readLock(root);
  const lockDifferences =
    lock && lock.head.manifestDigest !== manifest.selfDigest ? compareManifests({ ...lock.head, entries: lock.entries() }, { ...manifest, entries: [...toManifestEntries(content.entries)] }) : [];
  if (options.locked) {
    if (!lock) {
      throw new ReproError('E_CONFIG', `--locked needs ${LOCK_FILE}, and ${root} has none`, {
        hint: 'Run `repro build` once without --locked and commit the repro.lock it writes.',
        details: { path: path.join(root, LOCK_FILE) },
      });
    }
    if (lock.head.manifestDigest !== manifest.selfDigest) {
      throw new ReproError('E_LOCK_MISMATCH', `the project no longer builds to the bundle in ${LOCK_FILE} (${lockDifferences.length} difference${lockDifferences.length === 1 ? '' : 's'})`, {
        hint: 'If the change is intended, run `repro build` without --locked and commit the updated repro.lock.',
        details: { lock: path.join(root, LOCK_FILE), locked: lock.head.contentDigest, differences: lockDifferences },
      });
    }
  }
  const output = path.join(outDir, bundleFileName({ name: meta.name, version: meta.version, codec: options.compression }));
  const lockAction = lockActionFor(options);
  return {
    root,
    project: loaded,
    startedAt,
    output,
    manifest,
    manifestContent: { size: manifestSize, chunks: manifestChunks },
    entries: content.entries,
    totalBytes,
    selection: content.method,
    lock: lock?.head ?? null,
    lockDifferences,
    lockAction,
    referenceRun,
    keptReference: options.withRun && referenceRecord ? referenceRecord : null,
    cache: content.cache,
    dockerfile,
    credentialsRemoved: content.credentialsRemoved,
    namesNormalized: content.namesNormalized,
    vendored,
    vendoredNode,
  };
}

export async function applyBuild(plan: BuildPlan, ctx: Context): Promise<BuildResult> {
  const written = await writeBundle(plan.output, plan.manifestContent, plan.entries, {
    mtime: plan.manifest.sourceDateEpoch,
    compression: plan.manifest.compression,
    progress: ctx.progress,
    totalBytes: plan.totalBytes,
  });
  await plan.cache.save(ctx.now().getTime());
  // The default output, <project>/.repro/bundles, is ignored by git through .repro/.gitignore.
  const reproDir = path.join(plan.root, REPRO_DIR);
  if (!path.relative(reproDir, plan.output).startsWith('..')) await ignoreReproDir(reproDir);
  const lockStatus = await applyLock(plan, written.contentDigest);
  const runtime = runtimeVersions();
  return {
    bundle: written.path,
    name: plan.manifest.name,
    version: plan.manifest.version,
    contentDigest: written.contentDigest,
    fileDigest: written.fileDigest,
    integrity: written.integrity,
    manifestDigest: plan.manifest.selfDigest,
    entries: plan.entries.length + 1,
    files: countFiles(plan.entries),
    contentBytes: plan.totalBytes,
    tarSize: written.tarSize,
    fileSize: written.fileSize,
    compression: plan.manifest.compression,
    sourceDateEpoch: plan.manifest.sourceDateEpoch,
    selection: plan.selection,
    referenceRun: plan.referenceRun,
    dockerfile: { included: plan.dockerfile.content !== null, baseImage: plan.dockerfile.baseImage, reason: plan.dockerfile.reason, lock: plan.dockerfile.lock, notes: plan.dockerfile.notes },
    project: plan.manifest.project ? { source: plan.manifest.project.source, entryPoints: Object.keys(plan.manifest.project.entryPoints) } : null,
    lock: { path: path.join(plan.root, LOCK_FILE), status: lockStatus },
    builder: { node: runtime.node, zlib: runtime.zlib, zstd: runtime.zstd, zstdEngine: plan.manifest.compression.codec === 'zstd' ? zstdEngine() : null },
    hashCache: { hits: plan.cache.hits, misses: plan.cache.misses },
    credentialsRemoved: plan.credentialsRemoved,
    namesNormalized: plan.namesNormalized,
    vendorNode: plan.vendoredNode ? { lock: plan.vendoredNode.lock, tarballs: plan.vendoredNode.tarballs.map((t) => ({ file: t.file, name: t.package.name, version: t.package.version, integrity: t.package.integrity, size: t.size })) } : null,
    vendor: plan.vendored ? { lock: plan.vendored.lock, python: plan.vendored.python, wheels: plan.vendored.wheels.map(({ file, sha256, size, package: pkg }) => ({ file, sha256, size, package: pkg })), recordedHashes: plan.vendored.recorded !== null, sdists: plan.vendored.sdists.map((s) => ({ file: s.file, sha256: s.sha256, size: s.size, package: s.package, backend: s.backend, buildWheels: s.buildWheels })), buildWheels: plan.vendored.buildWheels.map(({ file, sha256 }) => ({ file, sha256 })) } : null,
    durationMs: ctx.now().getTime() - plan.startedAt,
  };
}

export async function applyLock(plan: Pick<BuildPlan, 'lockAction' | 'root' | 'manifest' | 'entries' | 'keptReference'>, contentDigest: string): Promise<BuildResult['lock']['status']> {
  // --with-run's record stays with the project, beside the lock that records the bundle carrying it.
  if (plan.lockAction === 'write' && plan.keptReference) await writeFileAtomic(path.join(plan.root, KEPT_REFERENCE_RUN), plan.keptReference);
  switch (plan.lockAction) {
    case 'matched':
      return 'matched';
    case 'skip':
      return 'skipped';
    case 'write':
      return (await writeLock(plan.root, lockHead(plan.manifest, contentDigest), toManifestEntries(plan.entries))) ? 'written' : 'unchanged';
  }
}

export async function runBuild(options: BuildOptions, ctx: Context): Promise<BuildResult> {
  const plan = await planBuild(options, ctx);
  const result = await applyBuild(plan, ctx);
  return options.image ? withImage(result, false, ctx, plan.startedAt, options.buildNetwork) : result;
}

/** Builds the bundle's image (after the bundle is written and locked) and adds it to the result. */
export async function withImage<T extends BuildResult>(result: T, verify: boolean, ctx: Context, startedAt: number, network?: BuildNetwork): Promise<T> {
  const { buildBundleImage } = await import('../docker/bundle-image.js');
  const image = await buildBundleImage(
    { bundle: result.bundle, contentDigest: result.contentDigest, name: result.name, version: result.version, sourceDateEpoch: result.sourceDateEpoch, verify, network },
    ctx,
  );
  return { ...result, image, durationMs: ctx.now().getTime() - startedAt };
}

/** Values that mean "no seed" to the scripts that take one (-1 in the iris example, None from argparse). */
const UNSEEDED = /^(-1|none|null|random|)$/i;
const SEED_NAME = /^(random_)?seed$|^random_state$/i;

/**
 * --with-run: a reference must be a result. A run that failed, or left a declared output
 * missing or refused, is refused (exit 3, nothing written); one whose seed parameter says
 * "unseeded" is built, with a warning that no rerun can be expected to reproduce it.
 */
export function checkReferenceRun(record: RunRecord, dir: string, project: ProjectManifest | null, ctx: Context): void {
  if (record.exitCode !== 0) {
    throw new ReproError('E_INPUT', `the reference run exited ${record.exitCode}: a failed run is no result to reproduce`, {
      hint: `Fix the run and pass a run that exited 0 (see the end of its log in ${path.join(dir, 'run.json')}).`,
      details: { run: dir, exitCode: record.exitCode },
    });
  }
  const lost = record.outputs.filter((o) => o.sha256 === null || o.refused);
  const owed = new Set(literalOutputs(project?.outputs ?? []).map((o) => o.path));
  const lostDeclared = lost.filter((o) => owed.has(o.path) || o.refused);
  if (lostDeclared.length > 0) {
    throw new ReproError('E_INPUT', `the reference run did not produce ${lostDeclared.map((o) => o.path).join(', ')}${lostDeclared.some((o) => o.refused) ? ' (or left something refused in its place)' : ''}`, {
      hint: 'A reference must produce every declared output: fix the run, or the outputs: list, and run it again.',
      details: { run: dir, outputs: lostDeclared.map((o) => ({ path: o.path, refused: o.refused ?? null })) },
    });
  }
  if (record.outputs.length === 0) {
    throw new ReproError('E_INPUT', 'the reference run recorded no outputs: a rerun would have nothing to compare', {
      hint: 'Declare the outputs (repro.yaml outputs:, or exec --output GLOB) and run it again.',
      details: { run: dir },
    });
  }
  const seeds = project?.entryPoints[record.entry]?.parameters.filter((p) => p.role === 'seed' || SEED_NAME.test(p.name)) ?? [];
  for (const p of seeds) {
    const value = record.parameters[p.name];
    if (value !== undefined && UNSEEDED.test(value.trim())) ctx.log.warn(`build: the reference run is unseeded (${p.name}=${value || '""'}): reruns cannot be expected to reproduce it; pass a fixed seed to the reference run`);
  }
}

/** The snapshot the bundle will carry (the project's repro.snapshot.json), said with its age; null when there is none. */
async function bundledSnapshot(root: string, ctx: Context): Promise<Snapshot | null> {
  const file = path.join(root, SNAPSHOT_FILE);
  const text = await fs.readFile(file, 'utf8').catch(() => null);
  if (text === null) {
    ctx.log.info(`build: no ${SNAPSHOT_FILE}: the bundle carries no record of the environment (run \`repro snapshot\` first, and exec can check the machine against it)`);
    return null;
  }
  try {
    const snapshot = parseSnapshot(text, file);
    const captured = Date.parse(snapshot.context.capturedAt);
    const hours = Number.isFinite(captured) ? (ctx.now().getTime() - captured) / 3_600_000 : NaN;
    const age = !Number.isFinite(hours) ? '' : hours < 1 ? ', less than an hour old' : hours < 48 ? `, ${Math.round(hours)} h old` : `, ${Math.round(hours / 24)} days old`;
    ctx.log.info(`build: bundling ${SNAPSHOT_FILE} (${snapshot.snapshotDigest.slice(0, 19)}…, captured ${snapshot.context.capturedAt}${age})`);
    return snapshot;
  } catch (err) {
    ctx.log.warn(`build: ${SNAPSHOT_FILE} is bundled as it is, but it does not read as a snapshot (${(err as Error).message})`);
    return null;
  }
}

function countFiles(entries: EntryTable): number {
  let n = 0;
  for (let row = 0; row < entries.length; row++) if (entries.typeOf(row) === 'file') n++;
  return n;
}

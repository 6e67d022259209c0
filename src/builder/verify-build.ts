// repro build --verify: builds a second time, in a child process, from a fresh copy of the
// selected files under varied conditions (while this process writes the first), and compares.
// Identical bundles prove the build does not depend on those conditions; different ones are
// reported entry by entry, and then nothing is written: the bundle file and repro.lock change
// only when the build verifies. A stale repro.lock is reported as stale (with its differing
// entries), never as "not reproducible".
import { spawn } from 'node:child_process';
import { promises as fs, rmSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { trackTemp } from '../core/cleanup.js';
import type { Context } from '../core/context.js';
import { ReproError, fsError } from '../core/errors.js';
import { compareBundleFiles, compareManifests, type BuildDifference } from '../bundle/compare.js';
import { toManifestEntries, wholeManifest } from '../bundle/manifest.js';
import { verifyBundle } from '../bundle/verify.js';
import { applyBuild, applyLock, planBuild, withImage, type BuildOptions, type BuildResult } from './build.js';
import { commitTemp, isProcessAlive, removeStaleTemps, tempPathFor } from '../core/atomic-write.js';
import { tmpfsWithRoom } from '../core/tmpfs.js';
import { describeDifference } from '../core/difference.js';
import { copyVaried, describeVariations, removeCopy, VARIANT_ENV, VARIANT_UMASK, type Variation } from './variations.js';
import { readEnvelope, rebuildArgv, type SelfCommand } from '../core/self-invocation.js';
import { HashCacheWriter } from '../core/hash-cache.js';
import type { EntryList } from '../bundle/entry-table.js';

/** Projects up to this size are copied onto a tmpfs for the rebuild (it holds the copy and the second bundle). */
const TMPFS_COPY_MAX = 1 << 30;

export interface VerifiedBuildResult extends BuildResult {
  verify: {
    reproducible: boolean;
    /** The rebuild's digests, and its hash cache: hits are the copies whose identity the copy proved (not read again to hash). */
    rebuild: { contentDigest: string; fileDigest: string; hashCache?: { hits: number; misses: number } };
    variations: Variation[];
    /** repro.lock as it was read: its content digest, whether it recorded this bundle, and if not, what differed (the lock is then updated). */
    lock: { contentDigest: string | null; matches: boolean | null; differences?: BuildDifference[] };
    differences: BuildDifference[];
  };
}

export async function runVerifiedBuild(options: BuildOptions, ctx: Context, self: SelfCommand): Promise<VerifiedBuildResult> {
  const plan = await planBuild(options, ctx);
  const { startedAt } = plan;
  // The first build is written beside its final place under a temporary name, and the lock is
  // left alone: only a verified build replaces the bundle file and updates repro.lock. A failed
  // --verify leaves both as they were.
  const staged = tempPathFor(plan.output);
  const untrackStaged = trackTemp(staged);
  // The copy is made in RAM (REPRO_TMPFS or /dev/shm, when it is a tmpfs with room for it and
  // the project is at most 1 GiB), else beside the bundle, on the file system the bundle is
  // written to; never in $TMPDIR, which may be a slower one. A 100,000-file copy is 100,000 file creations:
  // ~12 µs each on a tmpfs, 8 µs on this machine's ext4 when quiet and up to 700 µs while
  // other work syncs to disk. Its name is one a later build sweeps if this process dies.
  const shm = plan.totalBytes <= TMPFS_COPY_MAX ? await tmpfsWithRoom(plan.totalBytes, ctx.env) : { reason: 'the project is larger than 1 GiB' };
  const copyParent = 'dir' in shm ? shm.dir : path.dirname(plan.output);
  await removeStaleTemps(copyParent, isProcessAlive);
  const work = tempPathFor(path.join(copyParent, 'verify'));
  const untrack = trackTemp(work);
  await fs.mkdir(work, { recursive: true, mode: 0o700 }).catch((err) => {
    untrack();
    throw fsError(err, work, 'cannot create the verification copy\'s folder');
  });
  const rebuild = new AbortController();
  let child: Promise<BuildResult> | undefined;
  // Another folder name too: a bundle named after its folder is not reproducible from a clone.
  const copyRoot = path.join(work, 'another place ünïcode', `${path.basename(plan.root)}-copy`);
  try {
    // The copy is made first and the rebuild starts from it at once, in its child process,
    // while this process writes the first build: the two builds share the machine's cores
    // instead of taking turns (the child's start-up and planning overlap the first build).
    ctx.log.info(`verify: rebuilding from a copy at ${copyRoot}`);
    // The child starts before the copy is made (its working directory, the copy's parent, must
    // exist) and waits for its file list on stdin, sent once the copy is complete: its start-up
    // (~0.1 s of loading modules) overlaps the copy instead of following it.
    await fs.mkdir(path.dirname(copyRoot), { recursive: true, mode: 0o700 }).catch((err) => {
      throw fsError(err, path.dirname(copyRoot), 'cannot create the verification copy\'s folder');
    });
    let sendList!: (list: Buffer[]) => void;
    let dropList!: (err: unknown) => void;
    const list = new Promise<Buffer[]>((resolve, reject) => ((sendList = resolve), (dropList = reject)));
    list.catch(() => {});
    const outDir = path.join(work, 'out');
    child = rebuildInChild(self, ctx, {
      copyRoot,
      outDir,
      list,
      codec: options.compression,
      sourceDateEpoch: String(plan.manifest.sourceDateEpoch),
      baseImage: plan.dockerfile.baseImage,
      withRun: plan.referenceRun,
      projectName: plan.project.meta.source === 'git remote' ? plan.manifest.name : null,
      vendor: Boolean(options.vendor),
      python: options.python ?? null,
      recordHashes: Boolean(options.recordHashes),
      allowBuild: Boolean(options.allowBuild),
    }, rebuild.signal);
    child.catch(() => {}); // awaited below, after the first build; a failure of that one stops it
    await copyForRebuild(plan.entries, copyRoot).then(sendList, (err) => {
      dropList(err);
      throw err;
    });
    const first = await applyBuild({ ...plan, output: staged, lockAction: 'skip' }, ctx);
    const second = await child;
    const lockDigest = plan.lock?.contentDigest ?? null;
    const differences: BuildDifference[] = [];
    if (second.contentDigest !== first.contentDigest || second.fileDigest !== first.fileDigest) {
      const other = await verifyBundle(second.bundle, { integrity: false }).catch(() => null);
      if (other) differences.push(...compareManifests({ ...plan.manifest, entries: [...toManifestEntries(plan.entries)] }, wholeManifest(other.manifest)));
      if (differences.length === 0) differences.push(...(await compareBundleFiles(first.bundle, second.bundle)));
      if (differences.length === 0) differences.push({ entry: '(compressed file)', field: 'bytes', a: first.fileDigest, b: second.fileDigest });
    }
    // A stale repro.lock is not a reproducibility problem: it is reported as what it is (and
    // refused up front with --locked, planBuild's check).
    const stale = lockDigest !== null && lockDigest !== first.contentDigest;
    const lockDifferences = stale ? (plan.lockDifferences.length > 0 ? plan.lockDifferences : [{ entry: '(repro.lock)', field: 'contentDigest', a: lockDigest, b: first.contentDigest }]) : [];
    const variations = describeVariations(copyRoot);
    if (differences.length > 0) {
      throw new ReproError('E_NOT_REPRODUCIBLE', `the build is not reproducible: ${differences.length} difference${differences.length === 1 ? '' : 's'} between two builds of the same files (nothing was written${stale ? '; repro.lock is also stale' : ''})`, {
        hint: `${plan.project.meta.source === 'directory' ? `The project is named after its folder (${JSON.stringify(plan.manifest.name)}), which the rebuild varies: give it a name of its own (name: in repro.yaml or MLproject, package.json, pyproject.toml, or a git remote). ` : ''}Each difference names the entry and field that changed between the two builds; see docs/REPRODUCIBILITY.md for the usual causes. The bundle file and repro.lock were left as they were.`,
        details: { differences, rebuild: { contentDigest: second.contentDigest, fileDigest: second.fileDigest }, first: { contentDigest: first.contentDigest, fileDigest: first.fileDigest }, variations, root: plan.root, ...(stale ? { lockDifferences } : {}) },
      });
    }
    await commitTemp(staged, plan.output);
    untrackStaged();
    const lockStatus = await applyLock(plan, first.contentDigest);
    if (stale) {
      ctx.log.warn(`build: repro.lock recorded another bundle (${lockDifferences.length} difference${lockDifferences.length === 1 ? '' : 's'}); the build is reproducible, and repro.lock now records it: commit it (in CI, --locked fails on a stale lock instead)`);
      for (const d of lockDifferences.slice(0, 10)) ctx.log.warn(`  ${describeDifference(d)}`);
    }
    const result: VerifiedBuildResult = {
      ...first,
      bundle: plan.output,
      lock: { path: first.lock.path, status: lockStatus },
      durationMs: ctx.now().getTime() - startedAt,
      verify: {
        reproducible: true,
        rebuild: { contentDigest: second.contentDigest, fileDigest: second.fileDigest, ...(second.hashCache ? { hashCache: second.hashCache } : {}) },
        variations,
        lock: { contentDigest: lockDigest, matches: lockDigest === null ? null : !stale, ...(stale ? { differences: lockDifferences } : {}) },
        differences,
      },
    };
    return options.image ? await withImage(result, true, ctx, startedAt, options.buildNetwork) : result;
  } finally {
    // A rebuild still running (the first build failed) is stopped, and waited for before its folder goes.
    rebuild.abort();
    await child?.catch(() => {});
    await fs.rm(staged, { force: true });
    untrackStaged();
    // With rmSync (one call, the walk in C++: half the time of fs.rm's round trip through the
    // thread pool for every file), the copy's top folders shared with a worker when it is large.
    try {
      await removeCopy(copyRoot, plan.entries.length);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    untrack();
  }
}

/**
 * The copy, its seeded hash cache and its file list (kept as text in buffers, not as objects:
 * 100,000 rows and names on a big project would stay in the heap through the two builds).
 * The rebuild shares what the first build hashed, for each copy whose bytes it proved equal.
 */
async function copyForRebuild(entries: EntryList, copyRoot: string): Promise<Buffer[]> {
  const seeded = new HashCacheWriter(copyRoot);
  const files = await copyVaried(entries, copyRoot, (rel, stat, sha256) => seeded.add(rel, stat, sha256));
  await seeded.save(Date.now());
  return files;
}

export interface ChildBuild {
  copyRoot: string;
  outDir: string;
  /** The NUL-ended paths to build, written to the child's stdin once they settle (--files-from -); a rejection stops it. */
  list: Promise<Buffer[]>;
  codec: string;
  sourceDateEpoch: string;
  /** The pinned base image of the first build's Dockerfile, so the rebuild carries the same one. */
  baseImage: string | null;
  withRun: string | null;
  projectName: string | null;
  /** --vendor (and its --python): the rebuild fetches the same wheels, through the same store. */
  vendor: boolean;
  python: string | null;
  recordHashes: boolean;
  allowBuild: boolean;
}

/** The rebuild in its own process, under the varied environment and umask; `signal` stops it (SIGTERM) and the promise settles once it has exited. */
export async function rebuildInChild(self: SelfCommand, ctx: Context, job: ChildBuild, signal: AbortSignal): Promise<BuildResult> {
  const args = [self.execPath, self.script, ...rebuildArgv({ dir: job.copyRoot, outDir: job.outDir, codec: job.codec, filesFrom: '-', baseImage: job.baseImage, withRun: job.withRun, projectName: job.projectName, vendor: job.vendor, python: job.python, recordHashes: job.recordHashes, allowBuild: job.allowBuild })];
  // The child starts past bin.ts; it shares this process's compile cache through the variable
  // Node reads at start-up, or it would compile every module again (~50 ms). Node keeps each
  // release's cache in a folder of its own under the directory that variable names.
  const compileCache = (module as { getCompileCacheDir?: () => string | undefined }).getCompileCacheDir?.();
  const env = { ...ctx.env, ...(compileCache ? { NODE_COMPILE_CACHE: path.dirname(compileCache) } : {}), ...VARIANT_ENV, SOURCE_DATE_EPOCH: job.sourceDateEpoch } as NodeJS.ProcessEnv;
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    // Stopped (SIGTERM: it removes its temp files) when the first build fails or we are done.
    const child = spawn('/bin/sh', ['-c', `umask ${VARIANT_UMASK} && exec "$@"`, 'sh', ...args], { cwd: path.dirname(job.copyRoot), env, stdio: ['pipe', 'pipe', 'pipe'], signal, killSignal: 'SIGTERM' });
    child.stdin.on('error', () => {}); // a child that died before reading: its exit says why
    job.list.then(
      (parts) => {
        for (const part of parts) child.stdin.write(part);
        child.stdin.end();
      },
      () => child.kill('SIGTERM'),
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => {
      if (e.name !== 'AbortError') reject(e); // stopped on purpose: 'close' follows once it has exited
    });
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  const doc = readEnvelope<BuildResult>(stdout);
  if (!doc) throw new ReproError('E_INTERNAL', 'the verification rebuild printed no result', { details: { exitCode: code, stderr: stderr.slice(-2000) } });
  if (!doc.ok) {
    throw new ReproError('E_NOT_REPRODUCIBLE', `the verification rebuild failed: ${doc.error.message}`, {
      hint: 'The project builds here but not from a copy under varied conditions; the message says why.',
      details: { rebuildError: doc.error },
    });
  }
  return doc.result;
}

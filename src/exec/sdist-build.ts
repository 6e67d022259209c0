// Building the lock's sdists into wheels for a locked environment (exec --allow-build, issue 30).
// An sdist's build backend is code from the package: it runs only in bubblewrap with no network,
// with its build environment (a venv of the rerun's interpreter holding the build wheels the
// bundle recorded) bound read-only, so it cannot change the store files that environment links
// to, and only the unpacked sdist and the output folder writable. The archive is unpacked here
// (node-tar: no absolute or `..` paths, files and folders only, bounded) and nothing of it runs
// on the host. The wheel it makes is hostile output like any wheel: its name must be the sdist's
// package and version, and it then goes through the same checks as a downloaded one (its RECORD,
// its tags) before it is installed.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';
import { ReproError } from '../core/errors.js';
import { sha256OfPath } from '../core/file-read.js';
import type { Logger } from '../core/context.js';
import { type FetchedWheel } from '../wheel/fetch.js';
import { sameVersion } from '../lockfile/pep440.js';
import { parseWheelName } from '../wheel/filename.js';
import type { BuildWheel, LockedSdist } from '../wheel/sdist.js';

const BUILDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates', 'build-sdist.py');
/** Bounds on an sdist's members and bytes (a real one: thousands of files, tens of MiB). */
export const SDIST_LIMITS = { members: 100_000, bytes: 4 * 1024 ** 3 };

export interface SdistBuildTools {
  /** Makes an empty venv of the rerun's interpreter at `dir` (in the sandbox). */
  makeVenv(dir: string): Promise<void>;
  /** Installs wheels into the venv at `dir` (the store's checks, links). */
  install(dir: string, wheels: FetchedWheel[]): Promise<void>;
  /** Runs a shell command in bubblewrap with no network: `writable` the one writable folder, `readPaths` bound read-only. */
  run(writable: string, readPaths: string[], env: Record<string, string>, command: string): Promise<{ exitCode: number; stdout: string; output: string }>;
}

/** Unpacks an sdist's .tar.gz into `dest`, its top folder stripped: files and folders only, no path outside, bounded. */
export async function unpackSdist(source: string, file: string, dest: string, limits = SDIST_LIMITS): Promise<void> {
  await fs.mkdir(dest, { recursive: true });
  let members = 0;
  let bytes = 0;
  let refused: string | null = null;
  await tar
    .x({
      file: source,
      cwd: dest,
      strip: 1,
      strict: true,
      preservePaths: false,
      noChmod: false,
      preserveOwner: false,
      filter: (p, entry) => {
        const type = 'type' in entry ? entry.type : 'File';
        // A real sdist never has these; node-tar would strip them, but such an archive is refused whole.
        if (p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.split(/[\\/]/).includes('..')) refused ??= `a member ${JSON.stringify(p)} outside the sdist's folder`;
        if (type !== 'File' && type !== 'OldFile' && type !== 'Directory') return false;
        members++;
        bytes += 'size' in entry ? (entry.size ?? 0) : 0;
        if (members > limits.members || bytes > limits.bytes) refused ??= `more than ${limits.members} members or ${limits.bytes} bytes`;
        return refused === null && p.split('/').filter((s) => s !== '' && s !== '.').length > 1;
      },
      onwarn: (_code, message) => {
        refused ??= String(message);
      },
    })
    .catch((err: Error) => {
      refused ??= err.message;
    });
  if (refused !== null) throw new ReproError('E_UNSAFE_ENTRY', `${file}: the sdist could not be unpacked safely (${refused}): nothing was built`, { hint: 'The sdist is damaged or hostile; lock a wheel of the package instead.', details: { file } });
}

/** Builds each sdist into a wheel of the same package and version, in the sandbox; the wheels, to be installed like the others. */
export async function buildSdists(sdists: readonly LockedSdist[], buildWheels: ReadonlyMap<string, BuildWheel>, workRoot: string, tools: SdistBuildTools, sourceDateEpoch: number, log: Logger): Promise<FetchedWheel[]> {
  const built: FetchedWheel[] = [];
  for (const [i, s] of sdists.entries()) {
    const dir = path.join(workRoot, `sdist-${i}`);
    const env = path.join(dir, 'env');
    const work = path.join(dir, 'work');
    const src = path.join(work, 'src');
    const out = path.join(work, 'out');
    await fs.mkdir(out, { recursive: true });
    await fs.mkdir(path.join(work, 'tmp'));
    const wheels = s.buildWheels.map((f) => {
      const b = buildWheels.get(f);
      if (!b) throw new ReproError('E_INTEGRITY', `the bundle's build record names ${f} for ${s.file}, and carries no such build wheel: nothing was built`, { hint: 'The bundle was altered; build it again with --vendor --allow-build.', details: { sdist: s.file, wheel: f } });
      const name = parseWheelName(b.file)!;
      return { file: b.file, source: b.source, sha256: b.sha256, size: 0, package: name.project };
    });
    await tools.makeVenv(env);
    await tools.install(env, wheels);
    await unpackSdist(s.source, s.file, src);
    log.info(`exec: building ${s.file} with ${s.backend} in the sandbox (no network, its build environment read-only: ${s.buildWheels.join(', ')})`);
    const r = await tools.run(work, [env, BUILDER], { BENV: env, BUILDER, SRC: src, OUT: out, HOME: work, TMPDIR: path.join(work, 'tmp'), SOURCE_DATE_EPOCH: String(sourceDateEpoch), REPRO_BUILD_BACKEND: s.backend, REPRO_BUILD_BACKEND_PATH: JSON.stringify(s.backendPath) }, '"$BENV/bin/python" -I "$BUILDER" "$SRC" "$OUT"');
    const said = [...r.stdout.matchAll(/^REPRO-BUILD (.+)$/gm)].pop()?.[1];
    let report: { wheel?: unknown; missing?: unknown } = {};
    try {
      report = said ? JSON.parse(said) : {};
    } catch {
      report = {};
    }
    if (Array.isArray(report.missing)) {
      throw new ReproError('E_ENV', `${s.file}: its build backend asks for ${report.missing.map(String).join(', ')} at build time, which the bundle does not carry (there is no network to fetch it): nothing was run`, { hint: 'Lock a wheel of the package instead, or add what it asks for to its pyproject.toml build requirements.', details: { sdist: s.file, missing: report.missing } });
    }
    if (r.exitCode !== 0 || typeof report.wheel !== 'string') {
      throw new ReproError('E_ENV', `${s.file} could not be built (exit ${r.exitCode}): nothing was run`, { hint: 'Its build backend failed in the sandbox (no network, its build environment read-only); the output is in details.output (--json). Lock a wheel of the package instead.', details: { sdist: s.file, output: r.output } });
    }
    const wheel = report.wheel;
    const name = parseWheelName(wheel);
    const source = path.join(out, wheel);
    const st = await fs.lstat(source).catch(() => null);
    if (!name || path.basename(wheel) !== wheel || !st?.isFile() || name.project !== s.package || !sameVersion(name.version, s.version)) {
      throw new ReproError('E_INTEGRITY', `${s.file}'s build made ${JSON.stringify(wheel)}, which is not a wheel of ${s.package} ${s.version}: nothing was installed`, { hint: 'The sdist builds something else than it claims; lock a wheel of the package instead.', details: { sdist: s.file, wheel } });
    }
    built.push({ file: wheel, source, sha256: sha256OfPath(source), size: st.size, package: name.project });
  }
  return built;
}

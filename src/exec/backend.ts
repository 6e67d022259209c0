// What both backends of exec are given and give back: the rendered command, the run's
// directories, the declared outputs' directories to make writable, the manifest's environment
// defaults, and where the entry point's output goes; back comes its exit status and the image it
// ran in (Docker).
import type { PlannedInterpreter } from '../snapshot/find-python.js';
import type { TarLimits } from '../bundle/limits.js';
import type { RefusedKind } from '../run-record/record.js';
import type { CachedBundle } from './cache.js';
import type { RunUsage } from './usage.js';

export interface BackendRun {
  /** The verified, extracted bundle in the cache. */
  cached: CachedBundle;
  /** The bundle file exec was given (Docker builds its image from it). */
  bundleFile: string;
  /** The cached project (read-only source of the run's copy). */
  projectDir: string;
  /**
   * Where the entry point runs: runs/<id>/project in Docker (its outputs come back there through
   * the archive API); for the local backend a scratch copy of the project, runs/<id>/.scratch/
   * project, removed after the run once its declared outputs are copied out (outputDir).
   */
  workDir: string;
  /** runs/<id>/project: where the declared outputs land for the user, and nothing else. */
  outputDir: string;
  runDir: string;
  command: string;
  /** The shell the command runs under (local backend; a container's is its image's ENTRYPOINT). */
  shell: readonly string[];
  /** Local files and directories the user named in path parameters: readable inside the local sandbox. */
  readPaths: string[];
  /** The manifest's environment defaults. */
  env: Record<string, string>;
  /** Directories of the declared outputs, relative to the project, made before the run. */
  outputDirs: string[];
  /** The declared literal outputs (safe relative paths). */
  outputs: string[];
  /** Docker: take the whole project out of the container after the run (outputs are globs or detected). */
  collectAll: boolean;
  /** Bounds on what a container's output archives may hold. */
  limits: TarLimits;
  gpus: number | null;
  resources: ResourceLimits;
  runId: string;
  user: string;
  network: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The rerun's one interpreter (local backend): what `python` and `python3` run; null when the project records no Python, or in a container (the image's). */
  interpreter?: PlannedInterpreter | null;
  /** The locked node_modules (local backend): the entry point sees it, read-only, as the project's node_modules. */
  nodeModules?: string | null;
  /** What exec --verify varies for this run (exec/variations.ts); nothing for a plain run. */
  conditions?: RunConditions;
  /** Local, sandboxed: where the entry point sees its working copy when workDir is elsewhere (the reordered copy on a tmpfs). */
  seenAt?: string;
}

/** What one run of exec --verify is given besides the plain run's (exec/variations.ts makes them). */
export interface RunConditions {
  /** Variables set over the run's environment (a string) or removed from it (null). */
  env?: Record<string, string | null>;
  /** The CPUs the entry point may run on, as taskset -c (local) or the container's cpuset (Docker) take them: "0", "0-3". */
  cpus?: string;
  /** The host name the entry point sees: the sandbox's UTS namespace, or the container's. */
  hostname?: string;
  /** A tmpfs folder: the project's working copy is made there, its files created in the opposite of the order the plain copy lists them, and shown at the usual path in the sandbox. */
  reorderedCopyIn?: string;
}

/** What a run may use: wall time, processes, memory, the size of any file it writes (null: no limit). */
export interface ResourceLimits {
  timeLimitMs: number | null;
  pids: number | null;
  memoryBytes: number | null;
  fileSizeBytes: number | null;
}

export const DEFAULT_RESOURCE_LIMITS: ResourceLimits = { timeLimitMs: null, pids: 4096, memoryBytes: null, fileSizeBytes: null };

/** Exit code of a run the time limit ended (as timeout(1)). */
export const TIMED_OUT_EXIT = 124;

export interface BackendResult {
  exitCode: number;
  /** Limits asked for that this backend could not enforce, with why. */
  notEnforced?: string[];
  timedOut?: boolean;
  image: string | null;
  /** Outputs that came back as something other than files and directories (Docker), by path. */
  refused?: Record<string, RefusedKind>;
  /** Local: Date.now() when the run's copy of the project was complete (what changed after it is an output). */
  copiedAt?: number;
  /** Local: CPU time and peak memory of the entry point's process tree. */
  usage?: RunUsage;
}

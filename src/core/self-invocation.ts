// repro runs itself in two places: the verification rebuild of `build --verify` (a child on this
// machine) and each Slurm task's `repro exec` on its node. Their argv is spelt here, typed, and
// their answers are read back as the --json envelope this module defines (cli/render/json.ts
// writes it). tests/unit/core/self-invocation.test.ts checks that every flag emitted here is one
// the CLI declares, so renaming a flag breaks a test, not a cluster.

/** The Node binary and the CLI script that run repro itself. */
export interface SelfCommand {
  execPath: string;
  script: string;
}

/** Every `--json` document carries this; readers refuse others. */
export const JSON_SCHEMA_VERSION = 1;

export interface JsonError {
  code: string;
  message: string;
  hint?: string | null;
  details?: Record<string, unknown>;
}

/** The one document `--json` prints on stdout. */
export type JsonEnvelope<T> =
  | { schemaVersion: typeof JSON_SCHEMA_VERSION; command: string; ok: true; result: T }
  | { schemaVersion: typeof JSON_SCHEMA_VERSION; command: string; ok: false; error: JsonError };

/**
 * The envelope in `text`, or null when it is not one of this schema version (no JSON, another
 * version, no result on success, no coded error on failure). The result's own shape is the
 * caller's to check.
 */
export function readEnvelope<T>(text: string): JsonEnvelope<T> | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (!doc || typeof doc !== 'object') return null;
  const d = doc as Record<string, unknown>;
  if (d.schemaVersion !== JSON_SCHEMA_VERSION || typeof d.command !== 'string' || typeof d.ok !== 'boolean') return null;
  if (d.ok) return 'result' in d ? (d as JsonEnvelope<T>) : null;
  const e = d.error as Record<string, unknown> | undefined;
  return e && typeof e.code === 'string' && typeof e.message === 'string' ? (d as JsonEnvelope<T>) : null;
}

/** What the verification rebuild builds: a copy of the project with the first build's choices. */
export interface RebuildRequest {
  dir: string;
  outDir: string;
  codec: string;
  /** The file listing exactly the entries the first build took. */
  filesFrom: string;
  /** The pinned base image of the first build's Dockerfile, so the rebuild carries the same one. */
  baseImage: string | null;
  withRun: string | null;
  /** The project's name when it came from where the copy cannot see it (the git remote). */
  projectName?: string | null;
  /** --vendor, and the --python it fetched for. */
  vendor?: boolean;
  python?: string | null;
  recordHashes?: boolean;
  allowBuild?: boolean;
}

/** `repro build …` for the verification rebuild (after the node and the script). */
export function rebuildArgv(r: RebuildRequest): string[] {
  const argv = ['build', r.dir, '-o', r.outDir, '--compression', r.codec, '--no-lock', '--files-from', r.filesFrom, '--json', '--no-progress'];
  if (r.baseImage) argv.push('--base-image', r.baseImage);
  if (r.withRun) argv.push('--with-run', r.withRun);
  if (r.projectName) argv.push('--project-name', r.projectName);
  if (r.vendor) argv.push('--vendor');
  if (r.python) argv.push('--python', r.python);
  if (r.recordHashes) argv.push('--record-hashes');
  if (r.allowBuild) argv.push('--allow-build');
  return argv;
}

/** A word of a batch script's command line: literal text (the script quotes it), or shell syntax written as it is. */
export type ShellWord = string | { shell: string };
/** The task's own run directory, parameters and bundle, which the batch script sets per task. */
export const TASK_DIR: ShellWord = { shell: '"$dir"' };
export const TASK_PARAMS: ShellWord = { shell: '"${params[@]}"' };
export const TASK_BUNDLE: ShellWord = { shell: '"$bundle"' };

/** The exec choices every task of a Slurm job shares. */
export interface SlurmTaskRequest {
  contentDigest: string;
  entry: string | undefined;
  strict?: boolean;
  network?: string;
  python?: string;
  /** --python-env: the node finds the version python_env.yaml names. */
  pythonEnv?: boolean;
  /** --environment host: the task runs in the node's interpreter as it is. */
  environment?: 'host';
  /** --allow-build: the node builds the lock's sdists in its sandbox. */
  allowBuild?: boolean;
  passEnv?: string[];
  /** Extraction limits, when not the defaults. */
  limits?: { maxEntries: number; maxTotalBytes: number } | null;
  /** Host paths the local sandbox on the node may read (--expose). */
  expose?: string[];
  /** What the run may use, when asked for (null: no limit; pids only when not the default). */
  resources?: { timeLimitMs: number | null; pids: number | null; memoryBytes: number | null; fileSizeBytes: number | null } | null;
  /** Outputs declared at exec (--output). */
  outputs?: string[];
  /** exec --verify on the node: its runs and the variations chosen here. */
  verify?: { runs: number; vary: string[] } | null;
}

/**
 * `repro exec …` as each Slurm task runs it on its node: the local sandbox or nothing
 * (--require-sandbox), the submitted bundle only (--expect-digest), its own run directory, and
 * the --json envelope on stdout for the submitter to read. Its -P parameters are not here: the
 * task reads them from its own arguments file (slurmTaskParams), which only the user can read,
 * so no value is in the batch script slurmctld keeps.
 */
export function slurmTaskArgv(t: SlurmTaskRequest): ShellWord[] {
  return [
    'exec',
    '--backend', 'local',
    '--require-sandbox',
    '--expect-digest', t.contentDigest,
    '--out', TASK_DIR,
    '--json',
    ...(t.strict ? ['--strict'] : []),
    ...(t.network ? ['--network', t.network] : []),
    ...(t.python ? ['--python', t.python] : []),
    ...(t.pythonEnv ? ['--python-env'] : []),
    ...(t.environment ? ['--environment', t.environment] : []),
    ...(t.allowBuild ? ['--allow-build'] : []),
    ...(t.passEnv ?? []).flatMap((n) => ['--env', n]),
    ...(t.limits ? ['--max-entries', String(t.limits.maxEntries), '--max-bytes', String(t.limits.maxTotalBytes)] : []),
    ...(t.expose ?? []).flatMap((p) => ['--expose', p]),
    ...(t.outputs ?? []).flatMap((p) => ['--output', p]),
    ...(t.verify ? ['--verify', '--runs', String(t.verify.runs), '--vary', t.verify.vary.join(',')] : []),
    ...(t.resources?.timeLimitMs ? ['--time-limit', `${t.resources.timeLimitMs / 1000}s`] : []),
    ...(t.resources?.pids ? ['--pids-limit', String(t.resources.pids)] : []),
    ...(t.resources?.memoryBytes ? ['--memory-limit', String(t.resources.memoryBytes)] : []),
    ...(t.resources?.fileSizeBytes ? ['--file-size-limit', String(t.resources.fileSizeBytes)] : []),
    TASK_PARAMS,
    '--',
    TASK_BUNDLE,
    ...(t.entry === undefined ? [] : [t.entry]),
  ];
}

/** A task's -P arguments (the job's fixed parameters, then the point's), NUL-separated, for its 0600 arguments file. */
export function slurmTaskParams(params: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.from(params.map(([k, v]) => `-P\0${k}=${v}\0`).join(''));
}

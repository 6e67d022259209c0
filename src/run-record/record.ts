// The run record: runs/<run-id>/run.json (canonical JSON). A bundle built with --with-run
// carries one as its reference (repro.run.json at its root); exec compares against it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fsError } from '../core/errors.js';
import { parseVersionedJson } from '../core/versioned-json.js';
import type { Severity } from '../core/difference.js';
import type { Change } from '../diff/change.js';
import { REFERENCE_RUN_PATH } from '../bundle/layout.js';
import type { Comparability } from './comparable.js';
import type { Normalizer } from '../project/types.js';

export const RUN_SCHEMA_VERSION = 1;

/** What stands where an output should be and is refused, never opened: a link, a FIFO, ... */
/** What stood at an output path instead of a regular file or directory; `name`: a file name that is not UTF-8 (it cannot be recorded or compared). */
export type RefusedKind = 'symlink' | 'fifo' | 'socket' | 'device' | 'name' | 'other';

/** The resources a run was allowed, as `repro exec` enforced them (null: no limit). */
export interface RunResources {
  timeLimitMs: number | null;
  pids: number | null;
  memoryBytes: number | null;
  fileSizeBytes: number | null;
  /** Limits asked for that this backend could not enforce here, each with why. */
  notEnforced: string[];
  /** The time limit ended the run (its exit code is then 124, as timeout(1) gives). */
  timedOut: boolean;
}

export interface OutputRecord {
  path: string;
  /** Bytes (a directory: its files' bytes added up); null when missing or refused. */
  size: number | null;
  /** The file's sha256, or a directory's tree digest (see exec/read-output.ts); null when missing or refused. */
  sha256: string | null;
  /** Content of small metric files that have a tolerance, so a later run can compare numbers. */
  text?: string;
  /** The bytes (base64) of a small array file (.npy, .npz, .safetensors) that has a tolerance, so a later run can compare its elements. */
  data?: string;
  /** Present for a directory output: each regular file in it, sorted by path. */
  files?: Array<{ path: string; size: number; sha256: string }>;
  /** Present when something other than a regular file or directory stands at the path (or inside a directory output). */
  refused?: { path: string; kind: RefusedKind };
  /** For an output declared with `normalize`: the sha256 of its bytes with times and ids set aside. */
  normalized?: { by: Normalizer; sha256: string };
}

/** extra: an output the rerun made (detected, or matched by a glob) that the reference run did not. */
/** equivalent: the bytes differ only where the declared normaliser sets them aside (a PDF's dates). */
export type OutputVerdict = 'identical' | 'equivalent' | 'within-tolerance' | 'different' | 'missing' | 'refused' | 'extra';

export interface OutputComparison {
  path: string;
  verdict: OutputVerdict;
  expected: string | null;
  actual: string | null;
  /** For tolerance comparisons: the largest absolute difference seen, and where. */
  maxDifference?: { value: number; at: string; relative?: number };
  /** How the bytes were judged when that is not obvious: a pickle compared by bytes only (never unpickled: that runs code), an array file that could not be read as one. */
  note?: string;
  /** For directory outputs that differ: the files missing, extra or changed. */
  files?: Array<{ path: string; change: 'missing' | 'extra' | 'changed' }>;
  /** For an equivalent output: the normaliser whose set-aside bytes were all that differed. */
  normalized?: Normalizer;
  /** For files that differ: both sizes, and for small text files the first line that differs. */
  detail?: { expectedSize: number | null; actualSize: number | null; line?: { number: number; expected: string; actual: string } };
}

/**
 * reproduced: comparable, and every output identical or within tolerance. not-reproduced:
 * comparable, and some output differs, is missing, extra or refused. not-comparable: the runs
 * differ in entry point or a (non-seed) parameter, or there is nothing to compare.
 */
export type ReproStatus = 'reproduced' | 'not-reproduced' | 'not-comparable';

export interface ReproVerdict {
  /** Records written before repro said "not comparable" have no status: reproduced says it all. */
  status?: ReproStatus;
  /** true only for status 'reproduced'. */
  reproduced: boolean;
  /** Why the runs cannot be compared (status 'not-comparable'), each one line. */
  notComparable?: string[];
  /** Entry point and parameter differences (Incomparability) and seed parameters that differ. */
  comparability?: Comparability;
  outputs: OutputComparison[];
}

export interface RunRecord {
  schemaVersion: number;
  kind: 'repro-run';
  runId: string;
  /** reference: the registry reference (with its manifest digest) exec pulled the bundle from. */
  bundle: { contentDigest: string; file: string; reference?: string };
  entry: string;
  parameters: Record<string, string>;
  command: string;
  backend: 'docker' | 'local';
  /** What confined the entry point: the container, bubblewrap, or nothing (--no-sandbox, or none available with --backend local). */
  sandbox?: 'docker' | 'bubblewrap' | 'none';
  /** The environment the entry point got (secret-named values redacted). */
  environment?: Record<string, string>;
  image: string | null;
  /** The limits the run had (runs recorded before repro enforced any have none). */
  resources?: RunResources;
  machine: { snapshotDigest: string; drift: Record<Severity, number> | null; changes?: Change[] };
  /** The one Python the local rerun used, which the drift check described (snapshot/find-python.ts): absent when the project records none, and in a container. */
  interpreter?: {
    path: string;
    version: string | null;
    chosenBy: 'option' | 'snapshot' | 'same-minor' | 'path';
    reason: string;
    /** The bundle's locked environment it ran in (exec/environment.ts), or null: the interpreter as it is. */
    environment?: { digest: string; lock: string; reused: boolean } | null;
  };
  startedAt: string;
  endedAt: string;
  durationMs: number;
  exitCode: number;
  /** How the outputs were found: declared (paths and globs), or detected (every file the run created or changed). */
  outputsFrom?: 'declared' | 'detected';
  outputs: OutputRecord[];
  /** CPU seconds and peak resident memory of the entry point's process tree, and how they were taken (local backend). */
  usage?: { cpuSeconds: number | null; peakRssBytes: number | null; method: string };
  /** The last bytes the entry point wrote (stdout and stderr interleaved as they came), secrets redacted. */
  log?: { tail: string; bytes: number; truncated: boolean };
  reproduced: ReproVerdict | null;
}

export function parseRunRecord(text: string, source: string): RunRecord {
  return parseVersionedJson<RunRecord>(text, { source, kind: 'repro-run', label: 'repro run record', version: RUN_SCHEMA_VERSION, code: 'E_INPUT', hint: 'Pass a run directory written by `repro exec`.' });
}

/** A run directory's record (DIR/run.json), or a record file given as such (a project's kept repro.run.json). */
export async function readRunDir(dir: string): Promise<RunRecord> {
  const isFile = await fs.stat(dir).then((st) => st.isFile(), () => false);
  const file = isFile ? dir : path.join(dir, 'run.json');
  const text = await fs.readFile(file, 'utf8').catch((err) => {
    throw fsError(err, file, 'cannot read the run record');
  });
  return parseRunRecord(text, file);
}

/** The reference run a bundle carries, from its extracted tree. */
export async function readReferenceRun(bundleDir: string): Promise<RunRecord | null> {
  const text = await fs.readFile(path.join(bundleDir, REFERENCE_RUN_PATH), 'utf8').catch(() => null);
  return text === null ? null : parseRunRecord(text, REFERENCE_RUN_PATH);
}

/** exec --verify's verdict as the reproduced-run attestation carries it. */
export interface RunDeterminism {
  deterministic: boolean;
  runs: number;
  variations: Array<{ id: string; plain: string; varied: string; notApplicable: string | null; changed: string[] | null }>;
  outputs: Array<{ path: string; verdict: string; changedBy: string[]; unchangedBy: string[] }>;
}

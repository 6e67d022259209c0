// The run record: runs/<run-id>/run.json (canonical JSON). A bundle built with --with-run
// carries one as its reference (repro.run.json at its root); exec compares against it.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fsError } from '../core/errors.js';
import { parseVersionedJson } from '../core/versioned-json.js';
import type { Severity } from '../core/difference.js';
import type { Change } from '../diff/change.js';
import { REFERENCE_RUN_PATH } from '../bundle/layout.js';

export const RUN_SCHEMA_VERSION = 1;

export interface OutputRecord {
  path: string;
  size: number | null;
  sha256: string | null;
  /** Content of small metric files that have a tolerance, so a later run can compare numbers. */
  text?: string;
}

export type OutputVerdict = 'identical' | 'within-tolerance' | 'different' | 'missing';

export interface OutputComparison {
  path: string;
  verdict: OutputVerdict;
  expected: string | null;
  actual: string | null;
  /** For tolerance comparisons: the largest absolute difference seen, and where. */
  maxDifference?: { value: number; at: string };
}

export interface ReproVerdict {
  reproduced: boolean;
  outputs: OutputComparison[];
}

export interface RunRecord {
  schemaVersion: number;
  kind: 'repro-run';
  runId: string;
  bundle: { contentDigest: string; file: string };
  entry: string;
  parameters: Record<string, string>;
  command: string;
  backend: 'docker' | 'local';
  image: string | null;
  machine: { snapshotDigest: string; drift: Record<Severity, number> | null; changes?: Change[] };
  startedAt: string;
  endedAt: string;
  durationMs: number;
  exitCode: number;
  outputs: OutputRecord[];
  reproduced: ReproVerdict | null;
}

export function parseRunRecord(text: string, source: string): RunRecord {
  return parseVersionedJson<RunRecord>(text, { source, kind: 'repro-run', label: 'repro run record', version: RUN_SCHEMA_VERSION, code: 'E_INPUT', hint: 'Pass a run directory written by `repro exec`.' });
}

export async function readRunDir(dir: string): Promise<RunRecord> {
  const file = path.join(dir, 'run.json');
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

// Did it reproduce? First whether the rerun is comparable at all (run-record/comparable.ts:
// same entry point, same parameters but seeds). Then each output (declared, matched by a glob, or
// detected: find-outputs.ts) is hashed after the run (safely: read-output.ts) and compared with
// the reference run's: bit-identical, within the manifest's numeric tolerance (numbers in JSON
// and CSV metric files, compared field by field), or different (with sizes and the first
// differing line of a small text file), each output named with its verdict. An output missing
// from either run, refused, or made only by the rerun never reproduces.
import { comparisonKey, literalOutputs, specFor } from '../project/output-match.js';
import { NORMALIZERS, type Normalizer, type OutputSpec, type ParameterSpec } from '../project/types.js';
import { comparability, describeIncomparability } from '../run-record/comparable.js';
import type { OutputComparison, OutputRecord, OutputVerdict, ReproVerdict, RunRecord } from '../run-record/record.js';
import { MAX_TEXT, readOutput } from './read-output.js';
import { MAX_NORMALIZE_BYTES, normalizedDigest } from './normalize.js';
import { constants, promises as fs } from 'node:fs';
import { ArrayFormatError, arrayDifference, arrayFormat, isPickle, readArrays, type ArrayDifference } from './arrays.js';
import path from 'node:path';

export type { OutputComparison, OutputRecord, ReproVerdict };

/** Text kept for a short diff of any small text output (a tolerance output keeps up to MAX_TEXT). */
export const DIFF_TEXT = 8 << 10;

export async function recordOutputs(dir: string, paths: readonly string[], specs: readonly OutputSpec[]): Promise<OutputRecord[]> {
  const out: OutputRecord[] = [];
  for (const p of paths) {
    const spec = specFor(p, specs);
    const record = await readOutput(dir, p, spec?.tolerance !== undefined ? MAX_TEXT : DIFF_TEXT);
    // A crafted manifest's normalize is one of NORMALIZERS or nothing.
    const normalized = spec?.normalize && NORMALIZERS.includes(spec.normalize) && record.sha256 !== null && !record.files && !record.refused ? await normalizedOutput(path.join(dir, p), spec.normalize) : null;
    // Array bytes are kept only for a comparison within a tolerance.
    const { data, ...rest } = record;
    const kept = data !== undefined && spec?.tolerance !== undefined ? record : rest;
    out.push(normalized ? { ...kept, normalized } : kept);
  }
  return out;
}

/** The normalised digest of a regular file (never through a link, never past MAX_NORMALIZE_BYTES). */
async function normalizedOutput(file: string, by: Normalizer): Promise<OutputRecord['normalized'] | null> {
  const handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => null);
  if (!handle) return null;
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size > MAX_NORMALIZE_BYTES) return null;
    const sha256 = normalizedDigest(by, await handle.readFile());
    return sha256 === null ? null : { by, sha256 };
  } finally {
    await handle.close();
  }
}

/** For two directory outputs: which files are missing, extra or changed. */
function fileChanges(ref: OutputRecord, cur: OutputRecord): NonNullable<OutputComparison['files']> {
  const now = new Map((cur.files ?? []).map((f) => [f.path, f.sha256]));
  const before = new Map((ref.files ?? []).map((f) => [f.path, f.sha256]));
  const changes: NonNullable<OutputComparison['files']> = [];
  for (const [p, sha] of before) if (!now.has(p)) changes.push({ path: p, change: 'missing' });
  else if (now.get(p) !== sha) changes.push({ path: p, change: 'changed' });
  for (const p of now.keys()) if (!before.has(p)) changes.push({ path: p, change: 'extra' });
  return changes;
}

/** Sizes, and the first differing line when both runs kept the file's text. */
function detailOf(ref: OutputRecord, cur: OutputRecord): NonNullable<OutputComparison['detail']> {
  const detail: NonNullable<OutputComparison['detail']> = { expectedSize: ref.size, actualSize: cur.size };
  if (ref.text === undefined || cur.text === undefined) return detail;
  const a = ref.text.split('\n');
  const b = cur.text.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return { ...detail, line: { number: i + 1, expected: (a[i] ?? '(end of file)').slice(0, 200), actual: (b[i] ?? '(end of file)').slice(0, 200) } };
  }
  return detail;
}

function compareOne(ref: OutputRecord, cur: OutputRecord | undefined, specs: readonly OutputSpec[]): OutputComparison {
  const base = { path: cur?.path ?? ref.path, expected: ref.sha256, actual: cur?.sha256 ?? null };
  if (cur?.refused || ref.refused) return { ...base, verdict: 'refused' };
  if (!cur || cur.sha256 === null || ref.sha256 === null) return { ...base, verdict: 'missing' };
  if (cur.sha256 === ref.sha256) return { ...base, verdict: 'identical' };
  if (ref.normalized && cur.normalized && ref.normalized.by === cur.normalized.by && ref.normalized.sha256 === cur.normalized.sha256) return { ...base, verdict: 'equivalent', normalized: cur.normalized.by };
  if (ref.files || cur.files) return { ...base, verdict: 'different', files: fileChanges(ref, cur) };
  const tolerance = specFor(cur.path, specs)?.tolerance;
  const format = arrayFormat(cur.path);
  if (tolerance !== undefined && format && ref.data !== undefined && cur.data !== undefined) {
    const diff = arraysOf(Buffer.from(ref.data, 'base64'), Buffer.from(cur.data, 'base64'), format);
    if ('note' in diff) return { ...base, verdict: 'different', note: diff.note, detail: detailOf(ref, cur) };
    return { ...base, verdict: diff.value <= tolerance ? 'within-tolerance' : 'different', maxDifference: diff, ...(diff.value <= tolerance ? {} : { detail: detailOf(ref, cur) }) };
  }
  if (isPickle(cur.path)) return { ...base, verdict: 'different', note: PICKLE_NOTE, detail: detailOf(ref, cur) };
  if (tolerance !== undefined && ref.text !== undefined && cur.text !== undefined) {
    const diff = numericDifference(ref.text, cur.text, ref.path);
    if (diff && diff.value <= tolerance) return { ...base, verdict: 'within-tolerance', maxDifference: diff };
    if (diff) return { ...base, verdict: 'different', maxDifference: diff, detail: detailOf(ref, cur) };
  }
  return { ...base, verdict: 'different', detail: detailOf(ref, cur) };
}

/**
 * The outputs side of the verdict. It covers every output of the reference, every declared
 * literal output (the reference is the bundle author's word, so a declared output it leaves out
 * is compared as missing, never skipped into "reproduced"), and every output the rerun found
 * that the reference did not have (extra). Outputs are matched by comparisonKey (an MLflow run's
 * artifacts without its run id).
 */
export function compareOutputs(reference: readonly OutputRecord[], current: readonly OutputRecord[], specs: readonly OutputSpec[]): OutputComparison[] {
  const now = new Map(current.map((o) => [comparisonKey(o.path), o]));
  const listed = new Set(reference.map((r) => comparisonKey(r.path)));
  const unlisted: OutputRecord[] = literalOutputs(specs).filter((spec) => !listed.has(comparisonKey(spec.path))).map((spec) => ({ path: spec.path, size: null, sha256: null }));
  const owed = [...reference, ...unlisted];
  const compared = owed.map((ref) => compareOne(ref, now.get(comparisonKey(ref.path)), specs));
  const known = new Set(owed.map((r) => comparisonKey(r.path)));
  for (const cur of current) if (!known.has(comparisonKey(cur.path))) compared.push({ path: cur.path, expected: null, actual: cur.sha256, verdict: 'extra' });
  return compared;
}

const REPRODUCING: ReadonlySet<OutputVerdict> = new Set(['identical', 'equivalent', 'within-tolerance']);

/**
 * The whole verdict: comparable or not first (same entry point, same parameters but seeds, a
 * reference that succeeded, something to compare), then the outputs.
 */
export function judgeRerun(reference: RunRecord, rerun: { entry: string; parameters: Record<string, string>; outputs: readonly OutputRecord[] }, specs: readonly OutputSpec[], declared: readonly ParameterSpec[]): ReproVerdict {
  const comparable = comparability(reference, rerun, declared);
  const outputs = compareOutputs(reference.outputs, rerun.outputs, specs);
  const why: string[] = comparable.differences.map(describeIncomparability);
  if (reference.exitCode !== 0) why.push(`the reference run exited ${reference.exitCode}: it is no result to reproduce`);
  if (outputs.length === 0) why.push('no outputs to compare: the reference run recorded none and none are declared (declare them in repro.yaml outputs:, or pass --output GLOB)');
  if (why.length > 0) return { status: 'not-comparable', reproduced: false, notComparable: why, comparability: comparable, outputs };
  const reproduced = outputs.every((o) => REPRODUCING.has(o.verdict));
  return { status: reproduced ? 'reproduced' : 'not-reproduced', reproduced, comparability: comparable, outputs };
}

/** What a differing pickle's verdict says. */
export const PICKLE_NOTE = 'a pickle: compared by bytes only (repro never unpickles an output: that runs code)';

/** Two array files element by element, or why they could not be compared so. */
export function arraysOf(a: Buffer, b: Buffer, format: 'npy' | 'npz' | 'safetensors'): ArrayDifference | { note: string } {
  try {
    const diff = arrayDifference(readArrays(a, format), readArrays(b, format));
    return diff ?? { note: 'the arrays differ in names or shapes: compared by bytes' };
  } catch (err) {
    if (err instanceof ArrayFormatError) return { note: `not read as arrays (${err.message}): compared by bytes` };
    throw err;
  }
}

/** Largest |a-b| between two JSON or CSV documents of the same shape; null when shapes differ. */
export function numericDifference(a: string, b: string, file: string): { value: number; at: string } | null {
  if (/\.json$/i.test(file)) {
    try {
      return jsonDifference(JSON.parse(a), JSON.parse(b), '$');
    } catch {
      return null;
    }
  }
  return csvDifference(a, b);
}

function jsonDifference(a: unknown, b: unknown, at: string): { value: number; at: string } | null {
  if (typeof a === 'number' && typeof b === 'number') return { value: Math.abs(a - b), at };
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return null;
    return maxOf(a.map((x, i) => jsonDifference(x, b[i], `${at}[${i}]`)));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join('\0') !== kb.join('\0')) return null;
    return maxOf(ka.map((k) => jsonDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`)));
  }
  return a === b ? { value: 0, at } : null;
}

function csvDifference(a: string, b: string): { value: number; at: string } | null {
  const ra = a.trimEnd().split(/\r?\n/);
  const rb = b.trimEnd().split(/\r?\n/);
  if (ra.length !== rb.length) return null;
  const diffs = ra.map((row, i) => {
    const ca = row.split(',');
    const cb = rb[i]!.split(',');
    if (ca.length !== cb.length) return null;
    return maxOf(
      ca.map((x, j) => {
        const [nx, ny] = [Number(x), Number(cb[j])];
        if (x.trim() !== '' && cb[j]!.trim() !== '' && Number.isFinite(nx) && Number.isFinite(ny)) return { value: Math.abs(nx - ny), at: `row ${i + 1}, column ${j + 1}` };
        return x === cb[j] ? { value: 0, at: `row ${i + 1}, column ${j + 1}` } : null;
      }),
    );
  });
  return maxOf(diffs);
}

function maxOf(list: Array<{ value: number; at: string } | null>): { value: number; at: string } | null {
  let best: { value: number; at: string } = { value: 0, at: '' };
  for (const d of list) {
    if (d === null) return null;
    if (d.value > best.value || best.at === '') best = d;
  }
  return best;
}

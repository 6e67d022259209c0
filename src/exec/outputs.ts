// Did it reproduce? Each declared output is hashed after a run (safely: read-output.ts) and
// compared with the reference run's: bit-identical, within the manifest's numeric tolerance
// (numbers in JSON and CSV metric files, compared field by field), or different, each output
// named with its verdict. An output missing from either run, or refused, never reproduces.
import type { OutputSpec } from '../project/types.js';
import type { OutputComparison, OutputRecord, ReproVerdict } from '../run-record/record.js';
import { readOutput } from './read-output.js';

export type { OutputComparison, OutputRecord, ReproVerdict };

export async function recordOutputs(dir: string, specs: readonly OutputSpec[]): Promise<OutputRecord[]> {
  const out: OutputRecord[] = [];
  for (const spec of specs) out.push(await readOutput(dir, spec.path, spec.tolerance !== undefined));
  return out;
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

/**
 * The verdict covers every declared output and every output of the reference: the reference is
 * the bundle author's word, so a declared output it leaves out is compared as missing (never
 * skipped into "reproduced").
 */
export function compareOutputs(reference: readonly OutputRecord[], current: readonly OutputRecord[], specs: readonly OutputSpec[]): ReproVerdict {
  const now = new Map(current.map((o) => [o.path, o]));
  const listed = new Set(reference.map((r) => r.path));
  const unlisted: OutputRecord[] = specs.filter((spec) => !listed.has(spec.path)).map((spec) => ({ path: spec.path, size: null, sha256: null }));
  const outputs: OutputComparison[] = [...reference, ...unlisted].map((ref) => {
    const cur = now.get(ref.path);
    const base = { path: ref.path, expected: ref.sha256, actual: cur?.sha256 ?? null };
    if (cur?.refused || ref.refused) return { ...base, verdict: 'refused' };
    if (!cur || cur.sha256 === null || ref.sha256 === null) return { ...base, verdict: 'missing' };
    if (cur.sha256 === ref.sha256) return { ...base, verdict: 'identical' };
    if (ref.files || cur.files) return { ...base, verdict: 'different', files: fileChanges(ref, cur) };
    const tolerance = specs.find((s) => s.path === ref.path)?.tolerance;
    if (tolerance !== undefined && ref.text !== undefined && cur.text !== undefined) {
      const diff = numericDifference(ref.text, cur.text, ref.path);
      if (diff && diff.value <= tolerance) return { ...base, verdict: 'within-tolerance', maxDifference: diff };
      if (diff) return { ...base, verdict: 'different', maxDifference: diff };
    }
    return { ...base, verdict: 'different' };
  });
  return { reproduced: outputs.every((o) => o.verdict === 'identical' || o.verdict === 'within-tolerance'), outputs };
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

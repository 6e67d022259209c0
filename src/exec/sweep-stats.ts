// What varies across a sweep: every numeric field of the points' JSON outputs (read from the
// text their run records keep, never from files the entry point could change afterwards), with
// distinct values, mean, standard deviation, min, max and coefficient of variation across points;
// every output's digests; and the one line that answers "is this result seed-stable?" with the
// spread, not only a digest count.

import { compareUtf8 } from '../core/utf8-order.js';

/** At most this many numeric fields are taken from one JSON output (a hostile one could hold millions). */
export const MAX_FIELDS_PER_OUTPUT = 200;

/** The numeric fields of a JSON document, flattened: "accuracy", "scores[2]", "eval.loss". Non-finite numbers are left out. */
export function numericFields(text: string): Record<string, number> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return {};
  }
  const out: Record<string, number> = {};
  let n = 0;
  const walk = (v: unknown, at: string, depth: number): void => {
    if (n >= MAX_FIELDS_PER_OUTPUT || depth > 32) return;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) {
        out[at || '$'] = v;
        n++;
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`, depth + 1));
    else if (v && typeof v === 'object') for (const k of Object.keys(v).sort()) walk((v as Record<string, unknown>)[k], at ? `${at}.${k}` : k, depth + 1);
  };
  walk(doc, '', 0);
  return out;
}

export interface Spread {
  /** Points that had the value. */
  points: number;
  distinct: number;
  mean: number;
  /** The sample standard deviation (n-1); 0 for one point. */
  std: number;
  min: number;
  max: number;
  /** std / |mean|; null when the mean is 0. */
  cv: number | null;
}

export function spreadOf(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  const std = Math.sqrt(variance);
  return { points: n, distinct: new Set(values).size, mean, std, min: Math.min(...values), max: Math.max(...values), cv: mean === 0 ? null : std / Math.abs(mean) };
}

export interface SweepSpread {
  /** Per metric ("out/metrics.json:accuracy"): its spread across the points that reported it. */
  metrics: Record<string, Spread>;
  /** Per output: how many points recorded it, and how many distinct digests they had. */
  outputs: Record<string, { points: number; distinct: number }>;
  /** Every output identical at every point. */
  stable: boolean;
  /** The answer in one line. */
  verdict: string;
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? v.toPrecision(4) : v.toExponential(3));

/** The spread of a sweep's points: their metrics (by metric name) and output digests (by path). */
export function sweepSpread(points: ReadonlyArray<{ metrics: Record<string, number>; outputs: Record<string, string | null> }>): SweepSpread {
  const byMetric = new Map<string, number[]>();
  const byOutput = new Map<string, Array<string | null>>();
  for (const p of points) {
    for (const [k, v] of Object.entries(p.metrics)) (byMetric.get(k) ?? byMetric.set(k, []).get(k)!).push(v);
    for (const [k, v] of Object.entries(p.outputs)) (byOutput.get(k) ?? byOutput.set(k, []).get(k)!).push(v);
  }
  const metrics = Object.fromEntries([...byMetric.keys()].sort().map((k) => [k, spreadOf(byMetric.get(k)!)]));
  const outputs = Object.fromEntries([...byOutput.keys()].sort().map((k) => [k, { points: byOutput.get(k)!.length, distinct: new Set(byOutput.get(k)).size }]));
  const moving = Object.entries(metrics).filter(([, s]) => s.distinct > 1);
  const changed = Object.entries(outputs).filter(([, o]) => o.distinct > 1);
  const stable = changed.length === 0;
  let verdict: string;
  if (points.length < 2) verdict = 'one point: nothing to compare';
  else if (stable) verdict = `seed-stable: every output identical across ${points.length} points`;
  else if (moving.length > 0) {
    // The metric that moves most, relative to its size, is the headline.
    const [name, s] = moving.sort((a, b) => (b[1].cv ?? Infinity) - (a[1].cv ?? Infinity) || compareUtf8(a[0], b[0]))[0]!;
    verdict = `NOT seed-stable: ${name} ${fmt(s.mean)} ± ${fmt(s.std)} (min ${fmt(s.min)}, max ${fmt(s.max)}${s.cv === null ? '' : `, CV ${(s.cv * 100).toPrecision(2)}%`}, ${s.distinct} distinct values over ${s.points} points)${moving.length > 1 ? `; ${moving.length - 1} more metric${moving.length === 2 ? '' : 's'} vary` : ''}; ${changed.length} of ${Object.keys(outputs).length} outputs differ`;
  } else verdict = `NOT seed-stable: ${changed.map(([k, o]) => `${k} ${o.distinct} distinct digests`).join(', ')} over ${points.length} points (no numeric JSON field moves: the bytes do)`;
  return { metrics, outputs, stable, verdict };
}

/** The metrics of one point: numeric fields of its JSON outputs whose text its record kept. */
export function pointMetrics(outputs: ReadonlyArray<{ path: string; text?: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of outputs) {
    if (o.text === undefined || !/\.json$/i.test(o.path)) continue;
    for (const [k, v] of Object.entries(numericFields(o.text))) out[`${o.path}:${k}`] = v;
  }
  return out;
}

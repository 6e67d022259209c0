// Sweeps: one exec per point of a parameter grid. `--sweep seed=0..49` is an inclusive integer
// range, `--sweep lr=1e-3,1e-2` a list; given twice, the cartesian product (the first flag
// varies slowest). The points run with bounded concurrency, each in its own run directory under
// the sweep's, and the summary (summary.json, and a text table) answers "is this result
// seed-stable?" in one line with the spread (sweep-stats.ts), with a plot per metric (sweep-plot.ts).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { canonicalJson } from '../core/canonical-json.js';
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import type { RunRecord } from '../run-record/record.js';
import { defaultRunDir } from './defaults.js';
import { runExec, type ExecOptions } from './exec.js';
import { makeFreshDir } from './workdir.js';
import { pointMetrics, sweepSpread, type SweepSpread } from './sweep-stats.js';
import { metricSvg, plotFileName } from './sweep-plot.js';

export interface SweepAxis {
  name: string;
  values: string[];
}

/** Points at most one sweep may have: a typo in a range is an error, not a night of jobs. */
export const MAX_POINTS = 10_000;

/** `name=a..b` (integers, inclusive, either direction) or `name=v1,v2,...`. */
export function parseSweep(flag: string): SweepAxis {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw new ReproError('E_USAGE', `--sweep expects name=values, got ${JSON.stringify(flag)}`, { hint: 'e.g. --sweep seed=0..49 or --sweep lr=1e-3,1e-2', details: { value: flag } });
  const name = flag.slice(0, eq);
  const spec = flag.slice(eq + 1);
  const range = /^(-?\d+)\.\.(-?\d+)$/.exec(spec);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (Math.abs(b - a) + 1 > MAX_POINTS) throw new ReproError('E_USAGE', `--sweep ${name}=${spec} has ${Math.abs(b - a) + 1} values; a sweep has at most ${MAX_POINTS} points`, { details: { sweep: flag } });
    const step = a <= b ? 1 : -1;
    const values: string[] = [];
    for (let v = a; v !== b + step; v += step) values.push(String(v));
    return { name, values };
  }
  const values = spec.split(',');
  if (spec === '' || values.some((v) => v === '')) throw new ReproError('E_USAGE', `--sweep ${name}: empty value in ${JSON.stringify(spec)}`, { hint: 'List values separated by commas, or give a range a..b.', details: { sweep: flag } });
  return { name, values };
}

/** The cartesian product, first axis slowest, as ordered [name, value] pairs per point. */
export function sweepPoints(axes: readonly SweepAxis[]): Array<Array<[string, string]>> {
  const names = axes.map((a) => a.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new ReproError('E_USAGE', `--sweep ${dup} is given twice`, { hint: 'Give each parameter one --sweep; list all its values there.', details: { parameter: dup } });
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > MAX_POINTS) throw new ReproError('E_USAGE', `the sweep has ${total} points; at most ${MAX_POINTS}`, { details: { points: total } });
  let points: Array<Array<[string, string]>> = [[]];
  for (const axis of axes) points = points.flatMap((p) => axis.values.map((v) => [...p, [axis.name, v] as [string, string]]));
  return points;
}

/** The grid's points, refused when a swept parameter is also given with -P. */
export function sweepGrid(axes: readonly SweepAxis[], params: ReadonlyArray<[string, string]>): Array<Array<[string, string]>> {
  const points = sweepPoints(axes);
  const swept = new Set(axes.map((a) => a.name));
  const clash = params.find(([k]) => swept.has(k));
  if (clash) throw new ReproError('E_USAGE', `parameter ${clash[0]} is both swept and given with -P`, { hint: 'Drop one of them.', details: { parameter: clash[0] } });
  return points;
}

export interface SweepPointResult {
  index: number;
  parameters: Record<string, string>;
  runDir: string;
  exitCode: number | null;
  /** Why the point has no run record (it failed before its entry point ran). */
  error: { code: string; message: string } | null;
  breakingDrift: number | null;
  outputs: Record<string, string | null>;
  /** The numeric fields of its JSON outputs ("out/metrics.json:accuracy"), from the text its record kept. */
  metrics: Record<string, number>;
  reproduced: boolean | null;
  /** The machine the point ran on (the Slurm node; this host for the other backends). */
  node: string | null;
  /** The point's Slurm task: job, state as Slurm saw it and its reason (--backend slurm). */
  slurm: { jobId: string; task: number; state: string; reason: string | null } | null;
}

export interface SweepSummary {
  kind: 'repro-sweep';
  schemaVersion: 1;
  sweepId: string;
  axes: SweepAxis[];
  points: SweepPointResult[];
  /** Per declared output: how many distinct digests the points produced. */
  distinctOutputs: Record<string, number>;
  /** What varies across the points: each metric's mean, std, min, max, CV; each output's digests; the one-line answer. */
  spread: SweepSpread;
  /** The plot of each metric that has at least two points, beside summary.json (plots/NAME.svg), by metric. */
  plots: Record<string, string>;
  succeeded: number;
  failed: number;
}

export interface SweepOptions {
  exec: Omit<ExecOptions, 'runId' | 'out'>;
  axes: SweepAxis[];
  sweepId: string;
  /** The sweep's directory (default <cache>/runs/sweep-<id>). */
  out?: string;
  maxParallel: number;
}

export function pointResult(index: number, parameters: Record<string, string>, runDir: string, run: RunRecord | null, error: unknown, where: Pick<SweepPointResult, 'node' | 'slurm'> = { node: os.hostname(), slurm: null }): SweepPointResult {
  return {
    ...where,
    index,
    parameters,
    runDir,
    exitCode: run?.exitCode ?? null,
    error: run ? null : { code: (error as ReproError).code ?? 'E_INTERNAL', message: (error as Error).message },
    breakingDrift: run?.machine.drift?.breaking ?? null,
    outputs: Object.fromEntries((run?.outputs ?? []).map((o) => [o.path, o.sha256])),
    metrics: pointMetrics(run?.outputs ?? []),
    // A point not comparable with the reference (another value of a swept parameter) has no verdict.
    reproduced: run?.reproduced && run.reproduced.status !== 'not-comparable' ? run.reproduced.reproduced : null,
  };
}

export async function runSweep(options: SweepOptions, ctx: Context): Promise<SweepSummary & { dir: string }> {
  const points = sweepGrid(options.axes, options.exec.params);
  const dir = options.out ? path.resolve(ctx.cwd, options.out) : defaultRunDir(ctx.env, `sweep-${options.sweepId}`);
  await makeFreshDir(dir, 'sweep directory');
  const results: SweepPointResult[] = new Array(points.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < points.length; i = next++) {
      const point = points[i]!;
      const runDir = path.join(dir, String(i).padStart(String(points.length - 1).length, '0'));
      const parameters = Object.fromEntries(point);
      ctx.log.info(`sweep: point ${i + 1}/${points.length}: ${point.map(([k, v]) => `${k}=${v}`).join(' ')}`);
      try {
        const run = await runExec({ ...options.exec, params: [...options.exec.params, ...point], runId: `${options.sweepId}-${i}`, out: runDir }, ctx);
        results[i] = pointResult(i, parameters, runDir, run, null);
      } catch (err) {
        if (!(err instanceof ReproError)) throw err;
        results[i] = pointResult(i, parameters, runDir, null, err);
        ctx.log.warn(`sweep: point ${i + 1} failed before its entry point ran: ${err.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.maxParallel, points.length)) }, worker));
  const summary = await writePlots(dir, summarize(options.sweepId, options.axes, results));
  await writeFileAtomic(path.join(dir, 'summary.json'), canonicalJson(summary));
  return { ...summary, dir };
}

/** One SVG per metric with two or more points, into DIR/plots; their paths (relative to DIR) in the summary. */
export async function writePlots(dir: string, summary: SweepSummary): Promise<SweepSummary> {
  const plots: Record<string, string> = {};
  const taken = new Set<string>();
  for (const [metric, spread] of Object.entries(summary.spread.metrics)) {
    if (spread.points < 2) continue;
    const file = path.posix.join('plots', plotFileName(metric, taken));
    if (taken.size === 1) await fs.mkdir(path.join(dir, 'plots'), { recursive: true });
    const points = summary.points.map((p) => ({ label: Object.entries(p.parameters).map(([k, v]) => `${k}=${v}`).join(' ') || String(p.index), value: p.metrics[metric] ?? null }));
    await writeFileAtomic(path.join(dir, file), metricSvg(metric, points, spread));
    plots[metric] = file;
  }
  return { ...summary, plots };
}

/** The summary of a sweep's points: which failed, and how many distinct digests each output took. */
export function summarize(sweepId: string, axes: SweepAxis[], results: SweepPointResult[]): SweepSummary {
  const distinct: Record<string, Set<string | null>> = {};
  for (const r of results) for (const [p, d] of Object.entries(r.outputs)) (distinct[p] ??= new Set()).add(d);
  const failed = results.filter((r) => r.exitCode !== 0 || r.reproduced === false).length;
  return {
    kind: 'repro-sweep',
    schemaVersion: 1,
    sweepId,
    axes,
    points: results,
    distinctOutputs: Object.fromEntries(Object.entries(distinct).map(([p, s]) => [p, s.size])),
    spread: sweepSpread(results.filter((r) => r.exitCode === 0)),
    plots: {},
    succeeded: results.length - failed,
    failed,
  };
}

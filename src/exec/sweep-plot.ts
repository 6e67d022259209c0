// One SVG per metric of a sweep, written by repro with no browser or plotting library: a point
// per sweep point (x: its index, labelled with the swept values), the mean as a line and one
// standard deviation either side as a band, the min and max on the axis. Every text in it comes
// from the user's outputs and parameters, so it is escaped; the file holds no script, link or
// external reference.
import type { Spread } from './sweep-stats.js';

const W = 640;
const H = 320;
const PAD = { left: 72, right: 16, top: 36, bottom: 48 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? v.toPrecision(5) : v.toExponential(3));

/** The plot of one metric across the sweep's points, as SVG text. */
export function metricSvg(metric: string, points: ReadonlyArray<{ label: string; value: number | null }>, spread: Spread): string {
  const shown = points.map((p, i) => ({ ...p, i })).filter((p): p is { label: string; value: number; i: number } => p.value !== null);
  const lo = Math.min(spread.min, spread.mean - spread.std);
  const hi = Math.max(spread.max, spread.mean + spread.std);
  const span = hi - lo || Math.abs(hi) || 1;
  const y = (v: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - (v - (lo - span * 0.05)) / (span * 1.1));
  const x = (i: number) => PAD.left + (W - PAD.left - PAD.right) * (points.length === 1 ? 0.5 : i / (points.length - 1));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  parts.push(`<title>${esc(metric)}</title>`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${PAD.left}" y="20" font-size="13">${esc(metric)}: ${num(spread.mean)} ± ${num(spread.std)} over ${spread.points} points${spread.cv === null ? '' : ` (CV ${(spread.cv * 100).toPrecision(2)}%)`}</text>`);
  // the ±1 std band and the mean
  parts.push(`<rect x="${PAD.left}" y="${y(spread.mean + spread.std).toFixed(1)}" width="${W - PAD.left - PAD.right}" height="${Math.max(0.5, y(spread.mean - spread.std) - y(spread.mean + spread.std)).toFixed(1)}" fill="#4a90d9" fill-opacity="0.15"/>`);
  parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(spread.mean).toFixed(1)}" y2="${y(spread.mean).toFixed(1)}" stroke="#4a90d9" stroke-dasharray="4 3"/>`);
  // axes, with min and max
  parts.push(`<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#333"/>`);
  parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#333"/>`);
  for (const v of [spread.min, spread.max]) parts.push(`<text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${num(v)}</text>`);
  // one point per sweep point; a label under the first, the last, and every tenth
  for (const p of shown) parts.push(`<circle cx="${x(p.i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3.5" fill="#d9534f"><title>${esc(p.label)}: ${num(p.value)}</title></circle>`);
  const every = Math.max(1, Math.ceil(points.length / 10));
  points.forEach((p, i) => {
    if (i === 0 || i === points.length - 1 || i % every === 0) parts.push(`<text x="${x(i).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${esc(p.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** A file name for a metric's plot: its name with anything but letters, digits, dot, dash and underscore made "_" (and kept short). */
export function plotFileName(metric: string, taken: Set<string>): string {
  const base = metric.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 120) || 'metric';
  let name = `${base}.svg`;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}.svg`;
  taken.add(name);
  return name;
}

// Wheels unpacked four at once (issue 30: exec's locked environment lists and unpacks four wheels
// at a time on the unpack threads): wall time and peak RSS of repro's unpackWheel against unzip
// extracting the same four wheels at once (no hash checked: the floor), and, with
// BENCH_BASE_DIST, against another build's dist/ in the same rounds. The four largest wheels of
// .cache/wheelhouse (scripts/ml-venv.sh fills it); unpacked into BENCH_WORK.
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { timeShell } from './measure.mjs';

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];


export function runUnpackBench({ work, node, root, runs }) {
  const house = path.join(root, '.cache', 'wheelhouse');
  const wheels = readdirSync(house).filter((f) => f.endsWith('.whl')).map((f) => path.join(house, f)).sort((a, b) => statSync(b).size - statSync(a).size).slice(0, 4);
  if (wheels.length < 4) throw new Error(`${house} holds fewer than four wheels: run bash scripts/ml-venv.sh first`);
  const out = path.join(work, 'unpack');
  const child = path.join(root, 'bench', 'unpack-child.mjs');
  const base = process.env.BENCH_BASE_DIST;
  const baseName = process.env.BENCH_BASE_NAME ?? 'baseline';
  const L = { now: 'repro unpackWheel, four wheels at once', base: `repro unpackWheel, four wheels at once (before, ${baseName})`, unzip: 'unzip -q of the same four wheels at once' };
  const commands = [
    { label: L.now, script: `${q(node)} ${q(child)} ${q(path.join(root, 'dist'))} ${q(out)} ${wheels.map(q).join(' ')}` },
    ...(base ? [{ label: L.base, script: `${q(node)} ${q(child)} ${q(path.resolve(base))} ${q(out)} ${wheels.map(q).join(' ')}` }] : []),
    { label: L.unzip, script: `${wheels.map((w, i) => `unzip -q -o ${q(w)} -d ${q(path.join(out, String(i)))} &`).join(' ')} wait` },
  ];
  const seen = new Map(commands.map((c) => [c.label, []]));
  for (let round = 0; round < runs; round++) {
    for (const c of commands) {
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      seen.get(c.label).push(timeShell(c.script));
    }
  }
  rmSync(out, { recursive: true, force: true });
  const rows = commands.map((c) => ({ label: c.label, secs: median(seen.get(c.label).map((s) => s.secs)), rssMB: median(seen.get(c.label).map((s) => s.rssMB)) }));
  const by = Object.fromEntries(rows.map((r) => [r.label, r]));
  const checks = [[`repro's median peak RSS < 300 MB`, `${by[L.now].rssMB.toFixed(0)} MB`, by[L.now].rssMB < 300]];
  if (base) checks.push([`peak RSS now vs before (${baseName})`, `${by[L.base].rssMB.toFixed(0)} -> ${by[L.now].rssMB.toFixed(0)} MB; ${by[L.base].secs.toFixed(2)} s -> ${by[L.now].secs.toFixed(2)} s`, by[L.now].rssMB <= by[L.base].rssMB]);
  checks.push(['(context) repro, which checks every file against RECORD, vs unzip, which checks CRCs only', `${(by[L.now].secs / by[L.unzip].secs).toFixed(2)}x`, true]);
  return { rows, checks, wheels: wheels.map((w) => `${path.basename(w).split('-').slice(0, 2).join(' ')} (${(statSync(w).size / 2 ** 20).toFixed(1)} MiB)`) };
}

// Scale: a bundle of 100,000 small files and one of a 10 GiB sparse file, each built and
// verified, with peak RSS (GNU time) beside a 10x smaller control of the same shape. "Flat
// memory" means the peak does not grow with the input: the ratio large/small is reported and
// the check asks for under 1.5x (and every peak under 300 MB). Reference: GNU tar | sha256sum
// over the same tree in the same run, for the time.
//
// Entries are also compared with the same 256 MiB random file added to both projects. The
// 10,000-file control writes only ~12 MB of tar, which is over before the write pipeline
// (zstd frames in flight, the hash ring, buffers V8 has not yet collected) reaches its steady
// size, so the plain pair measures how full the pipeline got as much as how many entries there
// are. With the payload both builds run the pipeline full and only the entry count differs.
//   node bench/scale.mjs            (or BENCH_ONLY=scale npm run bench)
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { timeShell } from './measure.mjs';

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;


function manyFiles(dir, n) {
  if (existsSync(`${dir}.done`)) return; // made by an earlier run
  rmSync(dir, { recursive: true, force: true });
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, `d${String(Math.floor(i / 1000)).padStart(3, '0')}`);
    if (i % 1000 === 0) mkdirSync(sub, { recursive: true });
    const fd = openSync(path.join(sub, `f${i}.txt`), 'w');
    writeSync(fd, `file ${i}\n`);
    closeSync(fd);
  }
  closeSync(openSync(`${dir}.done`, 'w'));
}

/** A copy of `from` (hard links: no data copied) plus a random file of `bytes`, made once. */
function withPayload(from, dir, bytes) {
  if (existsSync(`${dir}.done`)) return;
  rmSync(dir, { recursive: true, force: true });
  const cp = spawnSync('cp', ['-al', from, dir]);
  if (cp.status !== 0) throw new Error(`cp -al ${from} ${dir} failed: ${cp.stderr}`);
  const fd = openSync(path.join(dir, 'payload.bin'), 'w');
  for (let left = bytes; left > 0; left -= 1 << 20) writeSync(fd, randomBytes(Math.min(left, 1 << 20)));
  closeSync(fd);
  closeSync(openSync(`${dir}.done`, 'w'));
}

function sparse(dir, bytes) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'weights.bin');
  const fd = openSync(file, 'w');
  ftruncateSync(fd, bytes);
  writeSync(fd, Buffer.from('header\n'), 0, 7, 0); // a few real bytes, the rest a hole
  closeSync(fd);
}

function buildAndVerify({ node, cli, project, out, env, floor: withFloor = true }) {
  rmSync(out, { recursive: true, force: true });
  rmSync(path.join(project, '.repro'), { recursive: true, force: true }); // no hash cache: every file is hashed
  const build = timeShell(`${q(node)} ${q(cli)} build ${q(project)} -o ${q(out)} --no-lock --no-progress`, { cwd: project, env });
  const bundle = path.join(out, readdirSync(out).find((f) => f.endsWith('.repro.tar.zst')));
  const verify = timeShell(`${q(node)} ${q(cli)} verify ${q(bundle)} --no-progress`, { cwd: project, env });
  const floor = withFloor ? timeShell(`tar -cf - -C ${q(project)} . | sha256sum`, { cwd: project }) : null;
  rmSync(out, { recursive: true, force: true });
  return { build, verify, floor };
}

export function runScaleBench({ work, node, cli }) {
  const root = path.join(work, 'scale');
  mkdirSync(root, { recursive: true });
  const cases = [
    ['100,000 files', () => (manyFiles(path.join(root, 'files-100k'), 100_000), path.join(root, 'files-100k'))],
    ['10,000 files (control)', () => (manyFiles(path.join(root, 'files-10k'), 10_000), path.join(root, 'files-10k'))],
    ['10 GiB sparse file', () => (sparse(path.join(root, 'sparse-10g'), 10 * 2 ** 30), path.join(root, 'sparse-10g'))],
    ['1 GiB sparse file (control)', () => (sparse(path.join(root, 'sparse-1g'), 2 ** 30), path.join(root, 'sparse-1g'))],
    ['100,000 files + 256 MiB random file', () => (withPayload(path.join(root, 'files-100k'), path.join(root, 'files-100k-payload'), 256 * 2 ** 20), path.join(root, 'files-100k-payload'))],
    ['10,000 files + 256 MiB random file (control)', () => (withPayload(path.join(root, 'files-10k'), path.join(root, 'files-10k-payload'), 256 * 2 ** 20), path.join(root, 'files-10k-payload'))],
  ];
  const rows = [];
  const by = {};
  for (const [label, make] of cases) {
    const project = make();
    for (const f of ['.repro', 'repro.lock']) rmSync(path.join(project, f), { recursive: true, force: true });
    const r = buildAndVerify({ node, cli, project, out: path.join(root, 'out') });
    by[label] = r;
    rows.push({ label: `repro build, ${label}`, ...r.build });
    rows.push({ label: `repro verify, ${label}`, ...r.verify });
    rows.push({ label: `reference: tar -cf - | sha256sum, ${label}`, ...r.floor });
  }
  // Reference in the same run: the 100,000-file case with V8's own young-generation growth
  // (REPRO_V8_YOUNG_GROWTH=default), which repro bounds at start-up (src/cli/process.ts).
  const reference = buildAndVerify({ node, cli, project: path.join(root, 'files-100k'), out: path.join(root, 'out'), env: { REPRO_V8_YOUNG_GROWTH: 'default' } });
  rows.push({ label: 'reference: repro build, 100,000 files, V8 default young-generation growth', ...reference.build });
  rows.push({ label: 'reference: repro verify, 100,000 files, V8 default young-generation growth', ...reference.verify });
  // And with REPRO_MALLOC=lean (src/cli/malloc.ts): a fixed glibc mmap threshold, off by default.
  const lean = buildAndVerify({ node, cli, project: path.join(root, 'sparse-10g'), out: path.join(root, 'out'), env: { REPRO_MALLOC: 'lean' }, floor: false });
  rows.push({ label: 'reference: repro build, 10 GiB sparse file, REPRO_MALLOC=lean', ...lean.build });
  rows.push({ label: 'reference: repro verify, 10 GiB sparse file, REPRO_MALLOC=lean', ...lean.verify });
  const flat = (big, small, step) => by[big][step].rssMB / by[small][step].rssMB;
  const checks = [];
  const pairs = [
    ['100,000 files + 256 MiB random file', '10,000 files + 256 MiB random file (control)', 'entries'],
    ['10 GiB sparse file', '1 GiB sparse file (control)', 'bytes'],
  ];
  for (const [big, small, what] of pairs) {
    for (const step of ['build', 'verify']) {
      const ratio = flat(big, small, step);
      checks.push([`${step} ${big}: peak RSS flat in ${what} (under 1.5x the 10x smaller control) and under 300 MB`, `${by[big][step].rssMB.toFixed(0)} MB (${ratio.toFixed(2)}x)`, ratio < 1.5 && by[big][step].rssMB < 300]);
    }
  }
  for (const step of ['build', 'verify']) {
    const big = by['100,000 files'][step].rssMB;
    checks.push([`${step} 100,000 files: peak RSS under 300 MB`, `${big.toFixed(0)} MB`, big < 300]);
    // Reported, not checked: see the note at the top on why this pair is not like for like.
    checks.push([`(for reference) ${step} 100,000 vs 10,000 files, no payload: peak RSS ratio`, `${flat('100,000 files', '10,000 files (control)', step).toFixed(2)}x`, true]);
  }
  const perEntry = ((by['100,000 files + 256 MiB random file'].build.rssMB - by['10,000 files + 256 MiB random file (control)'].build.rssMB) * 2 ** 20) / 90_000;
  checks.push(['(for reference) build: peak RSS added per entry, 10,000 -> 100,000 files, same payload', `${perEntry.toFixed(0)} bytes`, true]);
  return { rows, checks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const res = runScaleBench({ work: path.join(here, 'out'), node: process.execPath, cli: path.join(here, '..', 'dist', 'cli', 'bin.js') });
  for (const r of res.rows) console.log(`${r.secs.toFixed(2).padStart(8)} s ${r.rssMB.toFixed(0).padStart(5)} MB  ${r.label}`);
  for (const c of res.checks) console.log(c.join(' | '));
}

// npm run bench: repro against reference tools, in the same run, on the same data.
// Prints a table and records it in bench/RESULTS.md (latest first, one section per bench). Each command runs 3 times after a warm-up
// read of the corpus; the median wall time and the peak RSS (GNU time) are reported.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus.mjs';
import { runSnapshotBench } from './snapshot.mjs';
import { runExecBench } from './exec.mjs';
import { runScaleBench } from './scale.mjs';
import { recordResults } from './results.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(root, 'bench', 'out');
const cli = path.join(root, 'dist', 'cli', 'bin.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function timed(label, script) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', 'bash', '-c', `${script} >/dev/null`], { encoding: 'utf8', cwd: work });
    if (r.status !== 0) throw new Error(`${label} failed: ${r.stderr}`);
    const [secs, kb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    samples.push({ secs, rssMB: kb / 1024 });
  }
  samples.sort((a, b) => a.secs - b.secs);
  const median = samples[Math.floor(samples.length / 2)];
  return { label, secs: median.secs, rssMB: Math.max(...samples.map((s) => s.rssMB)) };
}

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

function table(title, note, res) {
  return [
    `## ${title} — ${new Date().toISOString().slice(0, 10)}`,
    '',
    note,
    '',
    '| command | wall s | peak RSS MB |',
    '| --- | ---: | ---: |',
    ...res.rows.map((r) => `| ${r.label.replace(/\|/g, '\\|')} | ${r.secs.toFixed(r.secs < 1 ? 3 : 2)} | ${r.rssMB === undefined ? '' : r.rssMB.toFixed(0)} |`),
    '',
    '| target | measured | met |',
    '| --- | ---: | :---: |',
    ...res.checks.map(([t, m, ok]) => `| ${t.replace(/\|/g, '\\|')} | ${m} | ${ok ? 'yes' : 'NO'} |`),
    '',
  ];
}

/** Prints each section and, unless BENCH_NO_RECORD=1, puts it at the top of RESULTS.md in place of its bench's last run. */
function record(sections) {
  for (const s of sections) console.log(s.lines.join('\n'));
  if (process.env.BENCH_NO_RECORD !== '1') recordResults(path.join(root, 'bench', 'RESULTS.md'), sections);
}

async function main() {
  if (process.env.BENCH_ONLY === 'exec') {
    mkdirSync(work, { recursive: true });
    record([{ bench: 'exec', lines: table('exec', 'Second exec of a cached bundle; medians of 9, exec and bare runs interleaved.', runExecBench({ work, node: process.execPath, cli })) }]);
    return;
  }
  if (process.env.BENCH_ONLY === 'scale') {
    mkdirSync(work, { recursive: true });
    record([{ bench: 'scale', lines: table('scale: 100,000 files and a 10 GiB sparse file', 'One run each; peak RSS from GNU time. Controls are 10x smaller inputs of the same shape.', runScaleBench({ work, node: process.execPath, cli })) }]);
    return;
  }
  if (process.env.BENCH_ONLY === 'snapshot') {
    mkdirSync(work, { recursive: true });
    const corpus = await ensureCorpus(path.join(work, 'corpus'));
    const snap = runSnapshotBench({ work, node: process.execPath, cli, corpus });
    console.log(snap.rows.map((r) => `${r.label}: ${r.secs.toFixed(3)}`).join('\n'));
    console.log(snap.checks.map((c) => c.join(' | ')).join('\n'));
    return;
  }
  mkdirSync(work, { recursive: true });
  const corpus = await ensureCorpus(path.join(work, 'corpus'));
  execFileSync('bash', ['-c', `find ${q(corpus)} -type f -exec cat {} + > /dev/null`]);
  const out = path.join(work, 'bundles');
  rmSync(out, { recursive: true, force: true });
  const node = process.execPath;
  const rows = [];
  rows.push(timed('floor: tar -cf - | sha256sum', `tar -cf - -C ${q(corpus)} . | sha256sum`));
  rows.push(timed('GNU tar reproducible recipe | gzip -n', `tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -cf - -C ${q(corpus)} . | gzip -n`));
  rows.push(timed('repro build (zstd, default)', `${q(node)} ${q(cli)} build ${q(corpus)} -o ${q(out)} --no-lock --no-progress`));
  const bundle = path.join(out, readdirSync(out).find((f) => f.endsWith('.repro.tar.zst')));
  rows.push(timed('repro build --compression gzip', `${q(node)} ${q(cli)} build ${q(corpus)} -o ${q(out)} --no-lock --no-progress --compression gzip`));
  rows.push(timed('repro verify (zstd bundle)', `${q(node)} ${q(cli)} verify ${q(bundle)} --no-progress`));
  rows.push(timed('floor for verify: zstd -dc | sha256sum', `zstd -dc ${q(bundle)} | sha256sum`));

  const by = Object.fromEntries(rows.map((r) => [r.label, r]));
  const floor = by['floor: tar -cf - | sha256sum'].secs;
  const gnu = by['GNU tar reproducible recipe | gzip -n'].secs;
  const build = by['repro build (zstd, default)'].secs;
  const verify = by['repro verify (zstd bundle)'].secs;
  const checks = [
    [`repro build >= 5x faster than the GNU recipe`, `${(gnu / build).toFixed(1)}x`, gnu / build >= 5],
    [`repro build within 2x of the floor`, `${(build / floor).toFixed(2)}x`, build / floor <= 2],
    [`repro build peak RSS < 300 MB`, `${by['repro build (zstd, default)'].rssMB.toFixed(0)} MB`, by['repro build (zstd, default)'].rssMB < 300],
    [`repro verify within 1.5x of the floor (tar | sha256sum)`, `${(verify / floor).toFixed(2)}x`, verify / floor <= 1.5],
  ];
  const size = (f) => (statSync(f).size / 2 ** 20).toFixed(0);
  const sections = [{ bench: 'bundle', lines: [
    `## bundle build/verify — ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}; Node ${process.versions.node}.`,
    `Corpus: 5,000 Python files in 50 folders + 128 MB CSV + 128 MB random binary (seeded); bundle ${size(bundle)} MiB (zstd-3). Median of ${RUNS} runs, page cache warm.`,
    '',
    '| command | wall s | peak RSS MB |',
    '| --- | ---: | ---: |',
    ...rows.map((r) => `| ${r.label.replace(/\|/g, '\\|')} | ${r.secs.toFixed(2)} | ${r.rssMB.toFixed(0)} |`),
    '',
    '| target | measured | met |',
    '| --- | ---: | :---: |',
    ...checks.map(([t, m, ok]) => `| ${t.replace(/\|/g, '\\|')} | ${m} | ${ok ? 'yes' : 'NO'} |`),
    '',
  ] }];
  if (process.env.BENCH_ONLY !== 'bundle') {
    const snap = runSnapshotBench({ work, node, cli, corpus });
    sections.push({ bench: 'snapshot', lines: [
      `## snapshot — ${new Date().toISOString().slice(0, 10)}`,
      '',
      'Same machine and run. Median of 5 runs (3 for data hashing); data-probe times are the probe\'s own duration from the snapshot context.',
      '',
      '| command | wall s |',
      '| --- | ---: |',
      ...snap.rows.map((r) => `| ${r.label.replace(/\|/g, '\\|')} | ${r.secs.toFixed(3)} |`),
      '',
      '| target | measured | met |',
      '| --- | ---: | :---: |',
      ...snap.checks.map(([t, m, ok]) => `| ${t.replace(/\|/g, '\\|')} | ${m} | ${ok ? 'yes' : 'NO'} |`),
      '',
    ] });
  }
  if (process.env.BENCH_ONLY !== 'bundle') {
    const ex = runExecBench({ work, node, cli });
    sections.push({ bench: 'exec', lines: [
      `## exec — ${new Date().toISOString().slice(0, 10)}`,
      '',
      'Same machine and run; medians of 9, exec and bare runs interleaved.',
      '',
      '| command | wall s |',
      '| --- | ---: |',
      ...ex.rows.map((r) => `| ${r.label} | ${r.secs.toFixed(3)} |`),
      '',
      '| target | measured | met |',
      '| --- | ---: | :---: |',
      ...ex.checks.map(([t, m, ok]) => `| ${t} | ${m} | ${ok ? 'yes' : 'NO'} |`),
      '',
    ] });
  }
  record(sections);
}

await main();

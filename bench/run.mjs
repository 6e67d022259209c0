// npm run bench: repro against reference tools, in the same run, on the same data.
// Prints a table and records it in bench/RESULTS.md (latest first, one section per bench). Each command runs 3 times after a warm-up
// read of the corpus; the median wall time and the peak RSS (GNU time) are reported.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus.mjs';
import { runSnapshotBench } from './snapshot.mjs';
import { runExecBench } from './exec.mjs';
import { runScaleBench } from './scale.mjs';
import { recordResults } from './results.mjs';
import { runBundleBench } from './bundle.mjs';
import { locksTable, runLocksBench } from './locks.mjs';
import { runRegistryBench } from './registry.mjs';
import { runSlurmBench } from './slurm.mjs';
import { runEnvBench } from './env.mjs';
import { runVerifyBench } from './verify-run.mjs';
import { runUnpackBench } from './unpack.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// BENCH_WORK puts the corpora and outputs elsewhere (a tmpfs: the disk's state out of the figures).
const work = process.env.BENCH_WORK ? path.resolve(process.env.BENCH_WORK) : path.join(root, 'bench', 'out');
const cli = path.join(root, 'dist', 'cli', 'bin.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

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

const pendingSections = [];

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
  if (process.env.BENCH_ONLY === 'registry') {
    mkdirSync(work, { recursive: true });
    const res = runRegistryBench({ work, node: process.execPath, cli });
    record([{ bench: 'registry', lines: table('registry: push and pull of a 1 GiB bundle against curl', `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}; Node ${process.versions.node}; Debian's docker-registry on 127.0.0.1:5000 (filesystem storage). Bundle ${(res.size / 2 ** 30).toFixed(2)} GiB (1 GiB of random bytes). Best of ${process.env.BENCH_RUNS ?? 2} rounds, fresh repositories each round (every push uploads), pulls into an empty cache; downloads (repro's cache, curl's file) land on /dev/shm, out of the disk's state. bench/registry.mjs.`, res) }]);
    return;
  }
  if (process.env.BENCH_ONLY === 'slurm') {
    mkdirSync(work, { recursive: true });
    const res = await runSlurmBench({ work, node: process.execPath, cli, root });
    record([{ bench: 'slurm', lines: table('slurm: a 50-point sweep against 50 bare sbatch --wait', `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}; Node ${process.versions.node}; Slurm 22.05 (Debian), one node on loopback with ${res.cpus} CPU slots (scripts/slurm-test-env.sh). Best of ${process.env.BENCH_RUNS ?? 2} rounds. bench/slurm.mjs.`, res) }]);
    return;
  }
  if (process.env.BENCH_ONLY === 'verify') {
    mkdirSync(work, { recursive: true });
    const res = runVerifyBench({ work, node: process.execPath, cli, runs: RUNS });
    record([{ bench: 'verify', lines: table('exec --verify: the overhead per extra run and the bisection', `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}; Node ${process.versions.node}. Local backend in bubblewrap, Debian's python3, a cached bundle. Medians of ${RUNS} (${RUNS} × --runs 2 and --runs 12 interleaved, with ${RUNS * 3} bare runs of the entry point). bench/verify-run.mjs.`, res) }]);
    return;
  }
  if (process.env.BENCH_ONLY === 'env') {
    mkdirSync(work, { recursive: true });
    const res = await runEnvBench({ work, node: process.execPath, cli, root, runs: RUNS });
    record([{ bench: 'env', lines: table('the locked environment: build --vendor and exec against pip and uv', `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}; Node ${process.versions.node}. The pinned ML tools' ${res.wheels} wheels (${(res.bytes / 2 ** 20).toFixed(0)} MiB: numpy, matplotlib, mlflow-skinny, uv, ...) from .cache/wheelhouse, served by python3 -m http.server on 127.0.0.1, locked by hash; Debian's python3 (pip 23.0.1) makes repro's environments; uv 0.13.9. Median of ${RUNS}. bench/env.mjs.`, res) }]);
    return;
  }
  if (process.env.BENCH_ONLY === 'unpack') {
    mkdirSync(work, { recursive: true });
    const res = runUnpackBench({ work, node: process.execPath, root, runs: RUNS });
    record([{ bench: 'unpack', lines: table('wheels unpacked four at once: peak memory and time', `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}; Node ${process.versions.node}. ${res.wheels.join(', ')} from .cache/wheelhouse, unpacked at once into ${work}${process.env.BENCH_WORK ? ' (BENCH_WORK)' : ''}. Median of ${RUNS}, commands alternating within each round; peak RSS from GNU time. bench/unpack.mjs.`, res) }]);
    return;
  }
  if (process.env.BENCH_ONLY === 'locks' || process.env.BENCH_ONLY === undefined) {
    mkdirSync(work, { recursive: true });
    const res = runLocksBench({ work, node: process.execPath, cli, shared: path.resolve(root, '..', 'shared') });
    const lines = [
      `## lockfiles in a snapshot: the ${res.rows.length} real lockfiles — ${new Date().toISOString().slice(0, 10)}`,
      '',
      `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}; Node ${process.versions.node}. Median of 3 \`repro snapshot DIR --no-import\` per lockfile of ../shared/real-locks; the lockfile probe's own time from the snapshot's context (it runs alongside the other probes); python3 parsing the same file (json, tomllib, PyYAML's C loader) as the reference. bench/locks.mjs.`,
      '',
      'Before issue 15 (measured on an Intel Xeon machine, not necessarily this one; the YAML locks through the yaml package, findLockfiles alone): conda-lock-clay 434 ms, yarn-berry-jest 348 ms, yarn-berry-babel 243 ms, pnpm-v9-vite 242 ms. js-yaml\'s failsafe load took those to 97, 64, 47 and 41 ms.',
      '',
      ...locksTable(res),
      '',
      '| target | measured | met |',
      '| --- | ---: | :---: |',
      ...res.checks.map(([t, m, ok]) => `| ${t} | ${m} | ${ok ? 'yes' : 'NO'} |`),
      '',
    ];
    if (process.env.BENCH_ONLY === 'locks') {
      record([{ bench: 'locks', lines }]);
      return;
    }
    pendingSections.push({ bench: 'locks', lines });
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
  const node = process.execPath;
  // BENCH_SHAPES=mixed,small picks shapes (default: all five, the real repository included).
  const shapes = process.env.BENCH_SHAPES ? process.env.BENCH_SHAPES.split(',') : undefined;
  const bundle = runBundleBench({ work, node, cli, runs: RUNS, shapes });
  const sections = [{ bench: 'bundle', lines: table(
    'bundle build/verify against the native pipeline',
    [
      `Machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}; Node ${process.versions.node} (libzstd ${process.versions.zstd}); system zstd ${execFileSync('zstd', ['-V'], { encoding: 'utf8' }).match(/v[\d.]+/)?.[0] ?? '?'}.`,
      `Best of ${RUNS} runs, commands alternating within each round; page cache warm; repro's hash cache warm except in the "first build" rows; corpora and outputs in ${work}${process.env.BENCH_WORK ? ' (BENCH_WORK)' : ''}. bench/bundle.mjs, bench/shapes.mjs.`,
      '',
      ...bundle.notes.map((n) => `- ${n}`),
    ].join('\n'),
    bundle,
  ) }];
  if (process.env.BENCH_ONLY !== 'bundle') {
    const corpus = await ensureCorpus(path.join(work, 'corpus'));
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
  record([...pendingSections, ...sections]);
}

await main();

// The reference corpus from DESIGN.md, generated from a seed: 5,000 Python source files of
// 20-200 lines in 50 folders, one 128 MB CSV and one 128 MB random binary. Cached: a marker
// file records the seed and sizes, and a corpus that matches is reused.
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const SEED = 20261122;
const MB = 1 << 20;

/** xorshift32: small, fast and the same everywhere. */
export function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const WORDS = ['model', 'data', 'loss', 'batch', 'epoch', 'train', 'eval', 'tensor', 'layer', 'optim', 'grad', 'seed', 'config', 'metric', 'score'];

function pythonFile(next, lines) {
  const out = ['import numpy as np', ''];
  for (let i = 2; i < lines; i++) {
    const w = WORDS[next() % WORDS.length];
    const v = WORDS[next() % WORDS.length];
    out.push(i % 10 === 2 ? `def ${w}_${i}(${v}, n=${next() % 100}):` : `    ${w}_${i % 7} = np.${v === 'seed' ? 'zeros' : 'ones'}(${next() % 512}) * ${(next() % 1000) / 10}`);
  }
  return out.join('\n') + '\n';
}

async function writeStreamed(file, totalBytes, makeChunk) {
  const ws = createWriteStream(file);
  let written = 0;
  while (written < totalBytes) {
    const chunk = makeChunk(Math.min(MB, totalBytes - written));
    written += chunk.length;
    if (!ws.write(chunk)) await new Promise((r) => ws.once('drain', r));
  }
  await new Promise((r, j) => ws.end((e) => (e ? j(e) : r())));
}

export async function ensureCorpus(dir, { pyFiles = 5000, folders = 50, csvMB = 128, binMB = 128 } = {}) {
  const marker = path.join(dir, '.corpus.json');
  const want = JSON.stringify({ SEED, pyFiles, folders, csvMB, binMB });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === want) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const next = rng(SEED);
  for (let i = 0; i < pyFiles; i++) {
    const folder = path.join(dir, 'src', `pkg_${String(i % folders).padStart(2, '0')}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `mod_${String(i).padStart(4, '0')}.py`), pythonFile(next, 20 + (next() % 181)));
  }
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  let row = 0;
  let pending = '';
  await writeStreamed(path.join(dir, 'data', 'train.csv'), csvMB * MB, (n) => {
    while (pending.length < n) pending += `${row++},${next() % 100000},${(next() % 10000) / 100},${WORDS[next() % WORDS.length]}\n`;
    const chunk = Buffer.from(pending.slice(0, n));
    pending = pending.slice(n);
    return chunk;
  });
  await writeStreamed(path.join(dir, 'data', 'weights.bin'), binMB * MB, (n) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i + 4 <= n; i += 4) b.writeUInt32LE(next(), i);
    return b;
  });
  writeFileSync(marker, want);
  return dir;
}

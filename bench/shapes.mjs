// The corpus shapes of the bundle bench (issue 14), generated from a seed and cached: a marker
// file records the shape, and a directory that matches is reused.
//   mixed: 2,000 Python files in 40 folders, a 1.5M-line CSV and 64 MiB of random bytes (~113 MB)
//   small: 20,000 files of ~1 KB in 200 folders
//   many:  100,000 files of ~1 KB in 1,000 folders
//   big:   one 1 GiB file of random bytes
//   transformers: a real ML repository, huggingface/transformers 4.46.3 as released (the sdist
//          on PyPI, pinned by sha256: 1,871 files), committed to a fresh git repository so the
//          build selects files the way it does in a clone
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { rng } from './corpus.mjs';

const SEED = 20261128;

const WORDS = ['model', 'data', 'loss', 'batch', 'epoch', 'train', 'eval', 'tensor', 'layer', 'optim'];

function source(next, lines) {
  const out = ['import numpy as np', ''];
  for (let i = 2; i < lines; i++) out.push(`    ${WORDS[next() % WORDS.length]}_${i} = np.ones(${next() % 512}) * ${(next() % 1000) / 10}`);
  return `${out.join('\n')}\n`;
}

function randomFile(file, bytes, next) {
  const fd = openSync(file, 'w');
  const chunk = Buffer.allocUnsafe(1 << 20);
  for (let done = 0; done < bytes; done += chunk.length) {
    for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE(next(), i);
    writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - done));
  }
  closeSync(fd);
}

function smallFiles(dir, count, folders, next) {
  for (let i = 0; i < count; i++) {
    const folder = path.join(dir, `d${String(i % folders).padStart(4, '0')}`);
    if (i < folders) mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `f${i}.py`), source(next, 14).slice(0, 700 + (next() % 600)));
  }
}

const MAKERS = {
  mixed(dir, next) {
    for (let i = 0; i < 2000; i++) {
      const folder = path.join(dir, 'src', `pkg${i % 40}`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(path.join(folder, `m${i}.py`), source(next, 20 + (next() % 100)));
    }
    mkdirSync(path.join(dir, 'data'), { recursive: true });
    const fd = openSync(path.join(dir, 'data', 'train.csv'), 'w');
    for (let block = 0; block < 150; block++) {
      let text = '';
      for (let i = 0; i < 10_000; i++) text += `${block * 10_000 + i},${next() % 1000},${(next() % 100_000) / 1000},class${i % 3}\n`;
      writeSync(fd, text);
    }
    closeSync(fd);
    randomFile(path.join(dir, 'data', 'weights.bin'), 64 << 20, next);
    writeFileSync(path.join(dir, 'train.py'), 'print(1)\n');
  },
  small: (dir, next) => smallFiles(dir, 20_000, 200, next),
  many: (dir, next) => smallFiles(dir, 100_000, 1000, next),
  big: (dir, next) => randomFile(path.join(dir, 'weights.bin'), 1 << 30, next),
  transformers: (dir) => realRepository(dir, TRANSFORMERS),
};

const TRANSFORMERS = {
  url: 'https://files.pythonhosted.org/packages/37/5a/58f96c83e566f907ae39f16d4401bbefd8bb85c60bd1e6a95c419752ab90/transformers-4.46.3.tar.gz',
  sha256: '8ee4b3ae943fe33e82afff8e837f4b052058b07ca9be3cb5b729ed31295f72cc',
  top: 'transformers-4.46.3',
};

/** Downloads (once, checked by hash) and unpacks a release, then commits it to a new git repository. */
function realRepository(dir, release) {
  const cache = path.join(path.dirname(dir), path.basename(release.url));
  if (!existsSync(cache)) {
    execFileSync('curl', ['-fsSL', '--retry', '3', '-o', `${cache}.part`, release.url], { stdio: 'inherit' });
    renameSync(`${cache}.part`, cache);
  }
  const got = createHash('sha256').update(readFileSync(cache)).digest('hex');
  if (got !== release.sha256) throw new Error(`${cache}: sha256 ${got}, expected ${release.sha256}`);
  execFileSync('tar', ['-xzf', cache, '-C', dir, '--strip-components=1', release.top]);
  const git = (...args) => execFileSync('git', ['-C', dir, ...args], { env: { ...process.env, GIT_AUTHOR_DATE: '2024-11-18T00:00:00Z', GIT_COMMITTER_DATE: '2024-11-18T00:00:00Z' }, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', 'commit', '-q', '-m', release.top);
}

export const SHAPES = {
  mixed: '2,000 source files + 1.5M-line CSV + 64 MiB random (~113 MB)',
  small: '20,000 files of ~1 KB',
  many: '100,000 files of ~1 KB',
  big: 'one 1 GiB random file',
  transformers: 'huggingface/transformers 4.46.3 (the PyPI sdist, 1,871 files, in a fresh git repository)',
};

/** The corpus directory of a shape under `root`, made if missing or different. */
export function ensureShape(root, shape) {
  const dir = path.join(root, `shape-${shape}`);
  const marker = path.join(root, `shape-${shape}.json`);
  const want = JSON.stringify({ SEED, shape, v: 1 });
  if (!(existsSync(marker) && readFileSync(marker, 'utf8') === want)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    MAKERS[shape](dir, rng(SEED));
    writeFileSync(marker, want);
  }
  nameShape(dir, shape);
  return dir;
}

/**
 * A project needs a name of its own for build --verify (one named after its folder differs
 * from its copy): a pyproject.toml for the synthetic shapes, the upstream remote for a real one.
 */
function nameShape(dir, shape) {
  if (shape === 'transformers') {
    const remote = spawnSync('git', ['-C', dir, 'remote', 'get-url', 'origin'], { encoding: 'utf8' });
    if (remote.status !== 0) execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', 'https://github.com/huggingface/transformers.git']);
    return;
  }
  const file = path.join(dir, 'pyproject.toml');
  if (!existsSync(file)) writeFileSync(file, `[project]\nname = "bench-${shape}"\nversion = "1.0.0"\n`);
}

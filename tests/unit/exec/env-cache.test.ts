// The cached environment folder's reuse check (src/exec/env-cache.ts) on real temp dirs: made
// once, checked in full until a check finds every file older than two seconds, then checked by
// its stat digest alone; any change the stat shows sends it back to the full check, which makes
// it again when the content changed and keeps the new stat when only the mtime did.
import { existsSync, promises as fs, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../../src/core/context.js';
import { cachedTree, statDigest, treeDigest } from '../../../src/exec/env-cache.js';
import { tempDir, writeTree } from '../../helpers/project.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const HOUR_AGO = (Date.now() - 3600_000) / 1000;

/** A cache root whose environment is a small tree (a venv's shape), with a make that counts its calls. */
function fixture() {
  const root = tempDir();
  const warnings: string[] = [];
  let makes = 0;
  const log: Logger = { ...silentLogger, warn: (m: string) => void warnings.push(m) };
  const request = {
    root,
    digest: DIGEST,
    schema: 1,
    record: { lock: 'requirements.lock.txt' },
    what: 'the test environment',
    make: async (dir: string) => {
      makes++;
      await fs.rm(dir, { recursive: true, force: true }); // as the real makers do: the folder emptied first
      await writeTree(dir, { 'bin/python': { symlink: '/usr/bin/python3' }, 'lib/site/pkg/__init__.py': 'x = 1\n', 'lib/site/pkg/data.bin': Buffer.alloc(4096, 7), 'pyvenv.cfg': 'home = /usr/bin\n' });
      return {};
    },
    log,
    nowMs: () => Date.now(),
  };
  const dir = path.join(root, 'a'.repeat(64));
  const statFile = path.join(root, `${'a'.repeat(64)}.stat`);
  const hashRoot = path.join(root, `${'a'.repeat(64)}.hashes`);
  /** Every file and folder's mtime an hour back: no longer too recent to trust. */
  const age = async () => {
    const walk = async (d: string) => {
      for (const e of await fs.readdir(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) await walk(p);
        if (!e.isSymbolicLink()) utimesSync(p, HOUR_AGO, HOUR_AGO);
      }
    };
    await walk(dir);
  };
  return { request, dir, statFile, hashRoot, warnings, makes: () => makes, age };
}

describe('cachedTree: the reuse check', () => {
  it('keeps no stat digest while its files are too recent, keeps one after a full check of an older tree, and then needs no hash cache', async () => {
    const f = fixture();
    expect(await cachedTree(f.request)).toEqual({ dir: f.dir, reused: false });
    // Just made: reused, checked in full, but its mtimes are too recent to be trusted by stat alone.
    expect(await cachedTree(f.request)).toEqual({ dir: f.dir, reused: true });
    expect(existsSync(f.statFile)).toBe(false);
    await f.age();
    expect(await cachedTree(f.request)).toEqual({ dir: f.dir, reused: true });
    expect(readFileSync(f.statFile, 'utf8')).toBe((await statDigest(f.dir)));
    // From now on the stat digest decides: the full check's hash cache is not even read.
    await fs.rm(f.hashRoot, { recursive: true });
    expect(await cachedTree(f.request)).toEqual({ dir: f.dir, reused: true });
    expect(existsSync(f.hashRoot)).toBe(false);
    expect(f.makes()).toBe(1);
    expect(f.warnings).toEqual([]);
  });

  it('attack: a file changed after the stat digest was kept is noticed (full check) and the environment made again', async () => {
    const f = fixture();
    await cachedTree(f.request);
    await f.age();
    await cachedTree(f.request);
    expect(existsSync(f.statFile)).toBe(true);
    await fs.writeFile(path.join(f.dir, 'lib/site/pkg/__init__.py'), 'x = 2\n');
    expect(await cachedTree(f.request)).toEqual({ dir: f.dir, reused: false });
    expect(f.makes()).toBe(2);
    expect(f.warnings.join('\n')).toMatch(/the test environment .* changed since it was made .*: made again/);
    // The remade tree's stat is not the old one's: no stat digest until a full check keeps one.
    expect(existsSync(f.statFile)).toBe(false);
    expect(readFileSync(path.join(f.dir, 'lib/site/pkg/__init__.py'), 'utf8')).toBe('x = 1\n');
  });

  it('attack: a file added, or a symlink pointed elsewhere, after the stat digest was kept is noticed', async () => {
    for (const alter of [
      (dir: string) => fs.writeFile(path.join(dir, 'lib/site/pkg/planted.pth'), 'import os\n'),
      async (dir: string) => {
        await fs.rm(path.join(dir, 'bin/python'));
        await fs.symlink('/tmp/evil', path.join(dir, 'bin/python'));
      },
      (dir: string) => fs.chmod(path.join(dir, 'lib/site/pkg/data.bin'), 0o777),
    ]) {
      const f = fixture();
      await cachedTree(f.request);
      await f.age();
      await cachedTree(f.request);
      const kept = readFileSync(f.statFile, 'utf8');
      await alter(f.dir);
      expect((await statDigest(f.dir))).not.toBe(kept);
      expect(await cachedTree(f.request)).toEqual({ dir: f.dir, reused: false });
      expect(f.makes()).toBe(2);
    }
  });

  it('a file only touched (same bytes, new mtime) is checked in full, found intact, and its new stat kept', async () => {
    const f = fixture();
    await cachedTree(f.request);
    await f.age();
    await cachedTree(f.request);
    const kept = readFileSync(f.statFile, 'utf8');
    const old = (Date.now() - 1800_000) / 1000;
    utimesSync(path.join(f.dir, 'pyvenv.cfg'), old, old);
    expect(await cachedTree(f.request)).toEqual({ dir: f.dir, reused: true });
    expect(f.makes()).toBe(1);
    const now = readFileSync(f.statFile, 'utf8');
    expect(now).not.toBe(kept);
    expect(now).toBe((await statDigest(f.dir)));
  });

  it('the tree digest does not depend on the stat digest: the same content elsewhere, with other inodes and mtimes, digests the same', async () => {
    const f = fixture();
    await cachedTree(f.request);
    const other = tempDir();
    await f.request.make(other);
    const a = await treeDigest(f.dir, tempDir(), Date.now());
    const b = await treeDigest(other, tempDir(), Date.now());
    expect(a.digest).toBe(b.digest);
    expect(a.files).toBe(8);
    // Both made just now: too recent for a stat digest.
    expect(a.stat).toBeNull();
    await f.age();
    expect((await treeDigest(f.dir, tempDir(), Date.now())).stat).toBe((await statDigest(f.dir)));
    expect((await statDigest(f.dir))).not.toBe((await statDigest(other)));
  });

  it('deferStatCheck: a reuse with a kept stat digest returns at once with its check to run (true while intact, false once changed); with none kept, the full check is done before it returns', async () => {
    const f = fixture();
    const deferred = { ...f.request, deferStatCheck: true };
    await cachedTree(deferred);
    const unkept = await cachedTree(deferred);
    expect(unkept).toEqual({ dir: f.dir, reused: true });
    await f.age();
    await cachedTree(deferred); // full: keeps the stat digest
    const kept = await cachedTree(deferred);
    expect(kept.reused).toBe(true);
    expect(await kept.pending!()).toBe(true);
    await fs.writeFile(path.join(f.dir, 'lib/site/pkg/__init__.py'), 'x = 2\n');
    expect(await kept.pending!()).toBe(false);
    // The next exec, not deferring (the one after a stopped run), finds it changed and makes it again.
    expect(await cachedTree(f.request)).toEqual({ dir: f.dir, reused: false });
    expect(f.makes()).toBe(2);
  });

  it('statDigest gives the event loop a turn while it walks a large tree', async () => {
    const root = tempDir();
    for (let d = 0; d < 400; d++) {
      mkdirSync(path.join(root, `d${d}`));
      for (let i = 0; i < 25; i++) writeFileSync(path.join(root, `d${d}`, `f${i}.py`), 'x\n');
    }
    let turns = 0;
    const timer = setInterval(() => turns++, 1);
    const digest = await statDigest(root);
    clearInterval(timer);
    // 10,400 entries take far more than one 8 ms slice: a walk held in one piece would give no turn.
    expect(turns).toBeGreaterThan(0);
    expect(await statDigest(root)).toBe(digest);
  });
});


// The cache is checked before each run: an extracted tree is someone's disk, and what is on disk
// now may not be what was verified. Every entry of the bundle manifest is compared with the tree
// (type, owner-executable bit, size, link target, sha256) and nothing else may be there. Hashes
// come from a stat-keyed cache (size, mtime, ctime, inode, as git's index; racy entries are
// hashed again), so an unchanged tree costs a stat per file; a restored mtime still changes ctime.
import { readdirSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { ManifestRead } from '../bundle/manifest.js';
import type { Problem } from '../bundle/verify.js';
import { lstatOrNull, sha256OfPath } from '../core/file-read.js';
import { HashCache } from '../core/hash-cache.js';

// Synchronous on purpose: a warm check is ~10,000 lstat calls, which cost several times more
// as awaited promises (a 10,000-file tree: ~560 ms awaited against the figure in RELIABILITY.md).

const typeOf = (st: Stats) => (st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'special');

function countTree(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    n++;
    if (e.isDirectory()) n += countTree(path.join(dir, e.name));
  }
  return n;
}

/**
 * What differs between the tree at `dir` and `manifest` (empty when it matches). `hashRoot` is
 * where the stat-keyed hash cache for this tree lives (outside the tree).
 */
export async function checkCachedTree(dir: string, manifest: ManifestRead, hashRoot: string, nowMs: number): Promise<Problem[]> {
  const problems: Problem[] = [];
  const hashes = await new HashCache(hashRoot).load();
  for (let i = 0; i < manifest.count && problems.length < 20; i++) {
    const e = manifest.entryAt(i);
    const abs = path.join(dir, ...e.path.split('/'));
    const st = lstatOrNull(abs);
    if (st === null) {
      problems.push({ entry: e.path, field: 'missing', expected: 'present', actual: null });
      continue;
    }
    const type = typeOf(st);
    if (type !== e.type) {
      problems.push({ entry: e.path, field: 'type', expected: e.type, actual: type });
      continue;
    }
    if (e.type === 'symlink') {
      const target = readlinkSync(abs);
      if (target !== e.target) problems.push({ entry: e.path, field: 'target', expected: e.target ?? null, actual: target });
    } else if (e.type === 'file') {
      const mode = parseInt(e.mode, 8);
      if ((st.mode & 0o100) !== (mode & 0o100)) problems.push({ entry: e.path, field: 'mode', expected: e.mode, actual: (st.mode & 0o7777).toString(8).padStart(4, '0') });
      else if (st.size !== e.size) problems.push({ entry: e.path, field: 'size', expected: e.size, actual: st.size });
      else {
        const stat = { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino };
        const sha = hashes.get(e.path, stat) ?? sha256OfPath(abs);
        hashes.set(e.path, stat, sha);
        if (sha !== e.sha256) problems.push({ entry: e.path, field: 'sha256', expected: e.sha256, actual: sha });
      }
    }
  }
  if (problems.length === 0) {
    const onDisk = countTree(dir);
    const expected = manifest.count + 1; // + repro.bundle.json
    if (onDisk !== expected) problems.push({ entry: '(cached tree)', field: 'extra', expected: `${expected} entries`, actual: `${onDisk} entries` });
    await hashes.save(nowMs);
  }
  return problems;
}

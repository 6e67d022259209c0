// The bundle cache: ~/.cache/repro (or REPRO_CACHE). bundles/<content hex>/ holds each verified,
// extracted bundle; index/ remembers which bundle file (by path, size, mtime, inode) has which
// content digest, so a second exec of an unchanged file reuses the extracted tree. The cache is
// never trusted blindly: before each reuse the tree is checked against the manifest read from
// the bundle file itself (cache-check.ts), and a tree that differs is extracted again.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { Logger } from '../core/context.js';
import { describeDifference } from '../core/difference.js';
import { fsError } from '../core/errors.js';
import { MANIFEST_PATH } from '../bundle/layout.js';
import { readManifest, type ManifestHead, type ManifestRead } from '../bundle/manifest.js';
import { readBundleManifest } from '../bundle/read-manifest-only.js';
import type { TarLimits } from '../bundle/tar-read.js';
import { checkCachedTree } from './cache-check.js';
import { SHA256_DIGEST } from '../core/digest.js';

export interface CachedBundle {
  dir: string;
  contentDigest: string;
  fileDigest: string | null;
  manifest: ManifestHead;
  /** 'extracted' now, 'reused' from an earlier exec of this file, 'raced' when the same content was already in the cache (another file of it, or a concurrent exec). */
  how: 'extracted' | 'reused' | 'raced';
  /** The sha256 of each file entry under a folder of the bundle, as its manifest lists it: the tree was checked against that manifest (while extracting, or before this reuse), so a file's bytes are these. */
  hashesUnder(dir: string): Map<string, string>;
}

/** hashesUnder over a manifest: the file entries directly under `dir`, by name. */
function hashesUnder(manifest: ManifestRead): (dir: string) => Map<string, string> {
  return (dir) => {
    const out = new Map<string, string>();
    for (let i = 0; i < manifest.count; i++) {
      const e = manifest.entryAt(i);
      if (e.type === 'file' && e.path.startsWith(`${dir}/`) && !e.path.slice(dir.length + 1).includes('/') && typeof e.sha256 === 'string') out.set(e.path.slice(dir.length + 1), e.sha256);
    }
    return out;
  };
}

async function statKey(file: string): Promise<string> {
  const st = await fs.stat(file).catch((err) => {
    throw fsError(err, file, 'cannot read the bundle');
  });
  const real = await fs.realpath(file);
  return createHash('sha256').update(`${real}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}\0${st.ino}`).digest('hex');
}

export interface CacheOptions {
  limits?: TarLimits;
  log?: Logger;
  nowMs?: number;
}

/** A cached tree that checks out against the bundle file's own manifest, or null (with why, logged). */
async function reuse(bundle: string, root: string, digest: string, options: CacheOptions): Promise<CachedBundle | null> {
  const hex = digest.slice(7);
  const dir = path.join(root, 'bundles', hex);
  const cachedBytes = await fs.readFile(path.join(dir, MANIFEST_PATH)).catch(() => null);
  if (!cachedBytes) return null;
  const fromFile = await readBundleManifest(bundle);
  let why: string | null = null;
  if (readManifest(cachedBytes).head.selfDigest !== fromFile.head.selfDigest) why = 'the cache index points at another bundle';
  else {
    const problems = await checkCachedTree(dir, fromFile, path.join(root, 'trees', hex), options.nowMs ?? Date.now());
    if (problems.length > 0) why = `it was altered (${describeDifference(problems[0]!)}${problems.length > 1 ? `, and ${problems.length - 1} more` : ''})`;
  }
  if (why === null) return { dir, contentDigest: digest, fileDigest: null, manifest: fromFile.head, how: 'reused', hashesUnder: hashesUnder(fromFile) };
  options.log?.warn(`exec: not reusing the cached copy of ${digest}: ${why}; extracting the bundle again`);
  const aside = path.join(root, 'bundles', `.repro-stale-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.rename(dir, aside).catch(() => {});
  await fs.rm(aside, { recursive: true, force: true });
  await fs.rm(path.join(root, 'trees', hex), { recursive: true, force: true });
  return null;
}

export async function openCachedBundle(bundle: string, root: string, options: CacheOptions = {}): Promise<CachedBundle> {
  const limits = options.limits;
  const key = await statKey(bundle);
  const indexFile = path.join(root, 'index', key);
  const known = (await fs.readFile(indexFile, 'utf8').catch(() => null))?.trim();
  if (known && SHA256_DIGEST.test(known)) {
    const reused = await reuse(bundle, root, known, options);
    if (reused) return reused;
  }
  const { extractVerified } = await import('./extract.js'); // only when the cache cannot serve
  const extracted = await extractVerified(bundle, path.join(root, 'bundles'), limits);
  await fs.mkdir(path.dirname(indexFile), { recursive: true });
  await writeFileAtomic(indexFile, extracted.report.contentDigest);
  return {
    dir: extracted.dir,
    contentDigest: extracted.report.contentDigest,
    fileDigest: extracted.report.fileDigest,
    manifest: extracted.report.manifest.head,
    how: extracted.reused ? 'raced' : 'extracted',
    hashesUnder: hashesUnder(extracted.report.manifest),
  };
}

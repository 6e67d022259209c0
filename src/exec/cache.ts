// The bundle cache: ~/.cache/repro (or REPRO_CACHE). bundles/<content hex>/ holds each verified,
// extracted bundle; index/ remembers which bundle file (by path, size, mtime, inode) has which
// content digest, so a second exec of an unchanged file reuses the extracted tree at once.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { fsError } from '../core/errors.js';
import { MANIFEST_PATH } from '../bundle/layout.js';
import { readManifest, type ManifestHead } from '../bundle/manifest.js';
import type { TarLimits } from '../bundle/tar-read.js';

export interface CachedBundle {
  dir: string;
  contentDigest: string;
  fileDigest: string | null;
  manifest: ManifestHead;
  /** 'extracted' now, 'reused' from an earlier exec, 'raced' when a concurrent exec extracted it. */
  how: 'extracted' | 'reused' | 'raced';
}

async function statKey(file: string): Promise<string> {
  const st = await fs.stat(file).catch((err) => {
    throw fsError(err, file, 'cannot read the bundle');
  });
  const real = await fs.realpath(file);
  return createHash('sha256').update(`${real}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}\0${st.ino}`).digest('hex');
}

export async function openCachedBundle(bundle: string, root: string, limits?: TarLimits): Promise<CachedBundle> {
  const key = await statKey(bundle);
  const indexFile = path.join(root, 'index', key);
  const known = await fs.readFile(indexFile, 'utf8').catch(() => null);
  if (known && /^sha256:[0-9a-f]{64}$/.test(known.trim())) {
    const dir = path.join(root, 'bundles', known.trim().slice(7));
    const manifestBytes = await fs.readFile(path.join(dir, MANIFEST_PATH)).catch(() => null);
    if (manifestBytes) return { dir, contentDigest: known.trim(), fileDigest: null, manifest: readManifest(manifestBytes).head, how: 'reused' };
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
  };
}

// Safe extraction into the content-addressed cache (DESIGN rule 8): the bundle is verified and
// extracted in one streaming pass into a fresh temp directory beside the cache entry, and only
// a bundle that verifies completely is renamed into place. Entry names were already checked
// (no '..', no absolute paths, parents first, nothing beneath a symlink, links that stay
// inside); files are created with O_EXCL so nothing is ever written through an existing path.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isProcessAlive, removeStaleTemps, TEMP_PREFIX } from '../core/atomic-write.js';
import { trackTemp } from '../core/cleanup.js';
import { fsError } from '../core/errors.js';
import { verifyBundle, type EntrySink, type VerifyReport } from '../bundle/verify.js';
import type { BundleEntry } from '../bundle/entry.js';
import { MANIFEST_PATH } from '../bundle/layout.js';
import type { TarLimits } from '../bundle/tar-read.js';
import { hexOf } from '../core/digest.js';
import { ExtractWriter } from './extract-writer.js';

export interface Extracted {
  dir: string;
  report: VerifyReport;
  /** True when another process had already put this bundle in the cache. */
  reused: boolean;
}

/** File-system failures while extracting are the machine's (E_IO), never the bundle's fault. */
function cacheError(err: unknown, target: string) {
  return fsError(err, target, 'cannot extract the bundle into the cache', { space: 'Free some space where the cache lives, or point REPRO_CACHE at a larger disk.' });
}

function sinkFor(root: string, entry: BundleEntry, writer: ExtractWriter): EntrySink | undefined {
  const target = path.join(root, ...entry.path.split('/'));
  if (entry.type === 'directory') {
    writer.dir(target, 0o755);
    return undefined;
  }
  if (entry.type === 'symlink') {
    writer.link(entry.target!, target);
    return undefined;
  }
  return writer.file(target, entry.mode);
}

/** Verifies `bundle` while extracting it, then moves it to `<bundlesDir>/<content hex>`. */
export async function extractVerified(bundle: string, bundlesDir: string, limits?: TarLimits): Promise<Extracted> {
  await fs.mkdir(bundlesDir, { recursive: true }).catch((err) => {
    throw fsError(err, bundlesDir, 'cannot create the bundle cache');
  });
  // An extraction killed outright (SIGKILL, power loss) leaves its temp tree: the next one
  // removes the trees of processes that no longer exist before starting its own.
  await removeStaleTemps(bundlesDir, isProcessAlive);
  const temp = path.join(bundlesDir, `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  const untrack = trackTemp(temp);
  try {
    await fs.mkdir(temp, { mode: 0o755 }).catch((err) => {
      throw cacheError(err, temp);
    });
    // The files are created beside the verification, on a worker past the first few hundred.
    const writer = new ExtractWriter((at, err) => cacheError(err, at));
    let report: VerifyReport;
    try {
      report = await verifyBundle(bundle, { limits, integrity: false, onEntry: (e) => sinkFor(temp, e, writer) });
      await writer.finish();
    } catch (err) {
      await writer.abort();
      throw err;
    }
    // The manifest travels with the tree, so a later exec can reuse it without the bundle.
    await fs.writeFile(path.join(temp, MANIFEST_PATH), report.manifest.bytes, { flag: 'wx' }).catch((err) => {
      throw cacheError(err, temp);
    });
    const final = path.join(bundlesDir, hexOf(report.contentDigest));
    try {
      await fs.rename(temp, final);
      return { dir: final, report, reused: false };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw fsError(err, final, 'cannot move the extracted bundle into the cache');
      return { dir: final, report, reused: true }; // another exec of the same bundle won the race
    }
  } finally {
    await fs.rm(temp, { recursive: true, force: true });
    untrack();
  }
}

// Safe extraction into the content-addressed cache (DESIGN rule 8): the bundle is verified and
// extracted in one streaming pass into a fresh temp directory beside the cache entry, and only
// a bundle that verifies completely is renamed into place. Entry names were already checked
// (no '..', no absolute paths, parents first, nothing beneath a symlink, links that stay
// inside); files are created with O_EXCL so nothing is ever written through an existing path.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, promises as fs, symlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive, removeStaleTemps, TEMP_PREFIX } from '../core/atomic-write.js';
import { trackTemp } from '../core/cleanup.js';
import { fsError } from '../core/errors.js';
import { verifyBundle, type EntrySink, type VerifyReport } from '../bundle/verify.js';
import type { BundleEntry } from '../bundle/entry.js';
import { MANIFEST_PATH } from '../bundle/layout.js';
import type { TarLimits } from '../bundle/tar-read.js';
import { hexOf } from '../core/digest.js';

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

function cacheWrite<T>(target: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    throw cacheError(err, target);
  }
}

function sinkFor(root: string, entry: BundleEntry): EntrySink | undefined {
  const target = path.join(root, ...entry.path.split('/'));
  if (entry.type === 'directory') {
    cacheWrite(target, () => mkdirSync(target, { mode: 0o755 }));
    return undefined;
  }
  if (entry.type === 'symlink') {
    cacheWrite(target, () => symlinkSync(entry.target!, target));
    return undefined;
  }
  const fd = cacheWrite(target, () => openSync(target, 'wx', entry.mode));
  return {
    write: (slice) =>
      cacheWrite(target, () => {
        try {
          let done = 0;
          while (done < slice.length) done += writeSync(fd, slice, done);
        } catch (err) {
          closeSync(fd);
          throw err;
        }
      }),
    end: () => cacheWrite(target, () => closeSync(fd)),
  };
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
    const report = await verifyBundle(bundle, { limits, onEntry: (e) => sinkFor(temp, e) });
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

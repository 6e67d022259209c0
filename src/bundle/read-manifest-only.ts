// The manifest of a bundle file, read from its first entry without reading the rest: enough to
// tell which bundle a file is (its manifest's self digest) when a cache is about to stand in for it.
import { isReproError } from '../core/errors.js';
import { MANIFEST_PATH } from './layout.js';
import { readManifest, type ManifestRead } from './manifest.js';
import { decodeError, openBundle } from './open.js';
import { notABundle, readTar } from './tar-read.js';

class Done extends Error {}

export async function readBundleManifest(file: string): Promise<ManifestRead> {
  const stream = await openBundle(file);
  const parts: Buffer[] = [];
  try {
    await readTar(stream.tar, {
      entry(e) {
        if (e.path !== MANIFEST_PATH || e.type !== 'file') throw notABundle(e.path);
        return (slice) => parts.push(Buffer.from(slice));
      },
      entryEnd() {
        throw new Done();
      },
    }, undefined, { firstEntry: MANIFEST_PATH });
  } catch (err) {
    if (!(err instanceof Done)) throw isReproError(err) ? err : decodeError(err, stream.codec);
  } finally {
    stream.close();
  }
  return readManifest(Buffer.concat(parts));
}

// Names what differs between two bundles (or a bundle and a lock): manifest fields, then each
// entry by path (missing, extra, type, mode, size, sha256, target), then, when the manifests
// agree, the tar header fields and the compressed framing. Never just "hashes differ".
import { createHash } from 'node:crypto';
import type { Difference } from '../core/difference.js';
import { isReproError } from '../core/errors.js';
import type { ManifestEntry } from './manifest.js';
import { decodeError, openBundle } from './open.js';
import { readTar, type RawEntry } from './tar-read.js';
import { headerDifference } from './header-diff.js';

/** Two builds differ at an entry path, or a manifest field such as "(manifest) compression.library". */
export type BuildDifference = Difference & { entry: string; a: unknown; b: unknown };

export interface ComparableManifest {
  name: string;
  version: string;
  sourceDateEpoch: number;
  compression: { codec: string; level: number | null; library: string | null };
  tooling: { repro: string; tar: string };
  entries: readonly ManifestEntry[];
}

const ENTRY_FIELDS = ['type', 'mode', 'size', 'sha256', 'target'] as const;

export function compareManifests(a: ComparableManifest, b: ComparableManifest): BuildDifference[] {
  const out: BuildDifference[] = [];
  const top: Array<[string, unknown, unknown]> = [
    ['name', a.name, b.name],
    ['version', a.version, b.version],
    ['sourceDateEpoch', a.sourceDateEpoch, b.sourceDateEpoch],
    ['compression.codec', a.compression.codec, b.compression.codec],
    ['compression.level', a.compression.level, b.compression.level],
    ['compression.library', a.compression.library, b.compression.library],
    ['tooling.repro', a.tooling.repro, b.tooling.repro],
    ['tooling.tar', a.tooling.tar, b.tooling.tar],
  ];
  for (const [field, x, y] of top) if (x !== y) out.push({ entry: '(manifest)', field, a: x, b: y });
  const inB = new Map(b.entries.map((e) => [e.path, e]));
  for (const x of a.entries) {
    const y = inB.get(x.path);
    if (!y) {
      out.push({ entry: x.path, field: 'missing', a: x.type, b: null });
      continue;
    }
    inB.delete(x.path);
    for (const field of ENTRY_FIELDS) {
      if ((x[field] ?? null) !== (y[field] ?? null)) out.push({ entry: x.path, field, a: x[field] ?? null, b: y[field] ?? null });
    }
  }
  for (const y of inB.values()) out.push({ entry: y.path, field: 'extra', a: null, b: y.type });
  return out;
}

interface ScannedEntry {
  raw: Buffer;
  sha256: string;
  entry: RawEntry;
}

/** Every entry of a bundle with its raw header and content hash, in archive order. */
export async function scanBundle(file: string): Promise<{ codec: string; entries: ScannedEntry[] }> {
  const stream = await openBundle(file);
  const entries: ScannedEntry[] = [];
  let hash = createHash('sha256');
  try {
    await readTar(stream.tar, {
      entry(e) {
        hash = createHash('sha256');
        entries.push({ raw: e.raw, sha256: '', entry: e });
        return (slice) => hash.update(slice);
      },
      entryEnd() {
        entries[entries.length - 1]!.sha256 = hash.digest('hex');
      },
    });
  } catch (err) {
    stream.close();
    throw isReproError(err) ? err : decodeError(err, stream.codec);
  }
  return { codec: stream.codec, entries };
}

/** Header-level differences between two bundles whose manifests agree. */
export async function compareBundleFiles(a: string, b: string): Promise<BuildDifference[]> {
  const [x, y] = await Promise.all([scanBundle(a), scanBundle(b)]);
  const out: BuildDifference[] = [];
  if (x.codec !== y.codec) out.push({ entry: '(file)', field: 'codec', a: x.codec, b: y.codec });
  const inY = new Map(y.entries.map((e) => [e.entry.path, e]));
  x.entries.forEach((ex, i) => {
    const ey = inY.get(ex.entry.path);
    if (!ey) {
      out.push({ entry: ex.entry.path, field: 'missing', a: ex.entry.type, b: null });
      return;
    }
    inY.delete(ex.entry.path);
    if (y.entries[i]?.entry.path !== ex.entry.path) out.push({ entry: ex.entry.path, field: 'order', a: i, b: y.entries.indexOf(ey) });
    if (!ex.raw.equals(ey.raw)) {
      const d = headerDifference(ex.raw, ey.raw);
      for (const key of Object.keys(d.expected)) out.push({ entry: ex.entry.path, field: `header.${key}`, a: d.expected[key], b: d.actual[key] });
    }
    if (ex.sha256 !== ey.sha256) out.push({ entry: ex.entry.path, field: 'sha256', a: ex.sha256, b: ey.sha256 });
  });
  for (const ey of inY.values()) out.push({ entry: ey.entry.path, field: 'extra', a: null, b: ey.entry.type });
  return out;
}


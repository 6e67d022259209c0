// Reading and writing snapshot files: canonical JSON, atomic writes, and readers that refuse
// what they do not understand (another kind, a newer schemaVersion, a digest that does not
// match the identity). A bundle can stand in for a snapshot: the one captured into the project
// (project/repro.snapshot.json) is read from it, after the bundle verifies.
import { promises as fs } from 'node:fs';
import { canonicalJson } from '../core/canonical-json.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { ReproError, fsError } from '../core/errors.js';
import { parseVersionedJson } from '../core/versioned-json.js';
import { BUNDLED_SNAPSHOT_PATH } from '../bundle/layout.js';
import { identityDigest, SNAPSHOT_KIND, SNAPSHOT_SCHEMA_VERSION } from './identity.js';
import type { Snapshot } from './snapshot.js';

/**
 * Writes the snapshot, unless the file already there records the same identity: then it is left
 * byte for byte as it is (its capturedAt and probe times included), so snapshotting again with
 * nothing changed changes no file, no bundle digest and no repro.lock. Returns whether it wrote.
 */
export async function writeSnapshot(file: string, snapshot: Snapshot): Promise<boolean> {
  const before = await fs.readFile(file, 'utf8').catch(() => null);
  if (before !== null) {
    const old = (() => {
      try {
        return parseSnapshot(before, file);
      } catch {
        return null;
      }
    })();
    if (old?.snapshotDigest === snapshot.snapshotDigest) return false;
  }
  await writeFileAtomic(file, canonicalJson(snapshot));
  return true;
}

export function parseSnapshot(text: string, source: string): Snapshot {
  const snapshot = parseVersionedJson<Snapshot>(text, {
    source,
    kind: SNAPSHOT_KIND,
    label: 'repro snapshot',
    version: SNAPSHOT_SCHEMA_VERSION,
    code: 'E_INPUT',
    hint: 'Pass a file written by `repro snapshot`, or a bundle.',
  });
  if (!snapshot.identity || identityDigest(snapshot.identity) !== snapshot.snapshotDigest) {
    throw new ReproError('E_INTEGRITY', `${source}: the snapshot's identity does not match its snapshotDigest (edited by hand?)`, {
      hint: 'Capture the snapshot again with `repro snapshot`.',
      details: { path: source, recorded: snapshot.snapshotDigest ?? null },
    });
  }
  return snapshot;
}

/** A snapshot file, or the snapshot inside a bundle. */
export async function readSnapshotOrBundle(file: string): Promise<{ snapshot: Snapshot; from: 'file' | 'bundle' }> {
  // The bundle reader loads only here: exec's drift check parses a snapshot and nothing more.
  const [{ sniffCodec }, { readRange }, { verifyBundle }] = await Promise.all([import('../bundle/compress.js'), import('../bundle/open.js'), import('../bundle/verify.js')]);
  const head = await readRange(file, 0, 512).catch((err) => {
    throw fsError(err, file, 'cannot read');
  });
  const looksJson = head.toString('utf8').trimStart().startsWith('{');
  if (looksJson || (sniffCodec(head) === 'none' && !head.subarray(257, 262).equals(Buffer.from('ustar')))) {
    return { snapshot: parseSnapshot(await fs.readFile(file, 'utf8'), file), from: 'file' };
  }
  const inside = BUNDLED_SNAPSHOT_PATH;
  const parts: Buffer[] = [];
  await verifyBundle(file, { integrity: false, onEntry: (e) => (e.path === inside ? { write: (slice) => parts.push(Buffer.from(slice)), end: () => {} } : undefined) });
  if (parts.length === 0) {
    throw new ReproError('E_INPUT', `the bundle ${file} carries no snapshot (${inside})`, {
      hint: 'Run `repro snapshot` in the project before `repro build`, so the snapshot travels in the bundle.',
      details: { path: file, expected: inside },
    });
  }
  return { snapshot: parseSnapshot(Buffer.concat(parts).toString('utf8'), `${file}:${inside}`), from: 'bundle' };
}

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/core/canonical-json.js';
import { LOCK_FILE, readLock, writeLock, type LockHead } from '../../../src/bundle/lock.js';
import type { ManifestEntry } from '../../../src/bundle/manifest.js';
import { tempDir } from '../../helpers/project.js';

const head: LockHead = {
  schemaVersion: 1,
  kind: 'repro-lock',
  name: 'iris',
  version: '1.0.0',
  sourceDateEpoch: 946684800,
  compression: { codec: 'zstd', level: 3, library: 'zstd 1.5.7' },
  tooling: { repro: '0.1.0', tar: 'node-tar 7' },
  contentDigest: `sha256:${'a'.repeat(64)}`,
  manifestDigest: `sha256:${'b'.repeat(64)}`,
};
const entries: ManifestEntry[] = [
  { path: 'project', type: 'directory', mode: '0755', size: 0 },
  { path: 'project/a.py', type: 'file', mode: '0644', size: 3, sha256: 'c'.repeat(64) },
];

describe('repro.lock', () => {
  it('is written an entry at a time, byte for byte the canonical JSON of the whole lock', async () => {
    const root = tempDir();
    await writeLock(root, head, entries);
    expect(await fs.readFile(path.join(root, LOCK_FILE), 'utf8')).toBe(canonicalJson({ ...head, entries }));
  });

  it('reads back what it wrote, head at once and entries when asked; writing it again changes nothing', async () => {
    const root = tempDir();
    expect(await writeLock(root, head, entries)).toBe(true);
    const lock = (await readLock(root))!;
    expect(lock.head).toEqual(head);
    expect(lock.entries()).toEqual(entries);
    expect(await writeLock(root, head, entries)).toBe(false);
  });

  it('reads a lock edited by hand (not in canonical layout) whole', async () => {
    const root = tempDir();
    await fs.writeFile(path.join(root, LOCK_FILE), JSON.stringify({ ...head, entries }));
    const lock = (await readLock(root))!;
    expect(lock.head).toEqual(head);
    expect(lock.entries()).toEqual(entries);
  });

  it('refuses a newer schemaVersion and a lock without its digests, in either layout', async () => {
    const root = tempDir();
    for (const text of [canonicalJson({ ...head, schemaVersion: 9, entries }), JSON.stringify({ ...head, schemaVersion: 9, entries })]) {
      await fs.writeFile(path.join(root, LOCK_FILE), text);
      await expect(readLock(root)).rejects.toMatchObject({ code: 'E_SCHEMA_VERSION' });
    }
    const { contentDigest: _gone, ...noDigest } = head;
    await fs.writeFile(path.join(root, LOCK_FILE), canonicalJson({ ...noDigest, entries }));
    await expect(readLock(root)).rejects.toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('missing required fields') });
  });
});

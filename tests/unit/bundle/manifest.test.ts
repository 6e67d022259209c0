import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../src/core/canonical-json.js';
import { bundleEntryText, encodeManifest, manifestBytes, manifestEntryText, parseManifest, readManifest, toManifestEntry } from '../../../src/bundle/manifest.js';
import { entryText } from '../../../src/bundle/entries-json.js';
import type { BundleEntry } from '../../../src/bundle/entry.js';
import { createManifest, serializeManifest } from '../../helpers/manifest.js';

const manifest = () =>
  createManifest({
    name: 'iris',
    version: '1.0.0',
    sourceDateEpoch: 946684800,
    compression: { codec: 'zstd', level: 3, library: 'zstd 1.5.7' },
    tooling: { repro: '0.1.0', tar: 'node-tar 7.5.23' },
    project: null,
    entries: [
      { path: 'project', type: 'directory', mode: 0o755, size: 0 },
      { path: 'project/a.py', type: 'file', mode: 0o644, size: 3, sha256: 'a'.repeat(64) },
    ],
  });

describe('bundle manifest', () => {
  it('round-trips and carries a self digest', () => {
    const m = manifest();
    expect(m.selfDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(parseManifest(serializeManifest(m))).toEqual(m);
    expect(m.entries[1]).toEqual({ path: 'project/a.py', type: 'file', mode: '0644', size: 3, sha256: 'a'.repeat(64) });
  });

  it('catches a changed value that is still valid JSON', () => {
    const bytes = Buffer.from(serializeManifest(manifest()).toString().replace('zstd 1.5.7', 'zstd 1.5.8'));
    expect(() => parseManifest(bytes)).toThrow(expect.objectContaining({ code: 'E_INTEGRITY', message: expect.stringContaining('own digest') }));
  });

  it('catches changed whitespace (non-canonical form)', () => {
    const bytes = Buffer.from(serializeManifest(manifest()).toString().replace('\n  "kind"', '\n   "kind"'));
    expect(() => parseManifest(bytes)).toThrow(expect.objectContaining({ code: 'E_INTEGRITY' }));
  });

  it('refuses a newer schemaVersion with a clear error', () => {
    const doc = { ...manifest(), schemaVersion: 2 };
    expect(() => parseManifest(Buffer.from(JSON.stringify(doc)))).toThrow(expect.objectContaining({ code: 'E_INTEGRITY', hint: expect.stringContaining('Upgrade') }));
  });

  it('refuses something that is not a manifest', () => {
    expect(() => parseManifest(Buffer.from('{"hello":1}'))).toThrow(expect.objectContaining({ code: 'E_INTEGRITY' }));
    expect(() => parseManifest(Buffer.from('not json'))).toThrow(expect.objectContaining({ code: 'E_INTEGRITY' }));
  });
});

describe('encodeManifest (serialized an entry at a time)', () => {
  it('gives the canonical bytes and the digest of the manifest with selfDigest empty, for tricky paths too', () => {
    const input = {
      name: 'x',
      version: '1',
      sourceDateEpoch: 0,
      compression: { codec: 'none' as const, level: null, library: null },
      tooling: { repro: '0.1.0', tar: 't' },
      project: null,
      entries: [
        { path: 'project', type: 'directory' as const, mode: 0o755, size: 0 },
        // A path that spells the marker line, escaped inside a JSON string: it must not match.
        { path: 'project/\n  "selfDigest": "",\n', type: 'file' as const, mode: 0o644, size: 0, sha256: 'b'.repeat(64) },
      ],
    };
    const encoded = encodeManifest(input);
    const { manifest: head } = encoded;
    const bytes = manifestBytes(encoded);
    // The size is announced before the bytes are made again, and every making gives the same bytes.
    expect(encoded.size).toBe(bytes.length);
    expect(manifestBytes(encoded).equals(bytes)).toBe(true);
    const manifest = parseManifest(bytes);
    expect(manifest).toMatchObject(head);
    expect(bytes.equals(serializeManifest(manifest))).toBe(true);
    const expected = createHash('sha256').update(canonicalJson({ ...manifest, selfDigest: '' })).digest('hex');
    expect(head.selfDigest).toBe(`sha256:${expected}`);
    expect(createManifest(input)).toEqual(manifest);
  });
});

describe('readManifest (canonical layout, an entry at a time)', () => {
  const big = () =>
    serializeManifest(
      createManifest({
        name: 'many',
        version: '1',
        sourceDateEpoch: 0,
        compression: { codec: 'none', level: null, library: null },
        tooling: { repro: '0.1.0', tar: 't' },
        project: null,
        entries: [
          { path: 'project', type: 'directory', mode: 0o755, size: 0 },
          ...Array.from({ length: 50 }, (_, i) => ({ path: `project/f${String(i).padStart(2, '0')}`, type: 'file' as const, mode: 0o644, size: i, sha256: 'c'.repeat(64) })),
        ],
      }),
    );

  it('gives the same manifest as a whole parse, its bytes, and entries on demand', () => {
    const bytes = big();
    const read = readManifest(bytes);
    expect(read.count).toBe(51);
    expect(read.bytes).toBe(bytes);
    expect(read.entryAt(50)).toEqual({ path: 'project/f49', type: 'file', mode: '0644', size: 49, sha256: 'c'.repeat(64) });
    expect({ ...read.head, entries: Array.from({ length: read.count }, (_, i) => read.entryAt(i)) }).toEqual(JSON.parse(bytes.toString()));
  });

  it('names a bad entry with the same message as a whole parse', () => {
    const bytes = Buffer.from(big().toString().replace(`"sha256": "${'c'.repeat(64)}",\n      "size": 7`, `"sha256": "${'C'.repeat(64)}",\n      "size": 7`));
    expect(() => readManifest(bytes)).toThrow(expect.objectContaining({ code: 'E_INTEGRITY', message: 'the bundle manifest has an invalid sha256 for project/f07' }));
  });

  it('names a newer schemaVersion before a strange entry (a newer bundle is named as newer)', () => {
    const doc = JSON.parse(big().toString());
    doc.schemaVersion = 2;
    doc.entries[3] = { path: 'project/x', type: 'socket', shape: 'new' };
    expect(() => readManifest(Buffer.from(canonicalJson(doc)))).toThrow(expect.objectContaining({ code: 'E_INTEGRITY', details: expect.objectContaining({ rule: 'schema-version' }) }));
  });

  it('refuses an entry out of canonical form, and a flipped digest, with the whole-parse messages', () => {
    const text = big().toString();
    // The same data written out of form: the digest (of the canonical form) holds, the form does not.
    expect(() => readManifest(Buffer.from(text.replace('"size": 7', '"size":7')))).toThrow(expect.objectContaining({ code: 'E_INTEGRITY', message: expect.stringContaining('canonical form') }));
    expect(() => readManifest(Buffer.from(text.replace('"size": 7', '"size": 8')))).toThrow(expect.objectContaining({ code: 'E_INTEGRITY', message: expect.stringContaining('own digest') }));
  });
});

describe('the entry text written without canonicalJson', () => {
  const names = ['project/a.py', 'project/dáta "quoted"\\back', 'project/\u0001ctl\ttab\nline', 'project/e\u0301\u2028', 'project/\ud800lone', 'project/日本語/🙂', ''];
  const shapes: BundleEntry[] = names.flatMap((p) => [
    { path: p, type: 'file', mode: 0o644, size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
    { path: p, type: 'file', mode: 0o755, size: 2 ** 40 },
    { path: p, type: 'directory', mode: 0o755, size: 0 },
    { path: p, type: 'symlink', mode: 0o777, size: 0, target: `../${p}"\\` },
  ]);

  it('bundleEntryText is entryText of the manifest entry, byte for byte', () => {
    for (const e of shapes) expect(bundleEntryText(e)).toBe(entryText(toManifestEntry(e)));
  });

  it('manifestEntryText is entryText for manifest entries, and for any other shape too', () => {
    for (const e of shapes) expect(manifestEntryText(toManifestEntry(e))).toBe(entryText(toManifestEntry(e)));
    const odd: object[] = [
      { mode: '0644', path: 'p', size: 1, type: 'file', extra: true },
      { mode: 644, path: 'p', size: 1, type: 'file' },
      { mode: '0644', path: 'p', size: '1', type: 'file' },
      { mode: '0644', path: 'p', size: 1, type: 'file', sha256: null },
      { mode: '0644', path: 'p', size: 1, type: 'file', target: { a: 1 } },
      JSON.parse('{"__proto__": 1, "mode": "0644", "path": "p", "size": 1, "type": "file"}'),
      {},
    ];
    for (const e of odd) expect(manifestEntryText(e)).toBe(entryText(e));
  });
});

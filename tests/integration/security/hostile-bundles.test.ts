// Hostile bundles, each made in code and named after its attack. `repro verify` and `repro exec`
// (the built binary, as a user runs it) must refuse every one with exit 4 and a coded error,
// write nothing outside their targets, leave no cache entry and no run directory, and never
// run the bundle's code.
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Codec } from '../../../src/bundle/compress.js';
import { FILE_MODE } from '../../../src/bundle/entry.js';
import { encodeEntryHeader } from '../../../src/bundle/tar-header.js';
import { runCli } from '../../helpers/cli.js';
import {
  assemble,
  baseSpecs,
  canonicalPiece,
  dir,
  EPOCH,
  file,
  frame,
  manifestFor,
  manifestPiece,
  paxPiece,
  rawHeader,
  resign,
  symlink,
  tarOf,
  type Piece,
  type Spec,
} from '../../helpers/craft.js';
import { tempDir } from '../../helpers/project.js';

interface Outcome {
  code: string;
  rule?: string;
}

/** Every file under `root` with its sha256 (symlinks by target), skipping `skip`. */
async function inventory(root: string, skip: Set<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (skip.has(p)) continue;
      if (e.isSymbolicLink()) out.set(p, `-> ${await fs.readlink(p)}`);
      else if (e.isDirectory()) {
        out.set(p, 'dir');
        await walk(p);
      } else out.set(p, createHash('sha256').update(await fs.readFile(p)).digest('hex'));
    }
  };
  await walk(root);
  return out;
}

const EXT: Record<Codec, string> = { none: '.repro.tar', gzip: '.repro.tar.gz', zstd: '.repro.tar.zst' };

/**
 * Writes the bundle into a fresh arena beside a victim directory, runs verify and exec on it,
 * and checks everything the issue asks: exit 4, the expected code (and rule), nothing new or
 * changed anywhere in the arena but the cache's own empty folders, no run directory, no marker.
 */
async function expectRefused(bytes: Buffer, expected: Outcome, codec: Codec = 'none', extraArgs: string[] = []): Promise<void> {
  const arena = tempDir('repro-hostile-');
  const bundle = path.join(arena, `hostile${EXT[codec]}`);
  await fs.writeFile(bundle, bytes);
  await fs.mkdir(path.join(arena, 'outside'));
  await fs.writeFile(path.join(arena, 'outside', 'victim'), 'original\n');
  await fs.mkdir(path.join(arena, 'cwd'));
  const cache = path.join(arena, 'cache');
  const before = await inventory(arena, new Set([cache]));

  const verify = await runCli(['verify', bundle, '--json', ...extraArgs], { cwd: path.join(arena, 'cwd') });
  expect(verify.code, verify.stderr).toBe(4);
  const vErr = verify.json().error;
  expect(vErr.code).toBe(expected.code);
  if (expected.rule) expect(vErr.details.rule ?? vErr.details.problems?.[0]?.field).toBe(expected.rule);
  expect(vErr.hint).toBeTruthy();

  const marker = path.join(arena, 'ran');
  const exec = await runCli(['exec', bundle, 'train.py', '--backend', 'local', '--out', path.join(arena, 'run'), '--json', ...extraArgs], {
    cwd: path.join(arena, 'cwd'),
    env: { REPRO_CACHE: cache, MARKER: marker },
  });
  expect(exec.code, exec.stderr).toBe(4);
  expect(exec.json().error.code).toBe(expected.code);

  // Nothing written outside the target; no partial cache entry; nothing ran.
  expect(await inventory(arena, new Set([cache]))).toEqual(before);
  expect(await fs.readFile(path.join(arena, 'outside', 'victim'), 'utf8')).toBe('original\n');
  expect(existsSync(path.join(arena, 'run'))).toBe(false);
  expect(existsSync(marker)).toBe(false);
  for (const sub of ['bundles', 'index']) {
    const entries = await fs.readdir(path.join(cache, sub)).catch(() => []);
    expect(entries, `cache/${sub}`).toEqual([]);
  }
}

/** The base project with `extra` appended, listed in the manifest exactly as written. */
async function withEntries(extra: Array<{ spec: Spec; piece?: Piece }>, codec: Codec = 'none'): Promise<Buffer> {
  const specs = [...baseSpecs(), ...extra.map((x) => x.spec)];
  const pieces = [...baseSpecs().map(canonicalPiece), ...extra.map((x) => x.piece ?? canonicalPiece(x.spec))];
  return assemble(manifestFor(specs, codec), pieces, codec);
}

/** A piece whose header is written by hand (names and types no honest writer produces). */
function rawFile(name: Buffer | string, content = 'pwned\n', typeflag = '0', extra: { mode?: number; linkname?: string } = {}): Piece {
  const bytes = Buffer.from(typeflag === '0' ? content : '');
  return { header: rawHeader({ name, typeflag, size: bytes.length, mode: extra.mode ?? FILE_MODE, linkname: extra.linkname }), content: bytes };
}

describe('hostile bundles: paths', () => {
  it('dot-dot traversal out of the project', async () => {
    const spec = file('project/../../outside/victim', 'pwned\n');
    await expectRefused(await withEntries([{ spec, piece: rawFile('project/../../outside/victim') }]), { code: 'E_UNSAFE_ENTRY', rule: 'dot-dot' });
  });

  it('absolute path', async () => {
    const spec = file('/tmp/repro-pwned', 'pwned\n');
    await expectRefused(await withEntries([{ spec, piece: rawFile('/tmp/repro-pwned') }]), { code: 'E_UNSAFE_ENTRY', rule: 'absolute-path' });
    expect(existsSync('/tmp/repro-pwned')).toBe(false);
  });

  it('absolute path hidden in a PAX record', async () => {
    const spec = file('/tmp/repro-pwned-pax', 'pwned\n');
    const piece = { header: Buffer.concat([paxPiece({ path: '/tmp/repro-pwned-pax' }), rawHeader({ name: 'project/innocent', typeflag: '0', size: 6 })]), content: Buffer.from('pwned\n') };
    await expectRefused(await withEntries([{ spec, piece }]), { code: 'E_UNSAFE_ENTRY', rule: 'absolute-path' });
  });

  it('drive-relative path', async () => {
    const spec = file('C:evil.txt', 'pwned\n');
    await expectRefused(await withEntries([{ spec, piece: rawFile('C:evil.txt') }]), { code: 'E_UNSAFE_ENTRY', rule: 'drive-path' });
  });

  it('a name component over 255 bytes (PAX)', async () => {
    const name = `project/${'x'.repeat(300)}`;
    const spec = file(name, 'long\n');
    const piece = { header: Buffer.concat([paxPiece({ path: name }), rawHeader({ name: 'project/short', typeflag: '0', size: 5 })]), content: Buffer.from('long\n') };
    await expectRefused(await withEntries([{ spec, piece }]), { code: 'E_UNSAFE_ENTRY', rule: 'name-too-long' });
  });

  it('a name that is not UTF-8', async () => {
    const name = Buffer.concat([Buffer.from('project/bad-'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('.py')]);
    const spec = file('project/bad-\uFFFD\uFFFD\uFFFD.py', 'x\n');
    await expectRefused(await withEntries([{ spec, piece: rawFile(name, 'x\n') }]), { code: 'E_UNSAFE_ENTRY', rule: 'not-utf8' });
  });
});

describe('hostile bundles: links', () => {
  it('a symlink that points outside, then a file written through it', async () => {
    const link = symlink('project/escape', '../../outside');
    const through = file('project/escape/victim', 'pwned\n');
    const piece = { header: rawHeader({ name: 'project/escape', typeflag: '2', mode: 0o777, linkname: '../../outside' }), content: Buffer.alloc(0) };
    await expectRefused(await withEntries([{ spec: link, piece }, { spec: through, piece: rawFile('project/escape/victim') }]), { code: 'E_UNSAFE_ENTRY', rule: 'symlink-escape' });
  });

  it('a file written through an in-tree symlink', async () => {
    const link = symlink('project/alias', 'data');
    const through = file('project/alias/x.csv', 'pwned\n');
    await expectRefused(await withEntries([{ spec: link }, { spec: through, piece: rawFile('project/alias/x.csv') }]), { code: 'E_UNSAFE_ENTRY', rule: 'beneath-symlink' });
  });

  it('a symlink with an absolute target', async () => {
    const link = symlink('project/passwd', '/etc/passwd');
    const piece = { header: rawHeader({ name: 'project/passwd', typeflag: '2', mode: 0o777, linkname: '/etc/passwd' }), content: Buffer.alloc(0) };
    await expectRefused(await withEntries([{ spec: link, piece }]), { code: 'E_UNSAFE_ENTRY', rule: 'symlink-escape' });
  });

  it('a hard link to a file outside', async () => {
    const spec = file('project/shadow', '');
    await expectRefused(await withEntries([{ spec, piece: rawFile('project/shadow', '', '1', { linkname: '/etc/shadow' }) }]), { code: 'E_UNSAFE_ENTRY' });
  });

  it('a symlink replaced by a directory', async () => {
    const link = symlink('project/swap', 'data');
    const swapped = dir('project/swap');
    const inside = file('project/swap/x', 'pwned\n');
    await expectRefused(await withEntries([{ spec: link }, { spec: swapped, piece: canonicalPiece(swapped) }, { spec: inside }]), { code: 'E_UNSAFE_ENTRY', rule: 'duplicate' });
  });
});

describe('hostile bundles: entry kinds and modes', () => {
  it.each([
    ['a character device', '3'],
    ['a block device', '4'],
    ['a FIFO', '6'],
  ])('%s', async (_attack, typeflag) => {
    const spec = file('project/dev', '');
    await expectRefused(await withEntries([{ spec, piece: rawFile('project/dev', '', typeflag) }]), { code: 'E_UNSAFE_ENTRY' });
  });

  it.each([
    ['setuid', 0o4755],
    ['setgid', 0o2755],
    ['sticky', 0o1755],
  ])('a %s bit', async (_attack, mode) => {
    const spec = file('project/run.sh', '#!/bin/sh\n', mode);
    // The header is exactly the canonical one the manifest predicts, so verify compares its
    // bytes and never decodes it: the safety rules still see the entry.
    await expectRefused(await withEntries([{ spec, piece: { header: encodeEntryHeader(spec.entry, EPOCH), content: Buffer.from('#!/bin/sh\n') } }]), { code: 'E_UNSAFE_ENTRY', rule: 'special-mode-bits' });
  });

  it('duplicate entries', async () => {
    const twin = file('project/train.py', 'import os; os.system("touch $MARKER")\n');
    await expectRefused(await withEntries([{ spec: twin }]), { code: 'E_UNSAFE_ENTRY', rule: 'duplicate' });
  });

  it('names that collide after case folding', async () => {
    await expectRefused(await withEntries([{ spec: file('project/TRAIN.py', 'x\n') }]), { code: 'E_UNSAFE_ENTRY', rule: 'case-collision' });
  });

  it('names that collide after Unicode case folding (straße / strasse)', async () => {
    await expectRefused(await withEntries([{ spec: file('project/strasse', 'a\n') }, { spec: file('project/straße', 'b\n') }]), { code: 'E_UNSAFE_ENTRY', rule: 'case-collision' });
  });

  it('a name that is not NFC (collides with its NFC twin on macOS)', async () => {
    const nfd = 'project/cafe\u0301';
    await expectRefused(await withEntries([{ spec: file(nfd, 'x\n'), piece: rawFile(nfd, 'x\n') }]), { code: 'E_UNSAFE_ENTRY', rule: 'not-nfc' });
  });
});

describe('hostile bundles: manifest against tar', () => {
  const specs = () => baseSpecs();

  it('the manifest lists an entry the tar lacks (missing)', async () => {
    const all = [...specs(), file('project/extra.py', 'x\n')];
    await expectRefused(await assemble(manifestFor(all), specs().map(canonicalPiece)), { code: 'E_INTEGRITY', rule: 'missing' });
  });

  it('the tar holds an entry the manifest lacks (extra)', async () => {
    const pieces = [...specs().map(canonicalPiece), canonicalPiece(file('project/payload.py', 'import os\n'))];
    await expectRefused(await assemble(manifestFor(specs()), pieces), { code: 'E_INTEGRITY', rule: 'extra' });
  });

  it('the tar holds the manifest\'s entries in another order', async () => {
    const s = specs();
    const pieces = [s[0]!, s[1]!, s[3]!, s[2]!].map(canonicalPiece); // train.py before data/x.csv
    await expectRefused(await assemble(manifestFor(s), pieces), { code: 'E_INTEGRITY', rule: 'order' });
  });

  it('the manifest lists one path twice (the tar holds it once)', async () => {
    // Identical listings: a verify that kept a path -> entry map (before 2026-11) let this pass.
    const twice = manifestFor(specs());
    twice.entries.splice(3, 0, { ...twice.entries[3]! });
    await expectRefused(await assemble(resign(twice), specs().map(canonicalPiece)), { code: 'E_INTEGRITY', rule: 'missing' });
    // Two hashes: the tar's train.py meets the first listing (wrong hash); the second is missing.
    const differing = manifestFor(specs());
    differing.entries.splice(3, 0, { ...differing.entries[3]!, sha256: '0'.repeat(64) });
    await expectRefused(await assemble(resign(differing), specs().map(canonicalPiece)), { code: 'E_INTEGRITY', rule: 'sha256' });
  });

  it('the manifest declares the wrong size', async () => {
    const doc = manifestFor(specs());
    doc.entries[3]!.size += 1;
    await expectRefused(await assemble(resign(doc), specs().map(canonicalPiece)), { code: 'E_INTEGRITY', rule: 'size' });
  });

  it('the manifest declares the wrong hash', async () => {
    const doc = manifestFor(specs());
    doc.entries[3]!.sha256 = '0'.repeat(64);
    await expectRefused(await assemble(resign(doc), specs().map(canonicalPiece)), { code: 'E_INTEGRITY', rule: 'sha256' });
  });

  it('the manifest declares the wrong mode', async () => {
    const doc = manifestFor(specs());
    doc.entries[3]!.mode = '0755';
    await expectRefused(await assemble(resign(doc), specs().map(canonicalPiece)), { code: 'E_INTEGRITY', rule: 'mode' });
  });

  it('an entry larger than declared', async () => {
    const s = specs();
    const bigger = file('project/train.py', 'print("hello")\nimport os; os.system("touch $MARKER")\n');
    const pieces = [...s.slice(0, 3).map(canonicalPiece), canonicalPiece(bigger)];
    await expectRefused(await assemble(manifestFor(s), pieces), { code: 'E_INTEGRITY', rule: 'size' });
  });

  it('a manifest edited without fixing its self digest', async () => {
    const doc = manifestFor(specs());
    doc.name = 'renamed';
    await expectRefused(await assemble(doc, specs().map(canonicalPiece)), { code: 'E_INTEGRITY' });
  });

  it('a bundle whose manifest declares a newer schemaVersion', async () => {
    const doc = resign({ ...manifestFor(specs()), schemaVersion: 2 });
    await expectRefused(await assemble(doc, specs().map(canonicalPiece)), { code: 'E_INTEGRITY', rule: 'schema-version' });
  });

  it('a tar whose first entry is not the manifest', async () => {
    const bytes = await frame(tarOf([...specs().map(canonicalPiece), manifestPiece(manifestFor(specs()))]), 'none');
    await expectRefused(bytes, { code: 'E_INTEGRITY' });
  });
});

describe.each(['none', 'gzip', 'zstd'] as const)('hostile bundles: framing (%s)', (codec) => {
  it('a truncated archive', async () => {
    const whole = await assemble(manifestFor(baseSpecs(), codec), baseSpecs().map(canonicalPiece), codec);
    await expectRefused(whole.subarray(0, Math.floor(whole.length * 0.6)), { code: 'E_INTEGRITY' }, codec);
  });
});

/** Tar pieces of zero-filled files, streamed: the bomb never exists uncompressed in memory. */
async function* zeroFiles(count: number, size: number): AsyncGenerator<Buffer> {
  const specs = [dir('project'), ...Array.from({ length: count }, (_, i) => ({ entry: { path: `project/z${i}`, type: 'file' as const, mode: FILE_MODE, size, sha256: 'f'.repeat(64) } }))];
  const manifest = manifestPiece(manifestFor(specs));
  yield manifest.header;
  yield manifest.content;
  yield Buffer.alloc((512 - (manifest.content.length % 512)) % 512);
  yield canonicalPiece(specs[0]!).header;
  const chunk = Buffer.alloc(1 << 20);
  for (const s of specs.slice(1)) {
    yield encodeEntryHeader(s.entry, EPOCH);
    for (let left = size; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
  }
  yield Buffer.alloc(1024);
}

/** An attacker compresses with whatever is fastest: Node's zlib at its best ratio. */
async function bombOf(tar: AsyncIterable<Buffer>, codec: 'gzip' | 'zstd'): Promise<Buffer> {
  const compressor = codec === 'gzip' ? zlib.createGzip({ level: 9 }) : zlib.createZstdCompress();
  return buffer(Readable.from(tar).pipe(compressor));
}

describe.each(['gzip', 'zstd'] as const)('hostile bundles: compression bombs (%s)', (codec) => {
  const LIMIT = String(64 * 2 ** 20);

  it('one entry that unpacks beyond --max-bytes', async () => {
    const bomb = await bombOf(zeroFiles(1, 512 * 2 ** 20), codec);
    expect(bomb.length).toBeLessThan(2 ** 20); // a real bomb: 512 MiB in under 1 MiB
    await expectRefused(bomb, { code: 'E_LIMIT' }, codec, ['--max-bytes', LIMIT]);
  });

  it('many entries, each under the limit, that together unpack beyond it', async () => {
    const bomb = await bombOf(zeroFiles(32, 8 * 2 ** 20), codec);
    expect(bomb.length).toBeLessThan(2 ** 20);
    await expectRefused(bomb, { code: 'E_LIMIT' }, codec, ['--max-bytes', LIMIT]);
  });
});

describe('hostile bundles: entry count', () => {
  it('200,000 tiny entries beyond the entry limit', async () => {
    async function* tiny(): AsyncGenerator<Buffer> {
      const manifest = manifestPiece(manifestFor([dir('project')]));
      yield Buffer.concat([manifest.header, manifest.content, Buffer.alloc((512 - (manifest.content.length % 512)) % 512)]);
      yield canonicalPiece(dir('project')).header;
      const batch: Buffer[] = [];
      for (let i = 0; i < 200_000; i++) {
        batch.push(encodeEntryHeader({ path: `project/f${i}`, type: 'file', mode: FILE_MODE, size: 0 }, EPOCH));
        if (batch.length === 4096) yield Buffer.concat(batch.splice(0));
      }
      yield Buffer.concat([...batch, Buffer.alloc(1024)]);
    }
    await expectRefused(await frame(tiny(), 'zstd'), { code: 'E_LIMIT' }, 'zstd');
  });
});

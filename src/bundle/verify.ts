// verifyBundle: reads a bundle once, streaming, without extracting it. It checks the file
// digest when one is given, the compression framing, every entry against the manifest
// (type, mode, size, sha256, no missing or extra), that every header is in canonical form,
// and refuses unsafe entries. Every problem found is returned as evidence: entry, field,
// expected, actual.
import { createHash } from 'node:crypto';
import { Header } from 'tar';
import ssri from 'ssri';
import type { Difference } from '../core/difference.js';
import { ReproError, isReproError } from '../core/errors.js';
import { sha512Integrity, StreamHasher } from '../core/stream-hasher.js';
import { decodeError, openBundle, readRange } from './open.js';
import type { ProgressReporter } from '../core/context.js';
import type { Codec } from './compress.js';
import { parseTrailer, payloadCheck, trailerSize } from './trailer.js';
import zlib from 'node:zlib';
import { MANIFEST_PATH } from './layout.js';
import { fromManifestEntry, readManifest, type ManifestEntry, type ManifestRead } from './manifest.js';
import { EntryGuard } from './entry-safety.js';
import { formatMode, type BundleEntry } from './entry.js';
import { encodeEntryHeader } from './tar-header.js';
import { DEFAULT_LIMITS, readTar, type RawEntry, type TarLimits } from './tar-read.js';

export type ProblemField = 'missing' | 'extra' | 'type' | 'mode' | 'size' | 'sha256' | 'target' | 'header' | 'order' | 'compression' | 'digest';

/** An entry (or the manifest, or the file) that does not match what the manifest records. */
export type Problem = Difference<ProblemField> & { entry: string; expected: unknown; actual: unknown };

export interface EntrySink {
  write(slice: Buffer): void;
  end(): void;
}

export interface VerifyReport {
  bundle: string;
  name: string;
  version: string;
  codec: Codec;
  contentDigest: string;
  fileDigest: string;
  integrity: string;
  entries: number;
  tarSize: number;
  fileSize: number;
  manifest: ManifestRead;
  /** Which digest `--digest` matched, when one was given. */
  digestMatched?: 'contentDigest' | 'fileDigest' | 'integrity';
}

export interface VerifyOptions {
  digest?: string;
  limits?: TarLimits;
  progress?: ProgressReporter;
  /**
   * Called for every entry of the project (after its header checks), in archive order; the sink
   * gets a file's content and then end(). Extraction uses it: whatever it writes is discarded
   * unless the whole bundle verifies.
   */
  onEntry?: (entry: BundleEntry) => EntrySink | undefined;
}

const MAX_PROBLEMS = 200;

export async function verifyBundle(file: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const fileHash = new StreamHasher(['sha256', 'sha512']);
  try {
    return await verifyWith(fileHash, file, options);
  } finally {
    fileHash.abort();
  }
}

async function verifyWith(fileHash: StreamHasher, file: string, options: VerifyOptions): Promise<VerifyReport> {
  const tarHash = createHash('sha256');
  let payloadCrc = 0;
  let payloadLeft = 0;
  let payloadSize = 0;
  let tarSize = 0;
  const stream = await openBundle(file, {
    onFileBytes: (b) => {
      options.progress?.tick(b.length);
      if (payloadLeft > 0) {
        const part = b.length <= payloadLeft ? b : b.subarray(0, payloadLeft);
        payloadCrc = zlib.crc32(part, payloadCrc);
        payloadLeft -= part.length;
        payloadSize += part.length;
      }
      return fileHash.update(b);
    },
    onTarBytes: (b) => {
      tarHash.update(b);
      tarSize += b.length;
    },
  });
  const { codec } = stream;
  payloadLeft = Math.max(0, stream.size - trailerSize(codec));
  options.progress?.start('verifying', stream.size);
  const checker = new ManifestChecker(options.onEntry);
  try {
    await readTar(stream.tar, checker, options.limits ?? DEFAULT_LIMITS);
  } catch (err) {
    stream.close();
    throw isReproError(err) ? err : decodeError(err, codec);
  } finally {
    options.progress?.stop();
  }
  const manifest = checker.finish();
  const fileDigests = await fileHash.digest();
  await checkFraming(file, codec, manifest, payloadCheck(payloadCrc, payloadSize), stream.size, checker.problems);

  const report: VerifyReport = {
    bundle: file,
    name: manifest.head.name,
    version: manifest.head.version,
    codec,
    contentDigest: `sha256:${tarHash.digest('hex')}`,
    fileDigest: `sha256:${fileDigests.sha256!.toString('hex')}`,
    integrity: sha512Integrity(fileDigests.sha512!),
    entries: manifest.count + 1,
    tarSize,
    fileSize: stream.size,
    manifest,
  };
  if (options.digest !== undefined) report.digestMatched = matchDigest(options.digest, report, checker.problems);
  if (checker.problems.length > 0) throw integrityFailure(file, checker.problems);
  return report;
}

/** The codec must be the declared one, and the trailer's digest must match the bytes before it. */
async function checkFraming(file: string, codec: Codec, manifest: ManifestRead, payloadDigest: Buffer, fileSize: number, problems: Problem[]): Promise<void> {
  const declared = manifest.head.compression.codec;
  if (declared !== codec) {
    problems.push({ entry: MANIFEST_PATH, field: 'compression', expected: declared, actual: codec });
    return;
  }
  if (codec === 'none') return;
  const size = trailerSize(codec);
  const recorded = parseTrailer(codec, await readRange(file, Math.max(0, fileSize - size), size));
  if (recorded === null) {
    problems.push({ entry: '(compressed file)', field: 'compression', expected: `a ${codec} self-check trailer at the end`, actual: 'none' });
  } else if (!recorded.equals(payloadDigest)) {
    problems.push({ entry: '(compressed file)', field: 'compression', expected: `crc32+length ${recorded.toString('hex')}`, actual: `crc32+length ${payloadDigest.toString('hex')}` });
  }
}

function matchDigest(digest: string, report: VerifyReport, problems: Problem[]): VerifyReport['digestMatched'] {
  if (digest === report.contentDigest) return 'contentDigest';
  if (digest === report.fileDigest) return 'fileDigest';
  if (/^sha(256|384|512)-/.test(digest) && ssri.parse(digest)?.match(ssri.parse(report.integrity))) return 'integrity';
  if (!/^sha256:[0-9a-f]{64}$/.test(digest) && !/^sha(256|384|512)-[A-Za-z0-9+/=]+$/.test(digest)) {
    throw new ReproError('E_USAGE', `not a digest: ${JSON.stringify(digest)}`, {
      hint: 'Pass sha256:<64 hex digits> (the contentDigest or fileDigest printed by repro build) or an ssri integrity string.',
      details: { digest },
    });
  }
  problems.push({ entry: '(bundle file)', field: 'digest', expected: digest, actual: { contentDigest: report.contentDigest, fileDigest: report.fileDigest } });
  return undefined;
}

function integrityFailure(file: string, problems: Problem[]): ReproError {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new ReproError('E_INTEGRITY', `bundle does not verify: ${first.entry}: ${first.field} differs${more}`, {
    hint: 'The bundle is damaged or was altered. Rebuild it, or fetch it again from its source.',
    details: { bundle: file, problems: problems.slice(0, MAX_PROBLEMS), problemCount: problems.length },
  });
}

/** Checks each entry as it streams past against the manifest that came first. */
class ManifestChecker {
  readonly problems: Problem[] = [];
  // A case twin is named from the manifest when the bundle is in order (ordinal 0 is the manifest).
  readonly #guard = new EntryGuard((ordinal) => (ordinal > 0 && ordinal <= (this.#manifest?.count ?? 0) ? this.#manifest!.entryAt(ordinal - 1).path : undefined));
  readonly #onEntry: VerifyOptions['onEntry'];
  #manifest: ManifestRead | undefined;
  #manifestParts: Buffer[] | undefined;
  readonly #scratch = Buffer.alloc(512);
  /** Which manifest entries the tar has shown (a byte each). */
  #seen: Uint8Array | undefined;
  /** Path -> manifest index: made only when an entry is out of place (a damaged bundle). */
  #byPath: Map<string, number> | undefined;
  #index = 0;

  constructor(onEntry: VerifyOptions['onEntry']) {
    this.#onEntry = onEntry;
  }

  entry(e: RawEntry): (slice: Buffer) => void {
    this.#guard.check(e.path, e.type, e.mode, e.target);
    const position = this.#index++;
    if (position === 0) return this.#startManifest(e);
    const manifest = this.#manifest;
    if (!manifest) throw new ReproError('E_INTERNAL', 'manifest missing after first entry');
    const found = this.#find(manifest, e.path, position - 1);
    if (found === undefined) {
      this.#add({ entry: e.path, field: 'extra', expected: null, actual: { type: e.type, size: e.size } });
      this.#current = undefined;
      return () => {};
    }
    this.#seen![found.index] = 1;
    const expected = fromManifestEntry(found.entry);
    const matches = this.#compareHeader(e, expected);
    const hash = e.type === 'file' ? createHash('sha256') : undefined;
    // Only an entry whose header is exactly the manifest's goes to the sink: what extraction
    // creates is always what both the tar and the manifest say (the bundle fails anyway).
    const downstream = matches ? this.#onEntry?.(expected) : undefined;
    const sink = (slice: Buffer) => {
      hash?.update(slice);
      downstream?.write(slice);
    };
    this.#current = sink as SinkWithEnd;
    (sink as SinkWithEnd).end = () => {
      downstream?.end();
      if (hash && e.size === expected.size) {
        const actual = hash.digest('hex');
        if (actual !== expected.sha256) this.#add({ entry: e.path, field: 'sha256', expected: expected.sha256, actual });
      }
    };
    return sink;
  }

  entryEnd(e: RawEntry, padding: Buffer): void {
    if (this.#index === 1) this.#finishManifest();
    else this.#current?.end?.();
    if (padding.some((b) => b !== 0)) this.#add({ entry: e.path, field: 'header', expected: 'zero padding', actual: 'non-zero padding' });
  }

  #current: SinkWithEnd | undefined;

  /**
   * The manifest index of the tar entry at `slot`. In a sound bundle it is `slot` itself: the
   * tar holds the manifest's entries in its order, so each entry is parsed from the manifest's
   * bytes as it comes and nothing per entry is kept. Once an entry is out of place, every
   * path is looked up, and the misplaced one is named.
   */
  #find(manifest: ManifestRead, path: string, slot: number): { index: number; entry: ManifestEntry } | undefined {
    const here = slot < manifest.count ? manifest.entryAt(slot) : undefined;
    const inOrder = here?.path ?? null;
    if (this.#byPath === undefined && here !== undefined && inOrder === path && !this.#seen![slot]) return { index: slot, entry: here };
    if (this.#byPath === undefined) {
      this.#byPath = new Map();
      for (let i = 0; i < manifest.count; i++) this.#byPath.set(manifest.entryAt(i).path, i);
    }
    const index = this.#byPath.get(path);
    if (index === undefined || this.#seen![index]) return undefined;
    if (inOrder !== path) this.#add({ entry: path, field: 'order', expected: inOrder, actual: path });
    return { index, entry: index === slot && here ? here : manifest.entryAt(index) };
  }

  #startManifest(e: RawEntry): (slice: Buffer) => void {
    if (e.path !== MANIFEST_PATH || e.type !== 'file') {
      throw new ReproError('E_INTEGRITY', `the first entry is ${JSON.stringify(e.path)}, not the bundle manifest`, {
        hint: 'This is not a repro bundle, or it was repacked by another tool.',
        details: { entry: e.path, expected: MANIFEST_PATH },
      });
    }
    if (e.size > 256 * 2 ** 20) throw new ReproError('E_LIMIT', 'the bundle manifest is larger than 256 MiB', { details: { size: e.size } });
    this.#manifestParts = [];
    this.#pendingManifestHeader = e;
    return (slice) => this.#manifestParts!.push(Buffer.from(slice));
  }

  #pendingManifestHeader: RawEntry | undefined;

  #finishManifest(): void {
    const manifest = readManifest(Buffer.concat(this.#manifestParts!));
    this.#manifest = manifest;
    this.#manifestParts = undefined;
    this.#seen = new Uint8Array(manifest.count);
    const e = this.#pendingManifestHeader!;
    const canonical = encodeEntryHeader({ path: MANIFEST_PATH, type: 'file', mode: 0o644, size: e.size }, manifest.head.sourceDateEpoch);
    if (!canonical.equals(e.raw)) this.#add({ entry: MANIFEST_PATH, field: 'header', ...headerDifference(canonical, e.raw) });
  }

  #compareHeader(e: RawEntry, expected: BundleEntry): boolean {
    const before = this.problems.length;
    if (e.type !== expected.type) this.#add({ entry: e.path, field: 'type', expected: expected.type, actual: e.type });
    if (e.mode !== expected.mode) this.#add({ entry: e.path, field: 'mode', expected: formatMode(expected.mode), actual: formatMode(e.mode) });
    if (e.size !== expected.size) this.#add({ entry: e.path, field: 'size', expected: expected.size, actual: e.size });
    if (e.type === 'symlink' && e.target !== expected.target) this.#add({ entry: e.path, field: 'target', expected: expected.target ?? null, actual: e.target ?? null });
    const canonical = encodeEntryHeader(expected, this.#manifest!.head.sourceDateEpoch, this.#scratch);
    if (!canonical.equals(e.raw)) this.#add({ entry: e.path, field: 'header', ...headerDifference(canonical, e.raw) });
    return this.problems.length === before;
  }

  #add(p: Problem): void {
    this.problems.push(p);
  }

  finish(): ManifestRead {
    const manifest = this.#manifest;
    if (!manifest) {
      throw new ReproError('E_INTEGRITY', 'the bundle is empty (no manifest)', { hint: 'This is not a repro bundle.', details: {} });
    }
    for (let i = 0; i < manifest.count; i++) {
      if (!this.#seen![i]) this.#add({ entry: manifest.entryAt(i).path, field: 'missing', expected: 'present', actual: null });
    }
    return manifest;
  }
}

type SinkWithEnd = ((slice: Buffer) => void) & { end?: () => void };

const HEADER_FIELDS = ['path', 'type', 'mode', 'uid', 'gid', 'size', 'mtime', 'linkpath', 'uname', 'gname', 'devmaj', 'devmin'] as const;

/** Names the header fields that differ from the canonical encoding, with both values. */
export function headerDifference(canonical: Buffer, raw: Buffer): { expected: Record<string, unknown>; actual: Record<string, unknown> } {
  const a = new Header(canonical.subarray(canonical.length - 512));
  const b = new Header(raw.subarray(raw.length - 512));
  const expected: Record<string, unknown> = {};
  const actual: Record<string, unknown> = {};
  for (const field of HEADER_FIELDS) {
    const x = normalizeField(a[field]);
    const y = normalizeField(b[field]);
    if (x !== y) {
      expected[field] = x;
      actual[field] = y;
    }
  }
  if (canonical.length !== raw.length) {
    expected.paxRecord = canonical.length > 512;
    actual.paxRecord = raw.length > 512;
  }
  if (Object.keys(expected).length === 0) {
    expected.bytes = canonical.toString('hex');
    actual.bytes = raw.toString('hex');
  }
  return { expected, actual };
}

function normalizeField(v: unknown): unknown {
  if (v instanceof Date) return v.getTime() / 1000;
  if (typeof v === 'number' && Number.isNaN(v)) return null;
  return v ?? null;
}

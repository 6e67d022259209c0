// verifyBundle: reads a bundle once, streaming, without extracting it. It hashes the file and
// the tar, checks the digest when one is given and the compression framing, and has every entry
// checked against the manifest (manifest-check.ts). Every problem found is returned as evidence:
// entry, field, expected, actual.
import { createHash } from 'node:crypto';
import ssri from 'ssri';
import type { ProgressReporter } from '../core/context.js';
import { ReproError, isReproError } from '../core/errors.js';
import { sha512Integrity, StreamHasher } from '../core/stream-hasher.js';
import type { Codec } from './compress.js';
import { MANIFEST_PATH } from './layout.js';
import { ManifestChecker, type EntryHandler, type Problem } from './manifest-check.js';
import type { ManifestRead } from './manifest.js';
import { decodeError, openBundle, readRange, type OpenOptions } from './open.js';
import { DEFAULT_LIMITS, readTar, type TarLimits } from './tar-read.js';
import { parseTrailer, payloadCheck, trailerSize } from './trailer.js';
import { SHA256_DIGEST } from '../core/digest.js';
import { bundleIntegrityError } from './integrity.js';

export type { EntrySink, Problem, ProblemField } from './manifest-check.js';

export interface VerifyReport {
  bundle: string;
  name: string;
  version: string;
  codec: Codec;
  contentDigest: string;
  fileDigest: string;
  /** The file's ssri sha512 string; null when the caller did not ask for it (VerifyOptions.integrity). */
  integrity: string | null;
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
  /** Verify these bytes as they arrive (they are being written to `file`); see openBundle. */
  source?: OpenOptions['source'];
  /** Awaited after the last byte, before the file's trailer is read back from `file`. */
  beforeFraming?: () => Promise<void>;
  /**
   * Called for every entry of the project (after its header checks), in archive order; the sink
   * gets a file's content and then end(). Extraction uses it: whatever it writes is discarded
   * unless the whole bundle verifies.
   */
  onEntry?: EntryHandler;
  /**
   * Whether to compute the file's sha512 for `integrity` (default true). Pull, push and exec's
   * extraction key everything by sha256 and skip it: ~1.4 s of CPU a GiB.
   */
  integrity?: boolean;
}

const MAX_PROBLEMS = 200;

export async function verifyBundle(file: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const sha512 = options.integrity !== false || (options.digest !== undefined && /^sha(256|384|512)-/.test(options.digest));
  // The trailer's CRC-32 covers the compressed bytes before it; the hasher's worker computes it
  // beside the digests (it was ~0.4 s a GiB on this thread). Their number is known once the
  // bundle is open, before its first byte is read.
  let payloadBytes = -1;
  const fileHash = new StreamHasher(sha512 ? ['sha256', 'sha512'] : ['sha256'], {
    crc32Bytes: () => {
      if (payloadBytes < 0) throw new Error('internal error: the bundle\'s bytes were read before its size was known');
      return payloadBytes;
    },
  });
  const tarHash = new TarHash(() => payloadBytes);
  try {
    return await verifyWith(fileHash, tarHash, file, options, (n) => (payloadBytes = n));
  } finally {
    fileHash.abort();
    tarHash.abort();
  }
}

/** Bundles of this many compressed bytes or more hash their tar on a worker thread. */
const TAR_HASH_WORKER_BYTES = 32 << 20;

/**
 * The tar's sha256 (the content digest): on this thread for a small bundle, on a worker for a
 * large one, where it was a GiB's 0.65 s on the thread that also decompresses, reads the tar and
 * hashes every entry (copying the bytes to the worker costs a quarter of that).
 */
class TarHash {
  #local: ReturnType<typeof createHash> | undefined;
  #worker: StreamHasher | undefined;
  readonly #bundleBytes: () => number;
  constructor(bundleBytes: () => number) {
    this.#bundleBytes = bundleBytes;
  }
  update(b: Buffer): Promise<void> | undefined {
    if (!this.#local && !this.#worker) {
      if (this.#bundleBytes() >= TAR_HASH_WORKER_BYTES) this.#worker = new StreamHasher(['sha256']);
      else this.#local = createHash('sha256');
    }
    if (this.#worker) return this.#worker.update(b);
    this.#local!.update(b);
    return undefined;
  }
  async hex(): Promise<string> {
    if (this.#worker) return (await this.#worker.digest()).sha256!.toString('hex');
    return (this.#local ?? createHash('sha256')).digest('hex');
  }
  abort(): void {
    this.#worker?.abort();
  }
}

async function verifyWith(fileHash: StreamHasher, tarHash: TarHash, file: string, options: VerifyOptions, setPayloadBytes: (n: number) => void): Promise<VerifyReport> {
  let tarSize = 0;
  let fileBytes = 0;
  const stream = await openBundle(file, {
    ...(options.source ? { source: options.source } : {}),
    onFileBytes: (b) => {
      options.progress?.tick(b.length);
      fileBytes += b.length;
      return fileHash.update(b);
    },
    onTarBytes: (b) => {
      tarSize += b.length;
      return tarHash.update(b);
    },
  });
  const { codec } = stream;
  const payloadBytes = Math.max(0, stream.size - trailerSize(codec));
  setPayloadBytes(payloadBytes);
  options.progress?.start('verifying', stream.size);
  const checker = new ManifestChecker(options.onEntry);
  try {
    await readTar(stream.tar, checker, options.limits ?? DEFAULT_LIMITS, { firstEntry: MANIFEST_PATH });
  } catch (err) {
    stream.close();
    throw isReproError(err) ? err : decodeError(err, codec);
  } finally {
    options.progress?.stop();
  }
  const manifest = checker.finish();
  const fileDigests = await fileHash.digest();
  await options.beforeFraming?.();
  // The CRC-32 of the payload the file held (all of it, when it was cut short of its size).
  const payloadCrc = fileDigests.crc32!.readUInt32BE(0);
  await checkFraming(file, codec, manifest, payloadCheck(payloadCrc, Math.min(payloadBytes, fileBytes)), stream.size, checker.problems);

  const report: VerifyReport = {
    bundle: file,
    name: manifest.head.name,
    version: manifest.head.version,
    codec,
    contentDigest: `sha256:${await tarHash.hex()}`,
    fileDigest: `sha256:${fileDigests.sha256!.toString('hex')}`,
    integrity: fileDigests.sha512 ? sha512Integrity(fileDigests.sha512) : null,
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
  if (/^sha(256|384|512)-/.test(digest) && report.integrity !== null && ssri.parse(digest)?.match(ssri.parse(report.integrity))) return 'integrity';
  if (!SHA256_DIGEST.test(digest) && !/^sha(256|384|512)-[A-Za-z0-9+/=]+$/.test(digest)) {
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
  return bundleIntegrityError(`bundle does not verify: ${first.entry}: ${first.field} differs${more}`, { bundle: file, problems: problems.slice(0, MAX_PROBLEMS), problemCount: problems.length });
}

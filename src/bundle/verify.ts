// verifyBundle: reads a bundle once, streaming, without extracting it. It hashes the file and
// the tar, checks the digest when one is given and the compression framing, and has every entry
// checked against the manifest (manifest-check.ts). Every problem found is returned as evidence:
// entry, field, expected, actual.
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
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
    ...(options.source ? { source: options.source } : {}),
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

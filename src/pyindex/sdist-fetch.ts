// The sdists --allow-build takes, from the package index: the file of `name==version` whose
// sha256 the lock names, found on the index's simple page and fetched with a bounded download,
// the bytes checked again as they arrive (pip download of an sdist would run its setup.py on
// this machine to read its metadata). wheel/fetch.ts gets this function from its callers.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ReproError } from '../core/errors.js';
import { sha256OfPath } from '../core/file-read.js';
import { normalizeName, requirementLines } from '../lockfile/requirements.js';
import { downloadTarball } from '../npm/fetch.js';
import { stripCredentials } from '../secrets/rules.js';
import { SDIST_FILE, type SdistFetcher } from '../wheel/sdist.js';
import { DEFAULT_INDEX, distributionOf, listFiles } from './simple.js';

/** Larger than any real sdist's download. */
const MAX_SDIST_BYTES = 512 * 1024 * 1024;

/** The indexes pip would ask for the lock: its --index-url (else PIP_INDEX_URL, else PyPI), then its --extra-index-url lines and PIP_EXTRA_INDEX_URL's. */
export function lockIndexes(text: string, env: Readonly<Record<string, string | undefined>>): string[] {
  let main: string | null = null;
  const extra: string[] = [];
  for (const line of requirementLines(text)) {
    const m = /^(-i|--index-url|--extra-index-url)[=\s]+(\S+)/.exec(line);
    if (!m) continue;
    if (m[1] === '--extra-index-url') extra.push(m[2]!);
    else main ??= m[2]!;
  }
  return [main ?? env.PIP_INDEX_URL ?? DEFAULT_INDEX, ...extra, ...(env.PIP_EXTRA_INDEX_URL ?? '').split(/\s+/).filter((u) => u !== '')];
}

/** Fetches the sdist of `name==version` whose sha256 the lock names, from the first index that lists it, into the store; the bytes checked as they arrive. */
export const fetchSdist: SdistFetcher = async (request) => {
  const { name, version, hashes, who } = request;
  const tried: string[] = [];
  for (const index of lockIndexes(request.requirementsText, request.env)) {
    tried.push(stripCredentials(index));
    const files = (await listFiles(index, name)) ?? [];
    const file = files.find((f) => SDIST_FILE.test(f.filename) && hashes.has(f.sha256) && distributionOf(f.filename)?.project === normalizeName(name) && distributionOf(f.filename)?.version === version);
    if (!file) continue;
    // Stored as <store>/<sha256>/<file> like a fetched wheel: a second build reads it from there.
    const dir = path.join(request.store, file.sha256);
    const source = path.join(dir, file.filename);
    const have = await fs.stat(source).then((s) => (s.isFile() ? s.size : null), () => null);
    if (have !== null && hashes.has(sha256OfPath(source))) return { file: file.filename, source, sha256: file.sha256, size: have };
    let bytes: Buffer;
    try {
      bytes = await downloadTarball(file.url, { timeoutMs: 300_000, maxBytes: MAX_SDIST_BYTES });
    } catch (err) {
      throw new ReproError('E_ENV', `${who}: ${name}==${version}: ${stripCredentials(file.url)} could not be fetched (${(err as Error).message}): nothing was written`, { hint: 'Check the network and the index.', details: { package: name, url: stripCredentials(file.url) } });
    }
    const got = createHash('sha256').update(bytes).digest('hex');
    if (!hashes.has(got)) {
      throw new ReproError('E_INTEGRITY', `${request.lock}: ${normalizeName(name)}: the sdist the index served does not match the lock (expected sha256 ${[...hashes].join(' or ')}, got ${got}): nothing was written`, {
        hint: 'The index serves other bytes than the ones locked: lock again from a trusted index, or find out who changed the file.',
        details: { lockfile: request.lock, mismatches: [{ package: normalizeName(name), expected: [...hashes], got }] },
      });
    }
    await fs.mkdir(dir, { recursive: true });
    const tmp = `${source}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, source);
    return { file: file.filename, source, sha256: got, size: bytes.length };
  }
  throw new ReproError('E_ENV', `${who}: no index serves an sdist of ${name}==${version} with the hash ${request.lock} locks: nothing was written`, { hint: 'The package has no wheel for this interpreter and no locked sdist either: lock for this platform, or name the index that has it (--index-url in the lock, PIP_INDEX_URL).', details: { package: name, version, indexes: tried } });
};

// Fetching the tarballs an npm lock installs (lock.ts) into a content-addressed store,
// <cache>/npm/<sha512 hex>.tgz, each checked against the lock's integrity with ssri before it is
// kept: a tarball that does not match is E_INTEGRITY (exit 4) naming the package, the integrity
// expected and the one got, and nothing is written. Credentials in a URL are sent as the URL
// carries them and never written anywhere.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import ssri from 'ssri';
import type { Logger } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { splitCredentials, stripCredentials } from '../secrets/rules.js';
import { tarballName, type NpmLockPackage } from './lock.js';

export const NPM_STORE_DIR = 'npm';
/** No npm tarball is larger (the registry's own limit is far below). */
const MAX_TARBALL_BYTES = 1024 * 1024 * 1024;

export interface FetchedTarball {
  package: NpmLockPackage;
  /** Its vendored file name. */
  file: string;
  /** Its path in the store. */
  source: string;
  size: number;
  sha256: string;
}

/** How long one tarball may take to arrive, whole. */
const TARBALL_TIMEOUT_MS = 120_000;

/**
 * One tarball, as a hostile registry may serve it: a declared length past the bound is refused
 * before any byte is read, and the body is counted as it comes (a chunked answer that never ends
 * is cut at the bound, not buffered whole); the whole download has a time limit.
 */
export async function downloadTarball(resolved: string, limits: { timeoutMs: number; maxBytes: number } = { timeoutMs: TARBALL_TIMEOUT_MS, maxBytes: MAX_TARBALL_BYTES }): Promise<Buffer> {
  const { url, authorization } = splitCredentials(new URL(resolved));
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const res = await fetch(url, { headers: authorization ? { authorization } : {}, signal }).catch((err: Error) => {
    throw new Error(signal.aborted ? `no answer within ${limits.timeoutMs / 1000} s` : err.message);
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > limits.maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`the server declares ${declared} bytes, more than ${limits.maxBytes}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body ?? []) {
      size += chunk.length;
      if (size > limits.maxBytes) throw new Error(`more than ${limits.maxBytes} bytes`);
      chunks.push(Buffer.from(chunk));
    }
  } catch (err) {
    await res.body?.cancel().catch(() => {});
    throw new Error(signal.aborted ? `the body did not arrive within ${limits.timeoutMs / 1000} s` : (err as Error).message);
  }
  return Buffer.concat(chunks);
}

/** Fetches (or finds in the store) every package's tarball, checked against its integrity. */
export async function fetchTarballs(packages: readonly NpmLockPackage[], lock: string, cacheRoot: string, log: Logger, who: string): Promise<FetchedTarball[]> {
  const store = path.join(cacheRoot, NPM_STORE_DIR);
  await fs.mkdir(store, { recursive: true });
  const byFile = new Map<string, NpmLockPackage>();
  for (const p of packages) if (!byFile.has(tarballName(p))) byFile.set(tarballName(p), p);
  const unique = [...byFile.values()];
  log.info(`${who}: fetching the ${unique.length} npm tarballs of ${lock}, each checked against its integrity`);
  const out: FetchedTarball[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < unique.length) {
      const p = unique[next++]!;
      const integrity = ssri.parse(p.integrity);
      const algo = integrity.pickAlgorithm();
      const hex = Buffer.from(integrity[algo]![0]!.digest, 'base64').toString('hex');
      const source = path.join(store, `${algo}-${hex}.tgz`);
      let bytes: Buffer | null = await fs.readFile(source).catch(() => null);
      if (!bytes || !ssri.checkData(bytes, integrity)) {
        let got: Buffer;
        try {
          got = await downloadTarball(p.resolved);
        } catch (err) {
          throw new ReproError('E_ENV', `${who}: ${p.name}@${p.version}: ${stripCredentials(p.resolved)} could not be fetched (${(err as Error).message}): nothing was written`, { hint: 'Check the network and the registry the lock names.', details: { package: p.name, url: stripCredentials(p.resolved) } });
        }
        if (!ssri.checkData(got, integrity)) {
          const actual = ssri.fromData(got, { algorithms: [algo] }).toString();
          throw new ReproError('E_INTEGRITY', `${lock}: ${p.name}@${p.version}: the tarball the registry served does not match the lock (expected ${p.integrity}, got ${actual}): nothing was written`, {
            hint: 'The registry serves other bytes than the ones locked: lock again from a trusted registry, or find out who changed the package.',
            details: { lockfile: lock, package: p.name, expected: p.integrity, got: actual },
          });
        }
        bytes = got;
        const tmp = `${source}.${process.pid}.tmp`;
        await fs.writeFile(tmp, got);
        await fs.rename(tmp, source);
      }
      out.push({ package: p, file: tarballName(p), source, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
  }));
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

// The one place that reads the running Node's version table, so the rest of the code can be
// told what it runs on (and tests can pretend otherwise).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface RuntimeVersions {
  node: string;
  zlib: string;
  zstd: string | null;
  openssl: string;
  v8: string;
}

export function runtimeVersions(): RuntimeVersions {
  const v = process.versions as Record<string, string | undefined>;
  return { node: v.node ?? 'unknown', zlib: v.zlib ?? 'unknown', zstd: v.zstd ?? null, openssl: v.openssl ?? 'unknown', v8: v.v8 ?? 'unknown' };
}

let glibc: string | null | undefined;

/** The running glibc's version, or null (musl, macOS, Windows). Read once: a report costs ~20 ms. */
export function glibcVersion(): string | null {
  if (glibc === undefined) {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    glibc = header?.glibcVersionRuntime ?? null;
  }
  return glibc;
}

/** The version of an installed package, read from its package.json. */
export function packageVersion(name: string): string {
  try {
    const pkgPath = require.resolve(`${name}/package.json`);
    return (require(pkgPath) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** repro's own version, from its package.json. */
export function reproVersion(): string {
  return (require('../../package.json') as { version: string }).version;
}

/** The Node binary running repro (so a probe of `node` on PATH can skip a spawn when it is this one). */
export function runtimeExecPath(): string {
  return process.execPath;
}

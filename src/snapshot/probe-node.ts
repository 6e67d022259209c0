// The Node.js a project runs on: `node` on PATH (which may not be the Node running repro),
// with the versions of V8, zlib, zstd and OpenSSL it carries.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-write.js';
import path from 'node:path';
import { runtimeExecPath, runtimeVersions } from '../core/runtime.js';
import { findOnPath, runTool } from './run-tool.js';

export interface NodeIdentity {
  version: string;
  v8: string | null;
  zlib: string | null;
  zstd: string | null;
  openssl: string | null;
}

export interface NodeProbeOptions {
  timeoutMs: number;
  env: Readonly<Record<string, string | undefined>>;
  /** Remembers each node binary's versions, keyed by its path, size, mtime and inode. */
  cacheDir?: string;
}

export async function probeNode(options: NodeProbeOptions): Promise<{ identity: NodeIdentity | null; notes: string[] }> {
  // When `node` on PATH is the binary running repro, its versions are already known.
  const found = await findOnPath('node', options.env.PATH);
  if (found && (await fs.realpath(found).catch(() => found)) === (await fs.realpath(runtimeExecPath()).catch(() => ''))) {
    const v = runtimeVersions();
    return { identity: { version: v.node, v8: v.v8, zlib: v.zlib, zstd: v.zstd, openssl: v.openssl }, notes: [] };
  }
  // A binary's versions never change: remember them by the binary's identity.
  const cacheFile = found && options.cacheDir ? await binaryCacheFile(options.cacheDir, found) : null;
  const cached = cacheFile ? await fs.readFile(cacheFile, 'utf8').then((t) => JSON.parse(t) as NodeIdentity).catch(() => null) : null;
  if (cached && typeof cached.version === 'string') return { identity: cached, notes: [] };
  const r = await runTool(found ?? 'node', ['-p', 'JSON.stringify(process.versions)'], options);
  if (!r.ok) return { identity: null, notes: [`node: ${r.reason}`] };
  try {
    const v = JSON.parse(r.stdout) as Record<string, string>;
    if (typeof v.node !== 'string') throw new Error('no version');
    const identity = { version: v.node, v8: v.v8 ?? null, zlib: v.zlib ?? null, zstd: v.zstd ?? null, openssl: v.openssl ?? null };
    if (cacheFile) await fs.mkdir(path.dirname(cacheFile), { recursive: true }).then(() => writeFileAtomic(cacheFile, JSON.stringify(identity))).catch(() => {});
    return { identity, notes: [] };
  } catch {
    return { identity: null, notes: ['node printed something unexpected'] };
  }
}

async function binaryCacheFile(dir: string, binary: string): Promise<string | null> {
  try {
    const real = await fs.realpath(binary);
    const st = await fs.stat(real);
    return path.join(dir, `${createHash('sha256').update(`${real}\0${st.size}\0${st.mtimeMs}\0${st.ino}`).digest('hex')}.json`);
  } catch {
    return null;
  }
}

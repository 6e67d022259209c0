// The Node.js a project runs on: `node` on PATH (which may not be the Node running repro),
// with the versions of V8, zlib, zstd and OpenSSL it carries.
import { promises as fs } from 'node:fs';
import { runtimeExecPath, runtimeVersions } from '../core/runtime.js';
import { memoByBinary } from './binary-memo.js';
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
  let failure: string | null = null;
  const identity = await memoByBinary(options.cacheDir, found, 'process.versions', isNodeIdentity, async () => {
    const r = await runTool(found ?? 'node', ['-p', 'JSON.stringify(process.versions)'], options);
    if (!r.ok) {
      failure = `node: ${r.reason}`;
      return null;
    }
    try {
      const v = JSON.parse(r.stdout) as Record<string, string>;
      if (typeof v.node !== 'string') throw new Error('no version');
      return { version: v.node, v8: v.v8 ?? null, zlib: v.zlib ?? null, zstd: v.zstd ?? null, openssl: v.openssl ?? null };
    } catch {
      failure = 'node printed something unexpected';
      return null;
    }
  });
  return identity ? { identity, notes: [] } : { identity: null, notes: [failure ?? 'node: no answer'] };
}

function isNodeIdentity(v: unknown): v is NodeIdentity {
  return typeof v === 'object' && v !== null && typeof (v as NodeIdentity).version === 'string';
}

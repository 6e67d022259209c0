// The Node.js a project runs on: `node` on PATH (which may not be the Node running repro),
// with the versions of V8, zlib, zstd and OpenSSL it carries.
import { runTool } from './run-tool.js';

export interface NodeIdentity {
  version: string;
  v8: string | null;
  zlib: string | null;
  zstd: string | null;
  openssl: string | null;
}

export async function probeNode(options: { timeoutMs: number; env: Readonly<Record<string, string | undefined>> }): Promise<{ identity: NodeIdentity | null; notes: string[] }> {
  const r = await runTool('node', ['-p', 'JSON.stringify(process.versions)'], options);
  if (!r.ok) return { identity: null, notes: [`node: ${r.reason}`] };
  try {
    const v = JSON.parse(r.stdout) as Record<string, string>;
    if (typeof v.node !== 'string') throw new Error('no version');
    return { identity: { version: v.node, v8: v.v8 ?? null, zlib: v.zlib ?? null, zstd: v.zstd ?? null, openssl: v.openssl ?? null }, notes: [] };
  } catch {
    return { identity: null, notes: ['node printed something unexpected'] };
  }
}

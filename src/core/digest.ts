// The one digest grammar: `sha256:` and 64 lower-case hex digits, as OCI, docker image pins and
// every digest repro records spell it; and the one way bytes become such a digest. Each reader
// of a digest someone else wrote (a registry, a bundle, a run record) checks it against these.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** `sha256:<64 lower-case hex>`, the whole string. */
export const SHA256_DIGEST = /^sha256:[0-9a-f]{64}$/;
/** 64 lower-case hex digits, the whole string (a manifest entry's sha256). */
export const SHA256_HEX = /^[0-9a-f]{64}$/;
/** An image reference pinned by digest: `…@sha256:<64 hex>` at its end, the hex captured. */
export const PINNED_IMAGE = /@sha256:([0-9a-f]{64})$/;

export function isSha256Digest(value: unknown): value is string {
  return typeof value === 'string' && SHA256_DIGEST.test(value);
}

/** `sha256:<hex>` of the bytes (several buffers are hashed in order, as one). */
export function sha256Digest(...parts: Array<Buffer | Uint8Array | string>): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  return `sha256:${hash.digest('hex')}`;
}

/** `sha256:<hex>` of a file's bytes, streamed (a multi-gigabyte bundle is never held in memory). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** The hex of a `sha256:` digest (what a DigestSet, a CycloneDX hash or a cache file name holds). */
export function hexOf(digest: string): string {
  return digest.replace(/^sha256:/, '');
}

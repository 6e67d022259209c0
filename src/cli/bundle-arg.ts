// Where a command takes a bundle, a registry reference works too: a local file of that
// spelling always wins; `oci://` forces a reference; anything else that parses as one
// (REGISTRY/REPOSITORY:TAG, …@sha256:…) is pulled into the cache first and its digest printed.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { bundleExtension } from '../bundle/codecs.js';
import type { Context } from '../core/context.js';
import { parseReference } from '../registry/reference.js';

export interface ResolvedBundle {
  /** The bundle file to read. */
  file: string;
  /** The reference it was pulled from, with its digest, when it came from a registry. */
  reference: string | null;
  /** The bundle manifest in the registry (digest and size), when it came from one. */
  manifest: { digest: string; size: number } | null;
}

export async function resolveBundleArg(arg: string, ctx: Context): Promise<ResolvedBundle> {
  const file = path.resolve(ctx.cwd, arg);
  const forced = arg.startsWith('oci://');
  if (!forced && (await fs.stat(file).then(() => true, () => false))) return { file, reference: null, manifest: null };
  const ref = parseReference(arg);
  if (!forced && (!ref || !/[/:@]/.test(arg) || bundleExtension(arg) !== null)) return { file, reference: null, manifest: null };
  const { pullBundle } = await import('../registry/pull.js');
  const pulled = await pullBundle({ reference: arg }, ctx);
  ctx.log.info(`bundle: ${pulled.reference}`);
  return { file: pulled.bundle, reference: pulled.reference, manifest: { digest: pulled.digest, size: pulled.manifestSize } };
}

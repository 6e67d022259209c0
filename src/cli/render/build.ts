// The text `repro build` prints: where the bundle is, its digests, sizes, lock and image status,
// and --verify's verdict.
import type { BuildResult } from '../../builder/build.js';
import type { VerifiedBuildResult } from '../../builder/verify-build.js';
import { formatBytes, renderFields, shownPath } from './text.js';
import { ZSTD_VERSION } from '../../bundle/zstd-format.js';

export function renderBuild(r: BuildResult | VerifiedBuildResult, cwd: string): string {
  const rel = shownPath(cwd, r.bundle);
  const codec = r.compression.codec === 'none' ? 'uncompressed' : `${r.compression.codec}-${r.compression.level}`;
  let text = `built ${rel}\n`;
  text += renderFields([
    ['  project', `${r.name} ${r.version}`],
    ['  content digest', r.contentDigest],
    ['  file digest', r.fileDigest],
    ['  integrity', r.integrity],
    ['  entries', `${r.entries} (${r.files} files, ${formatBytes(r.contentBytes)})`],
    ['  size', `${formatBytes(r.tarSize)} tar, ${formatBytes(r.fileSize)} ${codec}`],
    ['  lock', `repro.lock ${r.lock.status}`],
    ['  dockerfile', r.dockerfile.included ? `repro.Dockerfile FROM ${r.dockerfile.baseImage}` : `none: ${r.dockerfile.reason}`],
    ...(r.dockerfile.notes ?? []).map((n) => ['  image', n] as [string, string]),
    ...(r.credentialsRemoved.length > 0 ? [['  credentials', `cut from ${r.credentialsRemoved.map((c) => c.path).join(', ')} (bundle copies only)`] as [string, string]] : []),
    ['  time', `${(r.durationMs / 1000).toFixed(2)} s`],
  ]);
  if (r.builder.zstdEngine === 'wasm') {
    text += `note: compressed with repro's pinned WebAssembly libzstd ${ZSTD_VERSION}, because this Node.js bundles libzstd ${r.builder.zstd ?? '(none)'}, whose frames differ; the bytes are the same, but a Node.js release that bundles libzstd ${ZSTD_VERSION} compresses several times faster.\n`;
  }
  if (r.image) {
    text += `image ${r.image.tag} (${r.image.id.slice(0, 19)}…), ${r.image.layers.length} layers\n`;
    if (r.image.verify) text += `image verified: rebuilt without cache, layer diff_ids identical\n`;
  }
  if ('verify' in r) {
    text += `verified: reproducible. Rebuilt from a copy under ${r.verify.variations.length} variations (${r.verify.variations.map((v) => v.name).join(', ')}); both digests identical.\n`;
    if (r.verify.lock.matches !== null) text += `repro.lock: ${r.verify.lock.matches ? 'matches' : `was stale (${r.verify.lock.differences?.length ?? 0} difference${r.verify.lock.differences?.length === 1 ? '' : 's'}), now ${r.lock.status}: commit it`}\n`;
  }
  return text;
}

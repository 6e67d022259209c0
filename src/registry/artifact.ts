// The bundle as an OCI 1.1 artifact (docs/OCI.md): an image manifest whose artifactType names a
// repro bundle, whose config is the empty descriptor, and whose one layer is the bundle file
// itself, so the layer's digest is the bundle's file digest. Every byte of the manifest is a
// function of the bundle: no push time, no machine, no path (the title is the bundle's canonical
// file name, not whatever the file is called here), so one bundle has one manifest digest.
import { type Codec } from '../bundle/codecs.js';
import { bundleFileName } from '../bundle/layout.js';
import { OCI_MANIFEST } from './media-types.js';
import { ReproError } from '../core/errors.js';
import { epochTime } from '../core/time.js';
import { isSha256Digest, sha256Digest, SHA256_DIGEST } from '../core/digest.js';
import { BUNDLE_CONTENT_DIGEST, BUNDLE_NAME, BUNDLE_VERSION, OCI_CREATED, OCI_TITLE, OCI_VERSION } from '../core/annotations.js';

export const ARTIFACT_TYPE = 'application/vnd.repro.bundle.v1';
export const MANIFEST_MEDIA_TYPE = OCI_MANIFEST;
export const LAYER_MEDIA_TYPES: Record<Codec, string> = {
  zstd: 'application/vnd.repro.bundle.v1.tar+zstd',
  gzip: 'application/vnd.repro.bundle.v1.tar+gzip',
  none: 'application/vnd.repro.bundle.v1.tar',
};
/** The OCI empty descriptor: the two bytes `{}`. */
export const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 } as const;
export const EMPTY_CONFIG_BYTES = Buffer.from('{}');

export interface BundleFacts {
  name: string;
  version: string;
  codec: Codec;
  contentDigest: string;
  fileDigest: string;
  fileSize: number;
  sourceDateEpoch: number;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ArtifactManifest {
  schemaVersion: 2;
  mediaType: typeof MANIFEST_MEDIA_TYPE;
  artifactType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations: Record<string, string>;
}

/** The manifest and its exact bytes (the key order here is the format's). */
export function artifactManifest(f: BundleFacts): { manifest: ArtifactManifest; bytes: Buffer; digest: string } {
  const manifest: ArtifactManifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    artifactType: ARTIFACT_TYPE,
    config: { ...EMPTY_CONFIG },
    layers: [{ mediaType: LAYER_MEDIA_TYPES[f.codec], digest: f.fileDigest, size: f.fileSize, annotations: { [OCI_TITLE]: bundleFileName(f) } }],
    annotations: {
      [BUNDLE_CONTENT_DIGEST]: f.contentDigest,
      [BUNDLE_NAME]: f.name,
      [BUNDLE_VERSION]: f.version,
      [OCI_CREATED]: epochTime(f.sourceDateEpoch),
      [OCI_TITLE]: f.name,
      [OCI_VERSION]: f.version,
    },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { manifest, bytes, digest: sha256Digest(bytes) };
}

function hostile(message: string, details: Record<string, unknown>): ReproError {
  return new ReproError('E_INTEGRITY', `the registry's manifest is not a repro bundle: ${message}`, {
    hint: 'The reference names something else, or the registry answered with something that is not what was pushed. Nothing was downloaded into the cache.',
    details,
  });
}

/** The bundle layer of a manifest read from a registry (hostile input), checked field by field. */
export function bundleLayer(doc: unknown): { layer: Descriptor; codec: Codec; contentDigest: string | null } {
  const m = doc as Partial<ArtifactManifest> | null;
  if (!m || typeof m !== 'object' || m.schemaVersion !== 2) throw hostile('not an OCI image manifest', {});
  if (m.artifactType !== ARTIFACT_TYPE) throw hostile(`its artifactType is ${JSON.stringify(m.artifactType ?? null)}, not ${ARTIFACT_TYPE}`, { artifactType: m.artifactType ?? null });
  if (!Array.isArray(m.layers) || m.layers.length !== 1) throw hostile('a bundle artifact has exactly one layer', { layers: Array.isArray(m.layers) ? m.layers.length : null });
  const layer = m.layers[0]!;
  const codec = (Object.keys(LAYER_MEDIA_TYPES) as Codec[]).find((c) => LAYER_MEDIA_TYPES[c] === layer.mediaType);
  if (!codec) throw hostile(`unknown layer media type ${JSON.stringify(layer.mediaType)}`, { mediaType: layer.mediaType });
  if (typeof layer.digest !== 'string' || !SHA256_DIGEST.test(layer.digest)) throw hostile('the layer digest is not a sha256 digest', { digest: layer.digest ?? null });
  if (!Number.isSafeInteger(layer.size) || layer.size < 0) throw hostile('the layer size is not a size', { size: layer.size ?? null });
  const cd = m.annotations?.[BUNDLE_CONTENT_DIGEST];
  return { layer: { mediaType: layer.mediaType, digest: layer.digest, size: layer.size }, codec, contentDigest: isSha256Digest(cd) ? cd : null };
}

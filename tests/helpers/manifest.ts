// Whole bundle manifests as objects, for tests that craft bundles by hand; builds stream theirs
// with encodeManifest and never hold one whole.
import { canonicalJson } from '../../src/core/canonical-json.js';
import { encodeManifest, manifestBytes, parseManifest, type BundleManifest, type ManifestInput } from '../../src/bundle/manifest.js';

export function createManifest(input: ManifestInput): BundleManifest {
  return parseManifest(manifestBytes(encodeManifest(input)));
}

export function serializeManifest(doc: BundleManifest): Buffer {
  return Buffer.from(canonicalJson(doc), 'utf8');
}

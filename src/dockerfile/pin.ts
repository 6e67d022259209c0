// Pins a base image to a digest, from the first source that knows it: a digest already in the
// reference, the local engine (image inspect, RepoDigests), or the registry (HEAD of the
// manifest, Docker-Content-Digest) through repro's one registry client, so the user's docker
// credentials, REPRO_INSECURE_REGISTRIES, REPRO_REGISTRY_TIMEOUT and the TLS rules apply as
// they do to push and pull. With none, it fails with a hint: repro never writes an unpinned FROM.
import { ReproError } from '../core/errors.js';
import type { DockerClient } from '../docker/client.js';
import { RegistryClient } from '../registry/client.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from '../registry/media-types.js';
import { manifestTarget, parseReference, type OciRef } from '../registry/reference.js';
import { SHA256_DIGEST } from '../core/digest.js';

export interface Pinned {
  ref: string;
  digest: string;
  source: 'reference' | 'engine' | 'registry';
}

/** What a base image's manifest may be: a multi-platform index or one image, OCI or Docker's. */
const MANIFEST_TYPES = [OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(', ');

export interface PinOptions {
  docker?: DockerClient | null;
  /** May the registry be asked? No for a bundle's own Dockerfile (it must not depend on the network). */
  registry?: boolean;
  env?: Readonly<Record<string, string | undefined>>;
}

/** An image reference in the registry grammar, and its spelling without the digest (kept as the user wrote it). */
export interface ImageRef extends OciRef {
  name: string;
}

export function parseImageRef(text: string): ImageRef {
  const trimmed = text.trim();
  const ref = /\s/.test(trimmed) || trimmed.startsWith('oci://') ? null : parseReference(trimmed);
  if (!ref) {
    throw new ReproError('E_USAGE', `not an image reference: ${JSON.stringify(text)}`, {
      hint: 'Write name:tag or name:tag@sha256:<64 hex digits>, e.g. python:3.11-slim-bookworm@sha256:...',
      details: { ref: text },
    });
  }
  const at = trimmed.indexOf('@');
  return { ...ref, name: at >= 0 ? trimmed.slice(0, at) : trimmed };
}

export async function pinBaseImage(text: string, options: PinOptions): Promise<Pinned> {
  const ref = parseImageRef(text);
  if (ref.digest) return { ref: `${ref.name}@${ref.digest}`, digest: ref.digest, source: 'reference' };
  const tried: string[] = [];
  if (options.docker) {
    const info = await options.docker.inspectImage(ref.name).catch(() => null);
    const match = info?.repoDigests.find((d) => sameRepository(d, ref));
    if (match) {
      const digest = match.slice(match.indexOf('@') + 1);
      return { ref: `${ref.name}@${digest}`, digest, source: 'engine' };
    }
    tried.push(info ? 'the local engine has the image but no repository digest for it (built or imported locally, never pushed or pulled)' : 'the local engine does not have the image');
  } else {
    tried.push('no Docker engine to ask');
  }
  if (options.registry === false) {
    tried.push(`the registry ${ref.registry}: not asked (only a digest in the reference pins a bundle's base image)`);
  } else {
    const fromRegistry = await registryDigest(ref, options.env ?? {}).catch((err: Error) => {
      tried.push(`the registry ${ref.registry}: ${err.message}`);
      return null;
    });
    if (fromRegistry) return { ref: `${ref.name}@${fromRegistry}`, digest: fromRegistry, source: 'registry' };
  }
  throw new ReproError('E_ENV', `cannot pin ${text} to a digest`, {
    hint: 'Pass --base-image NAME:TAG@sha256:<digest> (docker buildx imagetools inspect NAME:TAG shows it), or pull or push the image so the engine knows its digest.',
    details: { image: text, tried },
  });
}

function sameRepository(repoDigest: string, ref: OciRef): boolean {
  const other = parseReference(repoDigest);
  return other !== null && other.registry === ref.registry && other.repository === ref.repository;
}

async function registryDigest(ref: OciRef, env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const client = new RegistryClient(ref, env, 'pull');
  const res = await client.request('HEAD', `/manifests/${manifestTarget(ref)}`, { headers: { Accept: MANIFEST_TYPES }, ok: [200] });
  await res.body?.cancel().catch(() => {});
  const digest = res.headers.get('docker-content-digest');
  if (!digest || !SHA256_DIGEST.test(digest)) throw new Error('no Docker-Content-Digest in the answer');
  return digest;
}

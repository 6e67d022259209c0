// Pins a base image to a digest, from the first source that knows it: a digest already in the
// reference, the local engine (image inspect, RepoDigests), or the registry's HTTP API
// (HEAD /v2/<name>/manifests/<tag>, Docker-Content-Digest). With none, it fails with a hint:
// repro never writes an unpinned FROM.
import { ReproError } from '../core/errors.js';
import type { DockerClient } from '../docker/client.js';
import { parseImageRef, pinnedRef, type ImageRef } from './image-ref.js';

export interface Pinned {
  ref: string;
  digest: string;
  source: 'reference' | 'engine' | 'registry';
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface PinOptions {
  docker?: DockerClient | null;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export async function pinBaseImage(text: string, options: PinOptions): Promise<Pinned> {
  const ref = parseImageRef(text);
  if (ref.digest) return { ref: pinnedRef(ref, ref.digest), digest: ref.digest, source: 'reference' };
  const tried: string[] = [];
  if (options.docker) {
    const info = await options.docker.inspectImage(ref.name).catch(() => null);
    const match = info?.repoDigests.find((d) => sameRepository(parseImageRef(d), ref));
    if (match) {
      const digest = match.slice(match.indexOf('@') + 1);
      return { ref: pinnedRef(ref, digest), digest, source: 'engine' };
    }
    tried.push(info ? 'the local engine has the image but no repository digest for it (built or imported locally, never pushed or pulled)' : 'the local engine does not have the image');
  } else {
    tried.push('no Docker engine to ask');
  }
  const fromRegistry = await registryDigest(ref, options).catch((err: Error) => {
    tried.push(`the registry ${ref.registry}: ${err.message}`);
    return null;
  });
  if (fromRegistry) return { ref: pinnedRef(ref, fromRegistry), digest: fromRegistry, source: 'registry' };
  throw new ReproError('E_ENV', `cannot pin ${text} to a digest`, {
    hint: 'Pass --base-image NAME:TAG@sha256:<digest> (docker buildx imagetools inspect NAME:TAG shows it), or pull or push the image so the engine knows its digest.',
    details: { image: text, tried },
  });
}

function sameRepository(a: ImageRef, b: ImageRef): boolean {
  return a.registry === b.registry && a.repository === b.repository;
}

async function registryDigest(ref: ImageRef, options: PinOptions): Promise<string | null> {
  const doFetch = options.fetch ?? fetch;
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(ref.registry);
  const host = ref.registry === 'docker.io' ? 'registry-1.docker.io' : ref.registry;
  const url = `${loopback ? 'http' : 'https'}://${host}/v2/${ref.repository}/manifests/${ref.tag ?? 'latest'}`;
  const signal = AbortSignal.timeout(options.timeoutMs ?? 5000);
  let res = await doFetch(url, { method: 'HEAD', headers: { Accept: MANIFEST_TYPES }, signal });
  if (res.status === 401) {
    const token = await bearerToken(res.headers.get('www-authenticate'), doFetch, signal);
    if (token) res = await doFetch(url, { method: 'HEAD', headers: { Accept: MANIFEST_TYPES, Authorization: `Bearer ${token}` }, signal });
  }
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const digest = res.headers.get('docker-content-digest');
  if (!digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error('no Docker-Content-Digest in the answer');
  return digest;
}

/** Anonymous bearer token for a registry's WWW-Authenticate challenge (Docker Hub's flow). */
async function bearerToken(challenge: string | null, doFetch: typeof fetch, signal: AbortSignal): Promise<string | null> {
  if (!challenge || !/^Bearer /i.test(challenge)) return null;
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!params.realm) return null;
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  if (params.scope) url.searchParams.set('scope', params.scope);
  const res = await doFetch(url, { signal });
  if (!res.ok) return null;
  const body = (await res.json()) as { token?: string; access_token?: string };
  return body.token ?? body.access_token ?? null;
}

// Image references as Docker reads them: [registry/]repository[:tag][@sha256:digest], with the
// Docker Hub defaults (docker.io, library/) made explicit where a registry must be asked.
import { ReproError } from '../core/errors.js';

export interface ImageRef {
  /** As written, without the digest. */
  name: string;
  registry: string;
  repository: string;
  tag: string | null;
  digest: string | null;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function parseImageRef(ref: string): ImageRef {
  const text = ref.trim();
  const at = text.indexOf('@');
  const digest = at >= 0 ? text.slice(at + 1) : null;
  const name = at >= 0 ? text.slice(0, at) : text;
  if (name === '' || /\s/.test(name) || (digest !== null && !DIGEST.test(digest))) {
    throw new ReproError('E_USAGE', `not an image reference: ${JSON.stringify(ref)}`, {
      hint: 'Write name:tag or name:tag@sha256:<64 hex digits>, e.g. python:3.11-slim-bookworm@sha256:...',
      details: { ref },
    });
  }
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'docker.io';
  let rest = hasRegistry ? name.slice(slash + 1) : name;
  const colon = rest.lastIndexOf(':');
  const tag = colon > rest.lastIndexOf('/') && colon >= 0 ? rest.slice(colon + 1) : null;
  if (tag !== null) rest = rest.slice(0, colon);
  const repository = registry === 'docker.io' && !rest.includes('/') ? `library/${rest}` : rest;
  return { name, registry, repository, tag, digest };
}

export function pinnedRef(ref: ImageRef, digest: string): string {
  return `${ref.name}@${digest}`;
}

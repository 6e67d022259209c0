// OCI references as docker spells them: [REGISTRY/]REPOSITORY[:TAG][@sha256:DIGEST], with
// docker.io and library/ implied, and `oci://` to force a reference where a file of the same
// spelling could be meant. Plain HTTP only for loopback registries (as docker allows
// 127.0.0.0/8) or those the user names in REPRO_INSECURE_REGISTRIES.
import { ReproError } from '../core/errors.js';
import { SHA256_DIGEST } from '../core/digest.js';

export interface OciRef {
  /** The registry as written (host[:port]); docker.io for Docker Hub. */
  registry: string;
  repository: string;
  tag: string | null;
  digest: string | null;
}

const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** The reference, or null when the text is not one. */
export function parseReference(input: string): OciRef | null {
  let text = input.startsWith('oci://') ? input.slice('oci://'.length) : input;
  let digest: string | null = null;
  const at = text.indexOf('@');
  if (at >= 0) {
    digest = text.slice(at + 1);
    text = text.slice(0, at);
    if (!SHA256_DIGEST.test(digest)) return null;
  }
  const slash = text.indexOf('/');
  const first = slash >= 0 ? text.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const registry = hasRegistry ? first : 'docker.io';
  let rest = hasRegistry ? text.slice(slash + 1) : text;
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return null;
  }
  if (registry === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  if (!REPOSITORY.test(rest)) return null;
  return { registry, repository: rest, tag, digest };
}

/** REGISTRY/REPOSITORY[:TAG][@DIGEST], as docker prints it. */
export function formatReference(ref: OciRef, digest = ref.digest): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${digest ? `@${digest}` : ''}`;
}

/** The tag or digest a manifest is addressed by in the API. */
export function manifestTarget(ref: OciRef): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/;

/** Whether `host` (with its port, as in a URL's host) is this machine. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/** The API's base URL: https; for loopback and the registries the user named insecure, http is allowed too (plainAllowed). */
export function apiBase(ref: OciRef, env: Readonly<Record<string, string | undefined>>): string {
  return `https://${apiHost(ref)}`;
}

export function apiHost(ref: OciRef): string {
  return ref.registry === 'docker.io' ? 'registry-1.docker.io' : ref.registry;
}

/** Whether plain HTTP may be used when HTTPS does not answer (docker's rule: loopback, or named insecure). */
export function plainAllowed(ref: OciRef, env: Readonly<Record<string, string | undefined>>): boolean {
  const host = apiHost(ref);
  const insecure = (env.REPRO_INSECURE_REGISTRIES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return isLoopbackHost(host) || insecure.includes(host);
}

/** A reference, or a usage error naming what is wrong with the text. */
export function requireReference(text: string): OciRef {
  const ref = parseReference(text);
  if (!ref) {
    throw new ReproError('E_USAGE', `not a registry reference: ${JSON.stringify(text)}`, {
      hint: 'Write REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST], e.g. ghcr.io/acme/iris:v1 or 127.0.0.1:5000/iris@sha256:… (oci:// in front forces a reference).',
      details: { reference: text },
    });
  }
  return ref;
}

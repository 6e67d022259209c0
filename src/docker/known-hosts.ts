// The SSH host key check for DOCKER_HOST=ssh://, as OpenSSH (and so the docker CLI) does it: the
// key the host presents must be one that ~/.ssh/known_hosts or /etc/ssh/ssh_known_hosts lists
// for that host (plain, `[host]:port`, hashed `|1|salt|hash`, wildcards, negations, markers
// @revoked and @cert-authority); an unknown host or another key is refused before anything is
// sent to it, so an impostor cannot relay the engine.
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface KnownKey {
  /** The key's type as known_hosts writes it (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, …). */
  type: string;
  /** The public key blob (the base64 field, decoded). */
  blob: Buffer;
  revoked: boolean;
  file: string;
}

/** `host` as known_hosts names it: bare on port 22, `[host]:port` on any other. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(text);
}

/** Whether a host-patterns field (comma-separated, `!` negations, or one hashed entry) names `name`. */
export function patternsMatch(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const p of field.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) matched = true;
  }
  return matched;
}

/** The keys known_hosts `text` (from `file`) lists for `name`; @cert-authority lines are left out (no certificates here). */
export function keysFor(text: string, name: string, file: string): KnownKey[] {
  const out: KnownKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]!.startsWith('@')) {
      const marker = fields.shift()!;
      if (marker === '@cert-authority') continue;
      revoked = marker === '@revoked';
    }
    const [hosts, type, key] = fields;
    if (!hosts || !type || !key || !patternsMatch(hosts, name)) continue;
    out.push({ type, blob: Buffer.from(key, 'base64'), revoked, file });
  }
  return out;
}

/** Every key the user's and the system's known_hosts list for this host; the files that were read. */
export async function knownKeys(host: string, port: number, home: string | undefined): Promise<{ keys: KnownKey[]; files: string[] }> {
  const name = knownHostsName(host, port);
  const files = [...(home ? [path.join(home, '.ssh', 'known_hosts')] : []), '/etc/ssh/ssh_known_hosts'];
  const keys: KnownKey[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text !== null) keys.push(...keysFor(text, name, file));
  }
  return { keys, files };
}

/** The host key algorithms to offer: those of the keys known for the host (so the host presents one of them). */
export function hostKeyAlgorithms(keys: readonly KnownKey[]): string[] {
  const out = new Set<string>();
  for (const k of keys) {
    if (k.revoked) continue;
    if (k.type === 'ssh-rsa') for (const a of ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']) out.add(a);
    else out.add(k.type);
  }
  return [...out];
}

/** Why the presented key is refused, or null when a known, unrevoked key of the host is it. */
export function hostKeyProblem(presented: Buffer, keys: readonly KnownKey[], name: string, files: readonly string[]): string | null {
  const same = keys.filter((k) => k.blob.equals(presented));
  if (same.some((k) => k.revoked)) return `the host key of ${name} is marked @revoked in ${same.find((k) => k.revoked)!.file}`;
  if (same.length > 0) return null;
  if (keys.length === 0) return `${name} is not a known host (no key for it in ${files.join(' or ')})`;
  return `the host key ${name} presented is not the one ${keys[0]!.file} lists for it: it may be an impostor (or the host's key changed)`;
}

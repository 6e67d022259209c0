// Registry credentials found where docker finds them: $DOCKER_CONFIG/config.json (else
// ~/.docker/config.json): `credHelpers[host]` or `credsStore` through docker-credential-<name>,
// else `auths[host].auth`. They are returned to the client and never printed or logged; errors
// name where they were looked for, not what they hold.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Credentials {
  username: string;
  password: string;
}

export interface CredentialLookup {
  credentials: Credentials | null;
  /** Where they were looked for (for errors). */
  searched: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

export function dockerConfigPath(env: Env): string {
  return path.join(env.DOCKER_CONFIG ?? path.join(env.HOME ?? os.homedir(), '.docker'), 'config.json');
}

/** The keys docker's config may use for a registry. */
function keysFor(registry: string): string[] {
  if (registry === 'docker.io') return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`];
}

function helper(name: string, registry: string, env: Env): Promise<Credentials | null> {
  return new Promise((resolve) => {
    const child = spawn(`docker-credential-${name}`, ['get'], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', () => resolve(null));
    child.on('close', (code) => {
      try {
        const j = JSON.parse(out) as { Username?: string; Secret?: string };
        resolve(code === 0 && j.Secret ? { username: j.Username ?? '', password: j.Secret } : null);
      } catch {
        resolve(null);
      }
    });
    child.stdin.end(registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry);
  });
}

export async function findCredentials(registry: string, env: Env): Promise<CredentialLookup> {
  const file = dockerConfigPath(env);
  const searched = [file];
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string }>; credsStore?: string; credHelpers?: Record<string, string> };
  try {
    config = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { credentials: null, searched };
  }
  const keys = keysFor(registry);
  const helperName = keys.map((k) => config.credHelpers?.[k]).find(Boolean) ?? config.credsStore;
  if (helperName) {
    searched.push(`docker-credential-${helperName}`);
    const found = await helper(helperName, registry, env);
    if (found) return { credentials: found, searched };
  }
  for (const k of keys) {
    const entry = config.auths?.[k];
    if (!entry) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { credentials: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }, searched };
    }
    if (entry.username && entry.password) return { credentials: { username: entry.username, password: entry.password }, searched };
  }
  return { credentials: null, searched };
}

// How repro reaches a Docker engine: DOCKER_HOST (unix, tcp, ssh with the ssh-agent or the
// user's key) to dockerode's connection options, a time limit on every control request so a hung
// engine never hangs repro, and "no engine answers" as a coded E_ENV error.
import { ReproError } from '../core/errors.js';
import { hostKeyAlgorithms, hostKeyProblem, knownHostsName, knownKeys } from './known-hosts.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The engine's address as the user sees it: DOCKER_HOST, else the default socket. */
export function dockerHostOf(env: Env): string {
  return env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

export function unavailable(err: unknown, env: Env): ReproError {
  const host = dockerHostOf(env);
  return new ReproError('E_ENV', `no Docker engine answers at ${host}: ${(err as Error).message}`, {
    hint: 'Start Docker (dockerd, or Docker Desktop), or point DOCKER_HOST at an engine (tcp://host:2375, ssh://user@host).',
    details: { dockerHost: host, cause: (err as Error).message },
    cause: err,
  });
}

/** Seconds one control request (ping, create, start, inspect) may take unless REPRO_DOCKER_TIMEOUT says otherwise. */
export const DEFAULT_DOCKER_TIMEOUT_S = 30;

/** How long one control request may take: REPRO_DOCKER_TIMEOUT seconds, else the default. */
export function controlTimeoutMs(env: Env): number {
  const s = Number(env.REPRO_DOCKER_TIMEOUT);
  return (Number.isFinite(s) && s > 0 ? s : DEFAULT_DOCKER_TIMEOUT_S) * 1000;
}

export class NoAnswer extends Error {}

/** Resolves as `work` does, or fails with NoAnswer after `ms`: a hung engine never hangs repro. */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswer(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** An engine error with an HTTP status is an answer (404, 409, 500); anything else means no engine. */
export function isEngineAnswer(err: unknown): boolean {
  return typeof (err as { statusCode?: unknown })?.statusCode === 'number';
}

/** What the SSH host key check decided, for the error that explains a refused connection. */
export interface HostKeyCheck {
  refused: string | null;
  files: string[];
}

export async function hostOptions(host: string, env: Env): Promise<{ options: Record<string, unknown>; hostKey: HostKeyCheck | null }> {
  const url = new URL(host);
  if (url.protocol === 'unix:') return { options: { socketPath: url.pathname }, hostKey: null };
  if (url.protocol === 'ssh:') {
    // As the docker CLI does: the engine is reached by running `docker system dial-stdio` on
    // the host over SSH, authenticated by the ssh-agent, else by the user's default key; the
    // host must present a key known_hosts lists for it (known-hosts.ts).
    const port = Number(url.port || 22);
    const { keys, files } = await knownKeys(url.hostname, port, env.HOME);
    const check: HostKeyCheck = { refused: null, files };
    const name = knownHostsName(url.hostname, port);
    const algorithms = hostKeyAlgorithms(keys);
    const hostVerifier = (presented: Buffer) => {
      check.refused = hostKeyProblem(presented, keys, name, files);
      return check.refused === null;
    };
    const sshOptions = { ...(await sshAuth(env)), hostVerifier, ...(algorithms.length ? { algorithms: { serverHostKey: algorithms } } : {}) };
    return { options: { protocol: 'ssh', host: url.hostname, port, username: decodeURIComponent(url.username) || env.USER || 'root', sshOptions }, hostKey: check };
  }
  return { options: { protocol: url.protocol === 'https:' ? 'https' : 'http', host: url.hostname, port: Number(url.port || 2375) }, hostKey: null };
}

/** A refused SSH host key, as the error it is: no engine was asked anything. */
export function hostKeyRefused(check: HostKeyCheck, env: Env): ReproError {
  return new ReproError('E_ENV', `refusing ${dockerHostOf(env)}: ${check.refused}`, {
    hint: 'Check the host\'s key fingerprint with its administrator, then add it: `ssh HOST` once (it asks), or `ssh-keyscan -p PORT HOST >> ~/.ssh/known_hosts`. repro checks host keys as the docker CLI (OpenSSH) does.',
    details: { dockerHost: dockerHostOf(env), knownHosts: check.files },
  });
}

async function sshAuth(env: Env): Promise<Record<string, unknown>> {
  if (env.SSH_AUTH_SOCK) return { agent: env.SSH_AUTH_SOCK };
  const { readFile } = await import('node:fs/promises');
  const home = env.HOME ?? '';
  for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
    const key = await readFile(`${home}/.ssh/${name}`).catch(() => null);
    if (key) return { privateKey: key };
  }
  throw new ReproError('E_ENV', `cannot reach ${env.DOCKER_HOST}: no ssh-agent (SSH_AUTH_SOCK) and no key in ${home}/.ssh`, {
    hint: 'Start ssh-agent and ssh-add your key, or put it at ~/.ssh/id_ed25519; `ssh HOST docker info` must work first.',
    details: { dockerHost: env.DOCKER_HOST ?? null },
  });
}

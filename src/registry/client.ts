// The registry API (OCI distribution spec) as one client per repository: every request goes
// through request(), which answers 401 challenges as docker does (Basic with the user's
// credentials; Bearer: a token from the challenge's realm for the repository's scope, asked
// with the credentials when there are any) and turns transport failures into E_ENV. What the
// registry answers is hostile input: callers check every digest and size it claims.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { ReproError, fsError } from '../core/errors.js';
import { preferredChallenge } from './challenge.js';
import { findCredentials, type CredentialLookup } from './credentials.js';
import { apiBase, apiHost, formatReference, isLoopbackHost, plainAllowed, type OciRef } from './reference.js';

export const DEFAULT_REGISTRY_TIMEOUT_S = 30;

/** A body that brings fewer bytes than this in a whole REPRO_REGISTRY_TIMEOUT window is given up on. */
export const MIN_WINDOW_BYTES = 1024;
/** A token server's answer: a JWT and a few fields. */
const MAX_TOKEN_BYTES = 1024 * 1024;

/** Whether the password may go to this token server: over TLS, or to one on this machine. */
export function mayReceivePassword(realm: URL): boolean {
  return realm.protocol === 'https:' || (realm.protocol === 'http:' && isLoopbackHost(realm.host));
}

/** The body's chunks, ended with E_ENV when a window of `seconds` brings fewer than MIN_WINDOW_BYTES. */
async function* watchedBody(res: Response, seconds: number, what: string): AsyncGenerator<Uint8Array> {
  if (!res.body) return;
  const it = (res.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  let got = 0;
  let slow: ReproError | null = null;
  let reject: ((e: Error) => void) | null = null;
  const timer = setInterval(() => {
    if (got < MIN_WINDOW_BYTES) {
      slow = new ReproError('E_ENV', `${what} came slower than ${MIN_WINDOW_BYTES} bytes in ${seconds} s: given up (REPRO_REGISTRY_TIMEOUT)`, { hint: 'The registry or the network is stalled; try again, or raise REPRO_REGISTRY_TIMEOUT on a very slow link.', details: { seconds, minBytes: MIN_WINDOW_BYTES } });
      reject?.(slow);
    }
    got = 0;
  }, seconds * 1000);
  try {
    while (true) {
      if (slow) throw slow;
      const stall = new Promise<never>((_, r) => (reject = r));
      stall.catch(() => {}); // rejected after the race was won: handled here, thrown at the loop's top
      const next = await Promise.race([it.next(), stall]);
      if (next.done) return;
      got += next.value.length;
      yield next.value;
    }
  } finally {
    clearInterval(timer);
    await it.return?.(undefined)?.catch(() => {});
  }
}

function registryTimeoutS(env: Env): number {
  const n = Number(env.REPRO_REGISTRY_TIMEOUT);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_REGISTRY_TIMEOUT_S;
}

const CERT_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/;

/** The scheme each loopback/insecure registry answered on, found once per process. */
const schemes = new Map<string, 'https' | 'http'>();

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Bytes `start` to `end` (exclusive) of a file, as an upload's body. Sent with node:http(s), which
 * reads the file only as fast as the socket drains: fetch queued a whole 32 MiB chunk (or a
 * whole blob sent in one PUT) in memory ahead of a registry slower than the disk. A range can
 * be sent again (after a 401), as a stream could not.
 */
export interface FileRange {
  file: string;
  start: number;
  end: number;
  /** Told the bytes read for sending as they go (an upload's progress). */
  onSent?: (bytes: number) => void;
}

export function isFileRange(body: unknown): body is FileRange {
  return typeof body === 'object' && body !== null && typeof (body as FileRange).file === 'string' && typeof (body as FileRange).start === 'number';
}

/** An upload with no activity either way for this long is given up on (undici's own default for a body). */
const UPLOAD_IDLE_S = 300;

export interface RequestOptions {
  headers?: Record<string, string>;
  /** In memory, or a file range (sent with node:http as the registry takes it). */
  body?: Buffer | Uint8Array | string | FileRange;
  /** Status codes that are answers, not errors (others throw). */
  ok: number[];
}

export class RegistryClient {
  base: string;
  private resolved = false;
  private auth: string | null = null;
  private creds: CredentialLookup | null = null;

  constructor(
    readonly ref: OciRef,
    private readonly env: Env,
    /** 'pull' or 'pull,push': the scope a bearer token is asked for. */
    private readonly actions: string,
  ) {
    this.base = apiBase(ref, env);
  }

  /** /v2/<repository><suffix> */
  url(suffix: string): string {
    return /^https?:/.test(suffix) ? suffix : `${this.base}/v2/${this.ref.repository}${suffix}`;
  }

  private async credentials(): Promise<CredentialLookup> {
    this.creds ??= await findCredentials(this.ref.registry, this.env);
    return this.creds;
  }

  private async send(method: string, url: string, opts: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    // Credentials go to the registry's own origin only: an upload Location or a redirect on
    // another host (a storage bucket, or a registry that lies) never gets them.
    if (this.auth && new URL(url).origin === new URL(this.base).origin) headers.Authorization = this.auth;
    if (isFileRange(opts.body)) {
      return await sendFile(method, url, headers, opts.body, Math.max(UPLOAD_IDLE_S, registryTimeoutS(this.env))).catch((err) => {
        throw err instanceof ReproError ? err : this.unreachable(err, url);
      });
    }
    // A registry that never answers is given up on: the time until the answer's headers is
    // bounded (REPRO_REGISTRY_TIMEOUT seconds). Every body here is in memory (a file's bytes go
    // through sendFile above, bounded by its idle timeout instead).
    const abort = new AbortController();
    const seconds = registryTimeoutS(this.env);
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${seconds} s (REPRO_REGISTRY_TIMEOUT)`)), seconds * 1000);
    try {
      return await fetch(url, { method, headers, body: opts.body ?? null, redirect: 'follow', signal: abort.signal });
    } catch (err) {
      throw this.unreachable(err, url);
    } finally {
      clearTimeout(timer);
    }
  }

  private unreachable(err: unknown, url: string): ReproError {
    const cause = ((err as Error).cause ?? err) as (Error & { code?: string }) | undefined;
    const tls = CERT_ERROR.test(String(cause?.code ?? ''));
    return new ReproError('E_ENV', `cannot reach the registry ${this.ref.registry}: ${cause instanceof Error ? cause.message : (err as Error).message}`, {
      hint: tls
        ? "The registry's TLS certificate is not trusted here: add its CA to the system store, or point NODE_EXTRA_CA_CERTS at it."
        : 'Check the name and that the registry is up (plain HTTP is used only for loopback registries and those in REPRO_INSECURE_REGISTRIES).',
      details: { registry: this.ref.registry, url: url.replace(/\?.*$/, '') },
    });
  }

  /** Answers the challenge of a 401: sets the Authorization header for the next try; false when it cannot. */
  private async authenticate(res: Response): Promise<boolean> {
    const challenge = preferredChallenge(res.headers.get('www-authenticate') ?? '') ?? { scheme: '', params: {} as Record<string, string> };
    const { credentials } = await this.credentials();
    const basic = credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : null;
    if (challenge.scheme === 'basic') {
      if (!basic || this.auth === basic) return false;
      this.auth = basic;
      return true;
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return false;
    let url: URL;
    try {
      url = new URL(challenge.params.realm);
    } catch {
      return false;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', challenge.params.scope ?? `repository:${this.ref.repository}:${this.actions}`);
    // The password goes to a token server only over TLS, or to one on this machine: never in
    // plain text across the network to wherever a challenge points.
    const sendBasic = basic !== null && mayReceivePassword(url);
    let tokenRes: Response;
    try {
      tokenRes = await fetch(url, { headers: sendBasic ? { Authorization: basic! } : {}, redirect: 'error', signal: AbortSignal.timeout(registryTimeoutS(this.env) * 1000) });
    } catch (err) {
      throw new ReproError('E_ENV', `cannot reach the token server of ${this.ref.registry}: ${(err as Error).message}`, { details: { registry: this.ref.registry, realm: url.origin } });
    }
    if (!tokenRes.ok) {
      await tokenRes.body?.cancel().catch(() => {});
      return false;
    }
    const body = (await this.body(tokenRes, MAX_TOKEN_BYTES, 'the token').then((b) => JSON.parse(b.toString('utf8')) as unknown).catch(() => ({}))) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token || this.auth === `Bearer ${token}`) return false;
    this.auth = `Bearer ${token}`;
    return true;
  }

  /**
   * HTTPS always; where docker allows plain HTTP (loopback, REPRO_INSECURE_REGISTRIES), HTTPS is
   * tried first and HTTP used only when nothing answers it with TLS.
   */
  private async resolveBase(): Promise<void> {
    if (this.resolved) return;
    this.resolved = true;
    if (!plainAllowed(this.ref, this.env)) return;
    const host = apiHost(this.ref);
    let scheme = schemes.get(host);
    if (!scheme) {
      scheme = await fetch(`https://${host}/v2/`, { signal: AbortSignal.timeout(5000) }).then(
        async (r) => {
          await r.body?.cancel().catch(() => {});
          return 'https' as const;
        },
        // A server that speaks TLS with a certificate this machine does not trust stays HTTPS,
        // so the request fails and says so: no quiet downgrade where credentials could follow.
        (err: Error) => (CERT_ERROR.test(String((err.cause as { code?: string } | undefined)?.code ?? '')) ? ('https' as const) : ('http' as const)),
      );
      schemes.set(host, scheme);
    }
    this.base = `${scheme}://${host}`;
  }

  /**
   * A response body as it arrives, given up on when it trickles (fewer than MIN_WINDOW_BYTES in
   * a REPRO_REGISTRY_TIMEOUT window: a registry sending a byte every 20 s would otherwise hold
   * repro forever).
   */
  stream(res: Response, what: string): AsyncIterable<Uint8Array> {
    return watchedBody(res, registryTimeoutS(this.env), `${what} from ${this.ref.registry}`);
  }

  /** A whole response body, refused past `limit` bytes as it arrives, and watched as stream() is. */
  async body(res: Response, limit: number, what: string): Promise<Buffer> {
    const declared = Number(res.headers.get('content-length') ?? 0);
    const tooBig = () => new ReproError('E_INTEGRITY', `${what} from ${this.ref.registry}: the registry sent more than the ${limit} bytes repro reads for it`, { details: { registry: this.ref.registry, limit } });
    if (declared > limit) {
      await res.body?.cancel().catch(() => {});
      throw tooBig();
    }
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of this.stream(res, what)) {
      total += chunk.length;
      if (total > limit) throw tooBig();
      parts.push(Buffer.from(chunk));
    }
    return Buffer.concat(parts);
  }

  /** A body read as body() reads it, parsed as JSON. Its limit and watchdog errors are thrown; a body cut off or not JSON reads as {} (no fields). */
  async json(res: Response, limit: number, what: string): Promise<unknown> {
    return this.body(res, limit, what)
      .then((b) => JSON.parse(b.toString('utf8')) as unknown)
      .catch((err) => {
        if (err instanceof ReproError) throw err;
        return {};
      });
  }

  async request(method: string, suffix: string, opts: RequestOptions): Promise<Response> {
    await this.resolveBase();
    const url = this.url(suffix);
    let res = await this.send(method, url, opts);
    if (res.status === 401 && (await this.authenticate(res))) res = await this.send(method, url, opts);
    if (res.status === 401 || res.status === 403) {
      const { searched } = await this.credentials();
      throw new ReproError('E_ENV', `the registry ${this.ref.registry} refused ${formatReference(this.ref)}: ${res.status === 401 ? 'unauthorized' : 'forbidden'}`, {
        hint: `Log in (docker login ${this.ref.registry}); credentials were looked for in ${searched.join(', ')}.`,
        details: { registry: this.ref.registry, status: res.status, searched },
      });
    }
    if (!opts.ok.includes(res.status)) {
      const text = (await this.body(res, 64 * 1024, 'the error').then((b) => b.toString('utf8')).catch(() => '')).slice(0, 300);
      throw new ReproError(res.status === 404 ? 'E_NOT_FOUND' : 'E_ENV', `the registry ${this.ref.registry} answered ${res.status} to ${method} ${suffix.replace(/\?.*$/, '')}${text ? `: ${text.trim()}` : ''}`, {
        hint: res.status === 404 ? `Check the reference ${formatReference(this.ref)}: the registry has no such repository, tag or digest.` : 'The registry refused the request; its answer is above.',
        // The registry's own words (the first 300 characters of its error body) as evidence.
        details: { registry: this.ref.registry, status: res.status, method, body: text },
      });
    }
    return res;
  }
}

/**
 * One request whose body is a file range, over node:http(s): the file is piped into the request,
 * so it is read as the registry takes it. The answer is a fetch Response (its status, headers
 * and body), as every other request's is.
 */
function sendFile(method: string, url: string, headers: Record<string, string>, range: FileRange, idleSeconds: number): Promise<Response> {
  const target = new URL(url);
  // Fetched when an upload needs them, and not through `import`: an ES import of node:http
  // reads every export, lazy ones included, and one of them loads undici (~50 ms at the start
  // of every command that only imports this module, such as build).
  const send = target.protocol === 'https:' ? process.getBuiltinModule('node:https').request : process.getBuiltinModule('node:http').request;
  return new Promise<Response>((resolve, reject) => {
    const req = send(target, { method, headers: { ...headers, 'Content-Length': String(range.end - range.start) } }, (res) => {
      const answer = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [v]) answer.append(k, one);
      }
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 599) {
        res.destroy();
        reject(new Error(`the registry answered with status ${status}`));
        return;
      }
      const body = [101, 204, 205, 304].includes(status) || method === 'HEAD' ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
      if (!body) res.resume();
      resolve(new Response(body, { status, headers: answer }));
    });
    req.setTimeout(idleSeconds * 1000, () => req.destroy(new Error(`no progress for ${idleSeconds} s`)));
    req.on('error', reject);
    const source: Readable = range.end > range.start ? createReadStream(range.file, { start: range.start, end: range.end - 1, highWaterMark: 1 << 20 }) : Readable.from([]);
    source.on('error', (err: Error) => {
      req.destroy();
      reject(fsError(err, range.file, 'cannot read'));
    });
    // The request is ended here, once the bytes sent are counted: a file cut short while it was
    // sent fails at once, instead of leaving the registry waiting for bytes that never come.
    let sent = 0;
    source.on('data', (c: Buffer) => {
      sent += c.length;
      range.onSent?.(c.length);
    });
    source.on('end', () => {
      if (sent === range.end - range.start) {
        req.end();
        return;
      }
      const cut = new ReproError('E_CHANGED_DURING_BUILD', `${range.file} changed while it was uploaded: it ends before the ${range.end} bytes it had`, { hint: 'Something rewrote the file during the upload; nothing was committed. Try again once it is settled.', details: { file: range.file, size: range.end, sent: range.start + sent } });
      req.destroy(cut);
      reject(cut);
    });
    source.pipe(req, { end: false });
  });
}

// One GET over node:http(s), following redirects, for a package index's pages and files. Not
// fetch: Node's undici (24.21) throws an uncatchable AssertionError (`assert(!this.paused)`,
// nodejs/undici#5360) when a server closes the connection while a body is read slower than it
// arrives, and simple indexes do exactly that: `python -m http.server`, an HTTP/1.0 server,
// closes after each file, and a wheel is written to disk as it arrives. node:http pauses the
// socket instead. Credentials go to the URL's own origin only, never along a redirect elsewhere.
import type { IncomingMessage } from 'node:http';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export interface HttpAnswer {
  status: number;
  /** The URL answered, after redirects. */
  url: string;
  header(name: string): string | null;
  /** The body (read it, or drop it with cancel). */
  body: IncomingMessage;
  cancel(): void;
}

export interface HttpGetOptions {
  authorization?: string | null;
  accept?: string;
  /** No byte for this long: the request is abandoned with an error. */
  idleMs: number;
}

/** GET `url` (credentials already split off into `authorization`). */
export async function httpGet(url: string, options: HttpGetOptions): Promise<HttpAnswer> {
  let target = new URL(url);
  let authorization = options.authorization ?? null;
  for (let hop = 0; ; hop++) {
    const res = await once(target, authorization, options);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (REDIRECTS.has(status) && location && hop < MAX_REDIRECTS) {
      res.resume();
      const next = new URL(location, target);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new Error(`${target.origin} redirected to a ${next.protocol} URL`);
      if (next.origin !== target.origin) authorization = null;
      target = next;
      continue;
    }
    const answered = target.toString();
    return {
      status,
      url: answered,
      header: (name) => {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
      body: res,
      cancel: () => res.destroy(),
    };
  }
}

function once(target: URL, authorization: string | null, options: HttpGetOptions): Promise<IncomingMessage> {
  // Fetched when needed, not imported: an ES import of node:http reads every export, lazy ones
  // included, and one of them loads undici (~50 ms at the start of every command).
  const request = target.protocol === 'https:' ? process.getBuiltinModule('node:https').request : process.getBuiltinModule('node:http').request;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'repro' };
    if (options.accept) headers.accept = options.accept;
    if (authorization) headers.authorization = authorization;
    const req = request(target, { headers }, resolve);
    req.setTimeout(options.idleMs, () => req.destroy(new Error(`no answer from ${target.origin} for ${options.idleMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

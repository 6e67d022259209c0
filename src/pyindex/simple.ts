// A Python package index's simple API, as pip and uv read it: PEP 691's JSON
// (application/vnd.pypi.simple.v1+json) when the index speaks it, else PEP 503's HTML (one anchor
// per file, its hash in the URL's #sha256= fragment). What an index answers is hostile input: a
// page is bounded in size, a file counts only when its name is a distribution of the project
// asked for and its sha256 is 64 hex digits, a URL only when it is http(s) (relative ones are
// resolved against the page). Credentials in the index URL go in an Authorization header, never
// in a URL anything records.
import { parseWheelName } from '../wheel/filename.js';
import { ReproError } from '../core/errors.js';
import { httpGet, type HttpAnswer } from './http-get.js';
import { normalizeName } from '../lockfile/requirements.js';
import { stripCredentials, splitCredentials } from '../secrets/rules.js';

/** A page longer than this is refused (PyPI's largest, for projects with thousands of files, are a few MB). */
export const MAX_PAGE_BYTES = 32 * 1024 * 1024;
export const DEFAULT_INDEX = 'https://pypi.org/simple';
const TIMEOUT_MS = 30_000;
const SHA256 = /^[0-9a-f]{64}$/;

export interface IndexFile {
  filename: string;
  /** Absolute http(s) URL, credentials cut. */
  url: string;
  sha256: string;
  yanked: boolean;
  /** The Requires-Python the index gives for the file (PEP 503's data-requires-python, PEP 691's requires-python), or null. */
  requiresPython: string | null;
  /** Its size in bytes, where the index gives it (PEP 700's `size` in the JSON API): progress only, never trusted for a check. */
  size?: number;
}

/** A file as a page links it, with or without a hash (pip considers those too, and hashes what it downloads). */
export interface PageFile extends Omit<IndexFile, 'sha256'> {
  sha256: string | null;
}

/** PyPI's simple index, however it is spelled with or without its trailing slash. */
export const isPypiIndex = (url: string) => /^https:\/\/pypi\.org\/simple\/?$/.test(url);

/** The project and version a distribution's file name says (wheel, sdist), or null. */
export function distributionOf(filename: string): { project: string; version: string } | null {
  const wheel = parseWheelName(filename);
  if (wheel) return { project: wheel.project, version: wheel.version };
  const sdist = /^(.+)-([0-9][^-]*)\.(tar\.gz|zip|tar\.bz2|tar\.xz|tgz)$/i.exec(filename);
  return sdist ? { project: normalizeName(sdist[1]!), version: sdist[2]! } : null;
}

/** An index URL split into the URL to ask (credentials cut) and the Authorization it needs. */
export function indexEndpoint(index: string): { url: string; authorization: string | null } {
  let u: URL;
  try {
    u = new URL(index);
  } catch {
    throw new ReproError('E_USAGE', `the index URL ${JSON.stringify(stripCredentials(index))} is not a URL`, { hint: 'Pass a simple index, e.g. --index-url https://pypi.org/simple' });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ReproError('E_USAGE', `the index URL must be http(s): ${stripCredentials(index)}`, { hint: 'Pass a simple index, e.g. --index-url https://pypi.org/simple' });
  const { url, authorization } = splitCredentials(u);
  return { url: url.toString().replace(/\/?$/, '/'), authorization };
}

function fileFrom(raw: { filename: string; href: string; sha256: string | null; yanked: boolean; requiresPython: string | null; size?: number }, page: string, project: string): PageFile | null {
  const dist = distributionOf(raw.filename);
  if (!dist || dist.project !== project || (raw.sha256 !== null && !SHA256.test(raw.sha256))) return null;
  let url: URL;
  try {
    url = new URL(raw.href, page);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  url.hash = '';
  return { filename: raw.filename, url: stripCredentials(url.toString()), sha256: raw.sha256, yanked: raw.yanked, requiresPython: raw.requiresPython, ...(raw.size !== undefined ? { size: raw.size } : {}) };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'" };
const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|#39|apos);/g, (_m, e: string) => ENTITIES[e]!);

const hashed = (files: PageFile[]) => files.filter((f): f is IndexFile => f.sha256 !== null);

/** The files of a PEP 503 HTML page (anchors; the hash from the #sha256= fragment): those with a sha256. */
export function parseSimpleHtml(html: string, page: string, project: string): IndexFile[] {
  return hashed(parseSimpleHtmlLinks(html, page, project));
}

/** The files of a PEP 503 HTML page (or a --find-links page), with a hash or without. */
export function parseSimpleHtmlLinks(html: string, page: string, project: string): PageFile[] {
  const out: PageFile[] = [];
  for (const m of html.matchAll(/<a\s([^>]*)>([^<]*)<\/a>/gi)) {
    const attrs = m[1]!;
    const href = /\bhref\s*=\s*"([^"]*)"|\bhref\s*=\s*'([^']*)'/i.exec(attrs);
    if (!href) continue;
    const link = unescape(href[1] ?? href[2] ?? '');
    const sha = /#sha256=([0-9a-fA-F]+)$/.exec(link)?.[1]?.toLowerCase() ?? null;
    const filename = unescape(m[2]!.trim()) || decodeURIComponent(link.split('#')[0]!.split('/').pop() ?? '');
    const requires = /\bdata-requires-python\s*=\s*"([^"]*)"|\bdata-requires-python\s*=\s*'([^']*)'/i.exec(attrs);
    const file = fileFrom({ filename, href: link, sha256: sha, yanked: /\bdata-yanked\b/i.test(attrs), requiresPython: requires ? unescape(requires[1] ?? requires[2] ?? '') : null }, page, project);
    if (file) out.push(file);
  }
  return out;
}

/** The files of a PEP 691 JSON page: those with a sha256. */
export function parseSimpleJson(doc: unknown, page: string, project: string): IndexFile[] {
  return hashed(parseSimpleJsonLinks(doc, page, project));
}

/** The files of a PEP 691 JSON page, with a hash or without. */
export function parseSimpleJsonLinks(doc: unknown, page: string, project: string): PageFile[] {
  const files = doc && typeof doc === 'object' && Array.isArray((doc as { files?: unknown }).files) ? ((doc as { files: unknown[] }).files) : [];
  const out: PageFile[] = [];
  for (const f of files) {
    if (!f || typeof f !== 'object') continue;
    const { filename, url, hashes, yanked, 'requires-python': requires, size } = f as { filename?: unknown; url?: unknown; hashes?: { sha256?: unknown }; yanked?: unknown; 'requires-python'?: unknown; size?: unknown };
    if (typeof filename !== 'string' || typeof url !== 'string') continue;
    const sha = typeof hashes?.sha256 === 'string' ? hashes.sha256.toLowerCase() : null;
    const file = fileFrom({ filename, href: url, sha256: sha, yanked: yanked !== undefined && yanked !== false, requiresPython: typeof requires === 'string' ? requires : null, ...(Number.isSafeInteger(size) && (size as number) >= 0 ? { size: size as number } : {}) }, page, project);
    if (file) out.push(file);
  }
  return out;
}

async function boundedText(res: HttpAnswer, what: string): Promise<string> {
  const declared = Number(res.header('content-length'));
  if (Number.isFinite(declared) && declared > MAX_PAGE_BYTES) {
    res.cancel();
    throw tooLarge(what);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_PAGE_BYTES) throw tooLarge(what);
      chunks.push(chunk);
    }
  } catch (err) {
    res.cancel();
    if (err instanceof ReproError) throw err;
    throw new ReproError('E_ENV', `${what} was cut off: ${(err as Error).message}`, { hint: 'Check the network and --index-url, or try again.' });
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(what: string): ReproError {
  return new ReproError('E_INPUT', `${what} is larger than ${MAX_PAGE_BYTES / 1024 / 1024} MiB: refused`, { hint: 'The index answered more than a simple page can hold; check --index-url.', details: { limit: MAX_PAGE_BYTES } });
}

/** Every file the index lists for `project` with its sha256 (null: the index does not know the project). */
export async function listFiles(index: string, project: string): Promise<IndexFile[] | null> {
  const all = await listLinks(index, project);
  return all === null ? null : hashed(all);
}

/** Every file the index lists for `project`, with a hash or without (null: the index does not know the project). */
export async function listLinks(index: string, project: string): Promise<PageFile[] | null> {
  const { url, authorization } = indexEndpoint(index);
  const name = normalizeName(project);
  const page = new URL(`${encodeURIComponent(name)}/`, url).toString();
  const what = `${stripCredentials(index)} page of ${name}`;
  const res = await askPage(page, authorization, 'application/vnd.pypi.simple.v1+json, text/html;q=0.1', `cannot reach the package index for ${name}`, index);
  if (res === null) return null;
  const text = await boundedText(res, what);
  const type = res.header('content-type') ?? '';
  if (type.includes('json')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new ReproError('E_INPUT', `${what} is not JSON, though the index said it is`, { hint: 'The index is broken or not a simple index; check --index-url.' });
    }
    return parseSimpleJsonLinks(doc, res.url || page, name);
  }
  return parseSimpleHtmlLinks(text, res.url || page, name);
}

/**
 * A --find-links page (one HTML page of anchors to files of any project, as pip reads it), read
 * once: the files it lists for a project. A page that is not there lists nothing.
 */
export async function pageFiles(link: string): Promise<(project: string) => PageFile[]> {
  const { url, authorization } = splitCredentials(new URL(link));
  const page = url.toString();
  const res = await askPage(page, authorization, 'text/html', `cannot reach the --find-links page ${stripCredentials(link)}`, link);
  if (res === null) return () => [];
  const html = await boundedText(res, `the --find-links page ${stripCredentials(link)}`);
  return (project) => parseSimpleHtmlLinks(html, res.url || page, normalizeName(project));
}

/** GET of an index page: the answer, or null for a 404; E_ENV when unreachable or refused. */
async function askPage(page: string, authorization: string | null, accept: string, unreachable: string, index: string): Promise<HttpAnswer | null> {
  let res: HttpAnswer;
  try {
    res = await httpGet(page, { authorization, accept, idleMs: TIMEOUT_MS });
  } catch (err) {
    throw new ReproError('E_ENV', `${unreachable}: ${(err as Error).message}`, { hint: 'Check the network and --index-url.', details: { index: stripCredentials(index) } });
  }
  if (res.status === 404) {
    res.cancel();
    return null;
  }
  if (res.status < 200 || res.status > 299) {
    res.cancel();
    throw new ReproError('E_ENV', `the package index answered ${res.status} for ${stripCredentials(page)}`, { hint: res.status === 401 || res.status === 403 ? 'The index wants credentials: put them in the --index-url (they are never written anywhere).' : 'Check --index-url, or try again.', details: { index: stripCredentials(index), status: res.status } });
  }
  return res;
}

// A PEP 503 simple index on 127.0.0.1, in this process, serving wheels of .cache/wheelhouse (the
// pinned ML tools' wheels, downloaded once by scripts/ml-venv.sh; the sdists and build backends of
// scripts/pypi-fixtures.sh), so pip and uv resolve and
// install real wheels with their real hashes and no test reaches PyPI. Each link carries its
// #sha256= fragment, as PyPI's does. Child processes that talk to it must be spawned
// asynchronously: the index answers on this process's event loop.
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';

export const WHEELHOUSE = path.join(REPO_ROOT, '.cache', 'wheelhouse');

/** PEP 503's normalized project name of a wheel file name. */
const projectOf = (file: string) => file.split('-')[0]!.toLowerCase().replace(/[-_.]+/g, '-');

export interface WheelIndex {
  /** The index's simple URL, for --index-url. */
  url: string;
  /** A --find-links page of every file, without hashes (as `python -m http.server` lists a folder). */
  links: string;
  /** Every wheel served, by file name, with its sha256. */
  wheels: Map<string, string>;
  close(): Promise<void>;
}

export interface WheelIndexOptions {
  /** Answer PEP 691 JSON (api-version 1.1: each file's size, PEP 700) when the client accepts it (as PyPI does); else HTML only. */
  json?: boolean;
  /** Refuse (401) any request without exactly this Authorization header. */
  authorization?: string;
  /** More wheels to serve (absolute paths), beside the wheelhouse's: a test's own crafted ones. */
  extraWheels?: string[];
  /** Every request's path and Authorization header, for tests that check what was asked. */
  requests?: Array<{ path: string; authorization: string | null }>;
  /** Other bytes to serve for a file, while its page still lists the file's own sha256 (an index that lies). */
  serve?: Map<string, Buffer>;
}

/** Serve the wheelhouse's wheels of the named projects (all when none are named). */
export async function startWheelIndex(projects?: string[], options: WheelIndexOptions = {}): Promise<WheelIndex> {
  const want = projects ? new Set(projects.map((p) => p.toLowerCase().replace(/[-_.]+/g, '-'))) : null;
  const where = new Map<string, string>();
  for (const f of readdirSync(WHEELHOUSE)) if ((f.endsWith('.whl') || f.endsWith('.tar.gz')) && (want === null || want.has(projectOf(f)))) where.set(f, path.join(WHEELHOUSE, f));
  for (const p of options.extraWheels ?? []) where.set(path.basename(p), p);
  const files = [...where.keys()].sort();
  const wheels = new Map(files.map((f) => [f, createHash('sha256').update(readFileSync(where.get(f)!)).digest('hex')]));
  const byProject = new Map<string, string[]>();
  for (const f of files) byProject.set(projectOf(f), [...(byProject.get(projectOf(f)) ?? []), f]);
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    options.requests?.push({ path: url, authorization: req.headers.authorization ?? null });
    if (options.authorization !== undefined && req.headers.authorization !== options.authorization) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="index"' }).end();
      return;
    }
    const page = (body: string) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!DOCTYPE html><html><body>\n${body}</body></html>\n`);
    };
    if (url === '/simple/') return page([...byProject.keys()].map((p) => `<a href="/simple/${p}/">${p}</a>\n`).join(''));
    // A --find-links page as a plain web server's folder listing gives it: every file, no hashes.
    if (url === '/links/') return page(files.map((f) => `<a href="../files/${f}">${f}</a>\n`).join(''));
    const project = /^\/simple\/([^/]+)\/?$/.exec(url)?.[1];
    if (project !== undefined) {
      const list = byProject.get(project.toLowerCase().replace(/[-_.]+/g, '-'));
      if (!list) {
        res.writeHead(404).end();
        return;
      }
      if (options.json && (req.headers.accept ?? '').includes('application/vnd.pypi.simple.v1+json')) {
        res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' });
        res.end(JSON.stringify({ meta: { 'api-version': '1.1' }, name: project, files: list.map((f) => ({ filename: f, url: `../../files/${f}`, hashes: { sha256: wheels.get(f) }, size: statSync(where.get(f)!).size })) }));
        return;
      }
      return page(list.map((f) => `<a href="/files/${f}#sha256=${wheels.get(f)}">${f}</a>\n`).join(''));
    }
    const file = /^\/files\/([^/]+)$/.exec(url)?.[1];
    if (file !== undefined && wheels.has(file)) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const other = options.serve?.get(file);
      if (other) res.end(other);
      else createReadStream(where.get(file)!).pipe(res);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/simple`, links: `http://127.0.0.1:${port}/links/`, wheels, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A hashed requirements lock of every wheel the index serves (pinned ==, PyPI's sha256), with the index's URL first. */
export function hashedLock(index: WheelIndex): string {
  return `${[`--index-url ${index.url}`, ...[...index.wheels].map(([f, sha]) => `${f.split('-')[0]!.toLowerCase().replace(/_/g, '-')}==${f.split('-')[1]!.replace(/\.tar\.gz$/, '')} --hash=sha256:${sha}`)].join('\n')}\n`;
}

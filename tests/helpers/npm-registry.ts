// A loopback npm registry of crafted packages for the locked node_modules tests: tarballs made
// here (package/… as npm packs them), served at http://127.0.0.1:PORT/<name>/-/<file>.tgz, and
// the package-lock.json (v3) entry of each, with its real integrity. A test can make it serve other
// bytes than the ones locked (`tamper`).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as tar from 'tar';
import { tempDir } from './project.js';

export interface CraftedPackage {
  name: string;
  version: string;
  files: Record<string, string>;
  dependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  bin?: Record<string, string>;
  /** The tarball's bytes as given (a crafted, hostile one), instead of packing `files`. */
  tarball?: Buffer;
}

export interface NpmRegistry {
  url: string;
  /** The lock entry of each package: node_modules/<name> -> { version, resolved, integrity, ... }. */
  entries: Record<string, Record<string, unknown>>;
  /** Serve other bytes for this package from now on. */
  tamper(name: string): void;
  close(): Promise<void>;
}

const integrityOf = (bytes: Buffer) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;

export async function startNpmRegistry(packages: CraftedPackage[]): Promise<NpmRegistry> {
  const files = new Map<string, Buffer>();
  const work = tempDir();
  const server = http.createServer((req, res) => {
    const body = files.get(decodeURIComponent(req.url ?? ''));
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entries: NpmRegistry['entries'] = {};
  for (const p of packages) {
    let bytes = p.tarball;
    if (!bytes) {
      const dir = path.join(work, p.name.replace('/', '+'), 'package');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: p.name, version: p.version, main: 'index.js', dependencies: p.dependencies, scripts: p.scripts, bin: p.bin }, null, 2));
      for (const [f, text] of Object.entries(p.files)) writeFileSync(path.join(dir, f), text);
      const tgz = path.join(work, `${p.name.replace('/', '+')}.tgz`);
      await tar.c({ gzip: true, file: tgz, cwd: path.dirname(dir), portable: true, mtime: new Date(0) }, ['package']);
      bytes = readFileSync(tgz);
    }
    const route = `/${p.name}/-/${p.name.split('/').pop()}-${p.version}.tgz`;
    files.set(route, bytes);
    entries[`node_modules/${p.name}`] = { version: p.version, resolved: `${url}${route}`, integrity: integrityOf(bytes), ...(p.dependencies ? { dependencies: p.dependencies } : {}), ...(p.scripts?.postinstall || p.scripts?.install ? { hasInstallScript: true } : {}), ...(p.bin ? { bin: p.bin } : {}) };
  }
  return {
    url,
    entries,
    tamper(name) {
      const route = [...files.keys()].find((r) => r.startsWith(`/${name}/-/`))!;
      files.set(route, Buffer.concat([files.get(route)!, Buffer.from('tampered')]));
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A package-lock.json (v3) for a project depending on `deps`, from the registry's entries. */
export function packageLock(name: string, deps: Record<string, string>, registry: NpmRegistry): string {
  return `${JSON.stringify({ name, version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name, version: '1.0.0', dependencies: deps }, ...registry.entries } }, null, 2)}\n`;
}

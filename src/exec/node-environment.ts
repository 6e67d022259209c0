// The locked node_modules a local rerun of a Node project runs with (issue 30): npm ci semantics
// through @npmcli/arborist (the tree is the lock's, nothing resolved; install scripts never run,
// so no package code runs outside the sandbox), cached by digest under <cache>/node-envs/ and
// checked on each reuse (env-cache.ts). A bundle built with --vendor carries the lock's tarballs
// under vendor/node/: each is checked against the lock's integrity here, and arborist installs
// from them with no network (the lock rewritten to point at them). Without them arborist fetches
// from the registry the lock names, checking each tarball's integrity itself. The entry point
// sees the result as the project's node_modules, read-only (run-local.ts).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import ssri from 'ssri';
import { canonicalJson } from '../core/canonical-json.js';
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { npmLockOf, npmLockPackages, offlineLock, tarballName } from '../npm/lock.js';
import { cachedTree } from './env-cache.js';

export const NODE_ENVS_DIR = 'node-envs';
const NODE_ENV_SCHEMA = 1;

export interface NodeEnvironment {
  /** <cache>/node-envs/<hex>: package.json, the lock, node_modules. */
  dir: string;
  nodeModules: string;
  digest: string;
  lock: string;
  reused: boolean;
  /** Packages the lock installs from the registry. */
  packages: number;
}

export interface NodeEnvironmentRequest {
  projectDir: string;
  cacheRoot: string;
  /** vendor/node/ of the bundle (build --vendor), or null: then the registry is asked. */
  tarballsDir: string | null;
}

/** The project's locked node_modules, made or reused; null when the project has no npm lock. */
export async function lockedNodeModules(request: NodeEnvironmentRequest, ctx: Context): Promise<NodeEnvironment | null> {
  const found = await npmLockOf(request.projectDir);
  if (!found) return null;
  const manifest = await fs.readFile(path.join(request.projectDir, 'package.json'), 'utf8').catch(() => null);
  if (manifest === null) throw new ReproError('E_CONFIG', `the project has ${found.lock} but no package.json`, { hint: 'Bundle the package.json the lock was made from, or rerun with --environment host.' });
  const packages = npmLockPackages(found.text, found.lock);
  const offline = request.tarballsDir !== null;
  const digest = `sha256:${createHash('sha256').update(canonicalJson({ schema: NODE_ENV_SCHEMA, lock: found.text, manifest, platform: `${process.platform}-${process.arch}`, offline })).digest('hex')}`;
  const { dir, reused } = await cachedTree({
    root: path.join(request.cacheRoot, NODE_ENVS_DIR),
    digest,
    schema: NODE_ENV_SCHEMA,
    record: { lock: found.lock },
    what: 'the locked node_modules',
    make: async (d) => {
      await fs.rm(d, { recursive: true, force: true });
      await fs.mkdir(d, { recursive: true });
      try {
        await makeNodeModules(d, found, manifest, packages, request, ctx);
      } catch (err) {
        await fs.rm(d, { recursive: true, force: true });
        throw err;
      }
      return {};
    },
    log: ctx.log,
    nowMs: () => ctx.now().getTime(),
  });
  return { dir, nodeModules: path.join(dir, 'node_modules'), digest, lock: found.lock, reused, packages: packages.length };
}

async function makeNodeModules(dir: string, found: { lock: string; text: string }, manifest: string, packages: ReturnType<typeof npmLockPackages>, request: NodeEnvironmentRequest, ctx: Context): Promise<void> {
  let lockText = found.text;
  if (request.tarballsDir !== null) {
    const tarballs = request.tarballsDir;
    // Every vendored tarball against the lock's integrity, before arborist sees it (it does not
    // check a file: tarball's integrity itself).
    for (const p of packages) {
      const file = path.join(tarballs, tarballName(p));
      const bytes = await fs.readFile(file).catch(() => null);
      if (!bytes) throw new ReproError('E_INTEGRITY', `the bundle vendors no tarball for ${p.name}@${p.version}, which ${found.lock} locks: nothing was installed`, { hint: 'Build the bundle again with --vendor.', details: { package: p.name, file: tarballName(p) } });
      if (!ssri.checkData(bytes, p.integrity)) {
        throw new ReproError('E_INTEGRITY', `${found.lock}: ${p.name}@${p.version}: the bundle's vendored tarball does not match the lock (expected ${p.integrity}, got ${ssri.fromData(bytes, { algorithms: [ssri.parse(p.integrity).pickAlgorithm()] }).toString()}): nothing was installed`, { details: { package: p.name, file: tarballName(p) } });
      }
    }
    lockText = offlineLock(found.text, packages, (p) => path.join(tarballs, tarballName(p)));
  }
  await fs.writeFile(path.join(dir, 'package.json'), manifest);
  await fs.writeFile(path.join(dir, found.lock), lockText);
  ctx.log.info(`exec: installing the locked node_modules from ${found.lock} into ${dir} (${packages.length} packages, npm ci semantics through arborist, install scripts never run, ${request.tarballsDir ? "from the bundle's vendored tarballs, no network" : 'from the registry, each tarball checked against its integrity'})`);
  const { default: Arborist } = await import('@npmcli/arborist');
  const arb = new Arborist({ path: dir, offline: request.tarballsDir !== null, ignoreScripts: true, audit: false, fund: false, cache: path.join(request.cacheRoot, 'npm-cache'), binLinks: true });
  try {
    await arb.reify({ save: false });
  } catch (err) {
    const e = err as Error & { code?: string };
    throw new ReproError(e.code === 'EINTEGRITY' ? 'E_INTEGRITY' : 'E_ENV', `the locked node_modules could not be installed from ${found.lock}: ${e.message.split('\n')[0]}: nothing was run`, { hint: e.code === 'EINTEGRITY' ? 'The registry serves other bytes than the ones locked.' : 'Check the registry the lock names (or build with --vendor), or rerun with --environment host.', details: { code: e.code ?? null } });
  }
}

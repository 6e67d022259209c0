// Which sandbox a rerun gets is the user's decision, never the bundle's. --backend docker: the
// engine, or E_ENV. --backend local: bubblewrap when it works here, else unconfined with a
// warning (the user asked for local), unless --require-sandbox (each Slurm task), which refuses
// with E_ENV; --no-sandbox: unconfined on purpose. No --backend: Docker
// when the bundle has an image recipe and an engine answers, else bubblewrap, else a usage
// error (exit 2) that says how to choose.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DOCKERFILE_PATH } from '../bundle/layout.js';
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import type { DockerClient } from '../docker/client.js';
import { engineFor } from './run-docker.js';
import { findSandbox, type Sandbox } from './sandbox.js';

export type Backend = { kind: 'docker'; docker: DockerClient } | { kind: 'local'; sandbox: Sandbox | null };

export interface BackendRequest {
  backend?: 'docker' | 'local';
  /** false with --no-sandbox: run locally, unconfined, on purpose. */
  sandbox?: boolean;
  /** --require-sandbox (every Slurm task): never fall back to running unconfined. */
  requireSandbox?: boolean;
}

export async function chooseBackend(bundleDir: string, request: BackendRequest, ctx: Context): Promise<Backend> {
  if (request.backend === 'docker') return { kind: 'docker', docker: (await engineFor(bundleDir, true, ctx))! };
  if (request.backend === undefined && request.sandbox !== false) {
    const docker = await engineFor(bundleDir, false, ctx);
    if (docker) return { kind: 'docker', docker };
  }
  if (request.sandbox === false) {
    ctx.log.warn('exec: --no-sandbox: the entry point runs unconfined, with your user\'s rights over this machine');
    return { kind: 'local', sandbox: null };
  }
  const sandbox = await findSandbox(ctx.env);
  if ('bwrap' in sandbox) return { kind: 'local', sandbox };
  if (request.requireSandbox) {
    throw new ReproError('E_ENV', `no sandbox here (${sandbox.reason}), and --require-sandbox refuses to run the entry point unconfined`, {
      hint: 'Install bubblewrap on this machine (on a Slurm cluster: on every node).',
      details: { sandbox: sandbox.reason },
    });
  }
  if (request.backend === 'local') {
    ctx.log.warn(`exec: no sandbox for the local backend (${sandbox.reason}): the entry point runs unconfined, as --backend local asked`);
    return { kind: 'local', sandbox: null };
  }
  const hasRecipe = await fs.stat(path.join(bundleDir, DOCKERFILE_PATH)).then(() => true).catch(() => false);
  throw new ReproError('E_USAGE', `no sandbox to rerun this bundle in: ${hasRecipe ? 'no Docker engine answers' : 'it carries no image recipe (repro.Dockerfile)'}, and ${sandbox.reason}`, {
    hint: 'Install bubblewrap or start Docker; or run it unconfined on purpose with --backend local (or --no-sandbox).',
    details: { dockerfile: hasRecipe, sandbox: sandbox.reason },
  });
}

// The Dockerfile a bundle carries at its root (beside repro.bundle.json), used as the build
// context's Dockerfile by `repro build --image`. It is included only when the base image is
// pinned by an explicit digest (repro.yaml environment.base_image or --base-image), or when
// --image asks the engine to pin it: a bundle never depends on what a registry says today.
import type { Context } from '../core/context.js';
import type { DockerClient } from '../docker/client.js';
import type { LoadedProject } from '../project/load.js';
import { PINNED_IMAGE } from '../core/digest.js';

export interface DockerfileEntry {
  content: Buffer | null;
  baseImage: string | null;
  /** Why there is no Dockerfile, when there is none. */
  reason: string | null;
  /** The lock the image installs from (project-relative), or null. */
  lock: string | null;
  /** Build-context files the Dockerfile installs from (requirements exported from the lock), carried at the bundle's root. */
  files: Array<[string, Buffer]>;
  /** What the image installs and what it does not (an unhashed requirements file: what is unpinned, and how to pin it). */
  notes: string[];
}

export interface DockerfileEntryOptions {
  sourceDateEpoch: number;
  baseImage?: string;
  image?: boolean;
  docker?: DockerClient;
  /** build --vendor: the image installs from the bundle's wheels. */
  vendored?: boolean;
  /** build --vendor --record-hashes: and from the hashes recorded in vendor/, where the project's lock has none. */
  recordHashes?: boolean;
  allowBuild?: boolean;
}

export async function planDockerfileEntry(project: LoadedProject, options: DockerfileEntryOptions, ctx: Context): Promise<DockerfileEntry> {
  const explicit = options.baseImage ?? project.manifest?.environment.baseImage ?? null;
  const pinned = explicit !== null && PINNED_IMAGE.test(explicit);
  if (!options.image && !pinned) {
    return { content: null, baseImage: null, reason: explicit ? `the base image ${explicit} is not pinned by digest` : 'no base image pinned by digest (set environment.base_image or pass --base-image NAME@sha256:...)', lock: null, files: [], notes: [] };
  }
  // Loaded only when there is a Dockerfile to write: most builds have none, and its modules (the
  // lock readers, the index client, the engine's) are a good part of a build's start-up.
  const { planDockerfile } = await import('../dockerfile/plan.js');
  const plan = await planDockerfile({ project, sourceDateEpoch: options.sourceDateEpoch, baseImage: options.baseImage, resolve: Boolean(options.image) && !pinned, docker: options.docker, vendored: options.vendored, recordHashes: options.recordHashes, allowBuild: options.allowBuild }, ctx);
  return { content: Buffer.from(plan.text), baseImage: plan.base.ref, reason: null, lock: plan.lock, files: plan.files.map((f) => [f.path, Buffer.from(f.text)]), notes: plan.notes };
}

// planDockerfile: for a loaded project, decides the kind (Python, Python + CUDA, Node), the base
// image and its pinned digest, the lockfile to install from, and renders the Dockerfile. Fails
// with a hint rather than return anything unpinned.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Context } from '../core/context.js';
import { ReproError } from '../core/errors.js';
import { reachDockerIfAny, type DockerClient } from '../docker/client.js';
import type { LoadedProject } from '../project/load.js';
import type { ProjectManifest } from '../project/types.js';
import { chooseCudaBase } from './cuda-base.js';
import { generateDockerfile, type DockerfileKind } from './generate.js';
import { parseSnapshot } from '../snapshot/io.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { pinBaseImage, type Pinned } from './pin.js';
import { planInstall } from './install-lock.js';
import { SNAPSHOT_FILE } from '../bundle/layout.js';

export interface DockerfilePlanOptions {
  /** The project, already loaded by the caller (its manifest, name and version). */
  project: LoadedProject;
  /** SOURCE_DATE_EPOCH, already parsed: apt sources are frozen to it. */
  sourceDateEpoch: number;
  baseImage?: string;
  /** Ask the local engine and registries for digests (false: only a digest in the reference). */
  resolve: boolean;
  /** An engine already connected and answering; when absent one is tried here. */
  docker?: DockerClient;
  /** The bundle carries the lock's wheels (build --vendor): the image installs from them, offline. */
  vendored?: boolean;
  /** build --vendor --record-hashes: install from the recorded hashes where the project's lock has none. */
  recordHashes?: boolean;
  /** build --vendor --allow-build: pip may build the lock's sdists in the image (no network) from the build wheels under vendor/python-build/. */
  allowBuild?: boolean;
}

export interface DockerfilePlan {
  kind: DockerfileKind;
  base: Pinned;
  text: string;
  /** The lock the image installs from (project-relative), or null. */
  lock: string | null;
  /** Build-context files the Dockerfile needs beside it (requirements exported from the lock). */
  files: Array<{ path: string; text: string }>;
  notes: string[];
}

/** What the project's snapshot (DIR/repro.snapshot.json) says about the CUDA it ran with. */
export interface GpuEvidence {
  /** The CUDA a framework was built with, else the toolkit's, else the driver's. */
  cuda: string | null;
  /** Whether a framework loads cuDNN. */
  cudnn: boolean;
  source: string;
}

export function gpuEvidence(snapshot: Snapshot | null): GpuEvidence | null {
  if (!snapshot?.identity.gpu) return null;
  const fw = Object.entries(snapshot.identity.python?.frameworks ?? {}).find(([, f]) => f.cuda);
  if (fw) return { cuda: String(fw[1].cuda), cudnn: Boolean(fw[1].cudnn), source: `${fw[0]} ${fw[1].version ?? ''} built with CUDA ${String(fw[1].cuda)}`.replace('  ', ' ') };
  const gpu = snapshot.identity.gpu;
  const cuda = gpu.toolkit.nvcc ?? gpu.cudaDriver;
  return cuda ? { cuda, cudnn: gpu.cudnn !== null, source: gpu.toolkit.nvcc ? `CUDA toolkit ${cuda}` : `driver supporting CUDA ${cuda}` } : null;
}

async function readProjectSnapshot(root: string): Promise<Snapshot | null> {
  try {
    return parseSnapshot(await fs.readFile(path.join(root, SNAPSHOT_FILE), 'utf8'), SNAPSHOT_FILE);
  } catch {
    return null;
  }
}

export function chooseKind(root: string, manifest: ProjectManifest | null, gpu: GpuEvidence | null = null): DockerfileKind {
  if (manifest?.gpu?.required || (gpu && manifest?.gpu?.required !== false)) return 'python-cuda';
  const python = manifest?.environment.python || existsSync(path.join(root, 'requirements.txt')) || existsSync(path.join(root, 'pyproject.toml')) || existsSync(path.join(root, 'uv.lock'));
  if (!python && (manifest?.environment.node || existsSync(path.join(root, 'package-lock.json')))) return 'node';
  return 'python';
}

export function defaultBaseImage(kind: DockerfileKind, manifest: ProjectManifest | null, gpu: GpuEvidence | null = null): { image: string; note: string } {
  if (kind === 'node') return { image: `node:${manifest?.environment.node ?? '22'}-bookworm-slim`, note: 'Node base (environment.node, default 22)' };
  if (kind === 'python-cuda') {
    // The snapshot's framework build decides; the manifest's minimum, else 12.4, otherwise.
    const cuda = gpu?.cuda ?? manifest?.gpu?.minCuda ?? '12.4';
    const choice = chooseCudaBase(cuda, gpu ? gpu.cudnn : true);
    if (!choice) throw new ReproError('E_CONFIG', `no CUDA base image is known for CUDA ${cuda}`, { hint: 'Set environment.base_image to the image you want (pinned by digest).', details: { cuda } });
    return { image: choice.image, note: gpu ? `${choice.reason} (from the snapshot: ${gpu.source})` : choice.reason };
  }
  return { image: `python:${manifest?.environment.python ?? '3.11'}-slim-bookworm`, note: 'Python base (environment.python, default 3.11)' };
}

export async function planDockerfile(options: DockerfilePlanOptions, ctx: Context): Promise<DockerfilePlan> {
  const { root, manifest, meta } = options.project;
  const gpu = gpuEvidence(await readProjectSnapshot(root));
  const kind = chooseKind(root, manifest, gpu);
  const fallback = defaultBaseImage(kind, manifest, gpu);
  const wanted = options.baseImage ?? manifest?.environment.baseImage ?? fallback.image;
  const notes = options.baseImage || manifest?.environment.baseImage ? [] : [fallback.note];
  const base = await pinBaseImage(wanted, { docker: options.resolve ? (options.docker ?? (await reachDockerIfAny(ctx.env))) : null, registry: options.resolve, env: ctx.env });
  const install = await planInstall(root, kind, manifest?.environment.lockfile ?? null, options.vendored, options.recordHashes, options.allowBuild);
  const text = generateDockerfile({
    name: meta.name,
    version: meta.version,
    kind,
    baseImage: base.ref,
    sourceDateEpoch: options.sourceDateEpoch,
    manifest,
    install: install.run,
    cudaNote: kind === 'python-cuda' ? fallback.note : undefined,
  });
  return { kind, base, text, lock: install.lock, files: install.files, notes: [...notes, ...install.notes] };
}

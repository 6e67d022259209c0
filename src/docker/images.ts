// Image calls against an engine: inspect (id, repo digests, layer diff_ids, history), build from a
// context stream with the network off, and remove. Engine errors become coded ReproErrors.
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { ReproError } from '../core/errors.js';
import { unavailable, within, type Env } from './connection.js';

export interface ImageInfo {
  id: string;
  repoDigests: string[];
  repoTags: string[];
  /** The image's layer diff_ids, bottom first. */
  layers: string[];
  /** The instruction that made each history entry (empty layers included), bottom first. */
  history: Array<{ createdBy: string; emptyLayer: boolean }>;
  labels: Record<string, string>;
  /** The image's USER (name or uid[:gid]); '' when it runs as root. */
  user: string;
}

export interface BuildRequest {
  context: Readable;
  dockerfile: string;
  tag: string;
  labels: Record<string, string>;
  noCache: boolean;
  /** The network RUN steps get: 'none' (the default: everything comes from the base image and the bundle) or 'host'/'default' (pip and npm fetch what the lock pins, by hash). */
  network?: BuildNetwork;
  onOutput?: (line: string) => void;
}

export type BuildNetwork = 'none' | 'host' | 'default';
export const BUILD_NETWORKS: readonly BuildNetwork[] = ['none', 'host', 'default'];

/** The image, or null when the engine has none by that reference. */
export async function inspectImage(docker: Docker, ref: string, env: Env, limit: number): Promise<ImageInfo | null> {
  try {
    const info = await within(limit, 'inspect the image', docker.getImage(ref).inspect());
    const history = await docker.getImage(ref).history().catch(() => [] as Array<{ CreatedBy: string; Size: number }>);
    return {
      id: info.Id,
      repoDigests: info.RepoDigests ?? [],
      repoTags: info.RepoTags ?? [],
      layers: info.RootFS?.Layers ?? [],
      history: (history as Array<{ CreatedBy: string; Size: number }>)
        .slice()
        .reverse()
        .map((h) => ({ createdBy: h.CreatedBy, emptyLayer: h.Size === 0 })),
      labels: info.Config?.Labels ?? {},
      user: info.Config?.User ?? '',
    };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw unavailable(err, env);
  }
}

/** Builds an image (no network unless asked, intermediate containers removed) and returns its ID. */
export async function buildImage(docker: Docker, request: BuildRequest, env: Env): Promise<string> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(request.context as unknown as NodeJS.ReadableStream, {
      t: request.tag,
      dockerfile: request.dockerfile,
      labels: request.labels,
      nocache: request.noCache,
      rm: true,
      forcerm: true,
      networkmode: request.network ?? 'none',
    } as Record<string, unknown>);
  } catch (err) {
    throw unavailable(err, env);
  }
  return new Promise<string>((resolve, reject) => {
    let imageId: string | null = null;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        if (err) reject(buildFailed(err.message));
        else if (imageId) resolve(imageId);
        else reject(buildFailed('the engine reported no image ID'));
      },
      (event: { stream?: string; error?: string; aux?: { ID?: string } }) => {
        if (event.stream) request.onOutput?.(event.stream);
        if (event.aux?.ID) imageId = event.aux.ID;
        if (event.error) reject(buildFailed(event.error));
      },
    );
  });
}

export async function removeImage(docker: Docker, id: string): Promise<void> {
  await docker.getImage(id).remove({ force: true, noprune: false }).catch(() => {});
}

function buildFailed(message: string): ReproError {
  return new ReproError('E_ENV', `docker build failed: ${message.trim()}`, {
    hint: 'The build output above names the failing step. Without --build-network the build has no network: everything must come from the base image and the bundle (a lock the image installs from needs --build-network host or default).',
    details: { message },
  });
}

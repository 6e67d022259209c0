// repro build --image: builds the bundle's image through the Docker engine with the bundle's
// canonical tar as the build context (verified first: exactly the bytes that were checked),
// tagged repro/<name>:<short content digest> and labelled with the OCI annotations and the
// bundle digest. With --verify it builds a second time without cache and compares the
// images' layer diff_ids, naming each layer that differs and the instruction that made it.
import { Readable } from 'node:stream';
import type { Context } from '../core/context.js';
import type { Difference } from '../core/difference.js';
import { ReproError } from '../core/errors.js';
import { reachDocker, type DockerClient, type ImageInfo } from './client.js';
import type { BuildNetwork } from './images.js';
import { openBundle } from '../bundle/open.js';
import { slugName } from '../bundle/layout.js';
import { epochTime } from '../core/time.js';
import { verifyBundle } from '../bundle/verify.js';
import { DOCKERFILE_PATH } from '../bundle/layout.js';
import { hexOf } from '../core/digest.js';
import { BUNDLE_DIGEST_LABEL, OCI_CREATED, OCI_TITLE, OCI_VERSION } from '../core/annotations.js';

export interface ImageResult {
  id: string;
  tag: string;
  layers: string[];
  verify?: { reproducible: boolean; rebuildId: string; differences: LayerDifference[] };
}

/** Two image builds differ at a layer; entry is "layer N: <instruction>". */
export type LayerDifference = Difference<'diff_id'> & { entry: string; layer: number; instruction: string | null; a: string | null; b: string | null };

export interface ImageBuildInput {
  bundle: string;
  contentDigest: string;
  name: string;
  version: string;
  sourceDateEpoch: number;
  verify: boolean;
  /** Reuse an image already built from this bundle (same tag and bundle-digest label). */
  reuse?: boolean;
  /** The network the build's RUN steps get (default none). */
  network?: BuildNetwork;
}

/** `engine`: a client already connected and answering (else one is connected here). */
export async function buildBundleImage(input: ImageBuildInput, ctx: Context, engine?: DockerClient): Promise<ImageResult> {
  const docker = engine ?? (await reachDocker(ctx.env));
  const short = hexOf(input.contentDigest).slice(0, 12);
  const tag = `repro/${slugName(input.name)}:${short}`;
  const labels = {
    [OCI_TITLE]: input.name,
    [OCI_VERSION]: input.version,
    [OCI_CREATED]: epochTime(input.sourceDateEpoch),
    [BUNDLE_DIGEST_LABEL]: input.contentDigest,
  };
  if (input.reuse) {
    const existing = await docker.inspectImage(tag);
    if (existing && existing.labels[BUNDLE_DIGEST_LABEL] === input.contentDigest) return { id: existing.id, tag, layers: existing.layers };
  }
  await verifyBundle(input.bundle, { digest: input.contentDigest, integrity: false });
  const first = await buildOnce(docker, input, tag, labels, false, ctx);
  const info = (await docker.inspectImage(first))!;
  const result: ImageResult = { id: first, tag, layers: info.layers };
  if (input.verify) {
    ctx.log.info('image: building a second time without cache to compare layers');
    const second = await buildOnce(docker, input, '', labels, true, ctx);
    const other = (await docker.inspectImage(second))!;
    const differences = compareLayers(info, other);
    if (second !== first) await docker.removeImage(second);
    result.verify = { reproducible: differences.length === 0, rebuildId: second, differences };
    if (differences.length > 0) {
      throw new ReproError('E_NOT_REPRODUCIBLE', `the image is not reproducible: ${differences.length} layer${differences.length === 1 ? '' : 's'} differ`, {
        hint: 'Layers made by RUN steps carry the time they ran; keep RUN steps out of the Dockerfile (bake them into the pinned base image) or make them write fixed timestamps.',
        details: { image: result, differences },
      });
    }
  }
  return result;
}

async function buildOnce(docker: DockerClient, input: ImageBuildInput, tag: string, labels: Record<string, string>, noCache: boolean, ctx: Context): Promise<string> {
  const stream = await openBundle(input.bundle);
  return docker.buildImage({
    context: Readable.from(stream.tar),
    dockerfile: DOCKERFILE_PATH,
    tag,
    labels,
    noCache,
    network: input.network,
    onOutput: (text) => {
      for (const line of text.split('\n')) if (line.trim() !== '') ctx.log.info(`image: ${line.trimEnd()}`);
    },
  });
}

/** diff_ids layer by layer, each named by the history entry (non-empty layers only) that made it. */
export function compareLayers(a: ImageInfo, b: ImageInfo): LayerDifference[] {
  const steps = a.history.filter((h) => !h.emptyLayer).map((h) => h.createdBy);
  const out: LayerDifference[] = [];
  for (let i = 0; i < Math.max(a.layers.length, b.layers.length); i++) {
    const x = a.layers[i] ?? null;
    const y = b.layers[i] ?? null;
    if (x !== y) out.push({ entry: `layer ${i}: ${steps[i]?.replace(/^\/bin\/sh -c (#\(nop\) )?/, '').trim() ?? '?'}`, field: 'diff_id', layer: i, instruction: steps[i] ?? null, a: x, b: y });
  }
  return out;
}

// `repro build`: pack a project into a bit-for-bit reproducible bundle, optionally rebuild it
// under varied conditions (--verify) and check it against repro.lock (--locked).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runBuild, type BuildOptions, type BuildResult } from '../../builder/build.js';
import { runVerifiedBuild, type VerifiedBuildResult } from '../../builder/verify-build.js';
import { parseCodec } from '../../bundle/compress.js';
import { fsError } from '../../core/errors.js';
import { formatBytes } from '../progress.js';
import { renderFields } from '../render.js';
import type { CliIo, CommandOutcome } from '../io.js';

export interface BuildFlags {
  output?: string;
  compression: string;
  verify?: boolean;
  locked?: boolean;
  lock?: boolean;
  filesFrom?: string;
  baseImage?: string;
  image?: boolean;
  withRun?: string;
}

export async function buildCommand(dir: string | undefined, flags: BuildFlags, io: CliIo): Promise<CommandOutcome<BuildResult | VerifiedBuildResult>> {
  const options: BuildOptions = {
    dir,
    outDir: flags.output,
    compression: parseCodec(flags.compression),
    locked: flags.locked,
    verify: flags.verify,
    noLock: flags.lock === false,
    files: flags.filesFrom ? await readFileList(path.resolve(io.ctx.cwd, flags.filesFrom)) : undefined,
    baseImage: flags.baseImage,
    image: flags.image,
    withRun: flags.withRun,
  };
  const result = flags.verify ? await runVerifiedBuild(options, io.ctx, io.self) : await runBuild(options, io.ctx);
  return { result, text: renderBuild(result, io.ctx.cwd) };
}

async function readFileList(file: string): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8').catch((err) => {
    throw fsError(err, file, 'cannot read --files-from');
  });
  return text.split('\0').filter((p) => p !== '');
}

export function renderBuild(r: BuildResult | VerifiedBuildResult, cwd: string): string {
  const rel = path.relative(cwd, r.bundle) || r.bundle;
  const codec = r.compression.codec === 'none' ? 'uncompressed' : `${r.compression.codec}-${r.compression.level}`;
  let text = `built ${rel.startsWith('..') ? r.bundle : rel}\n`;
  text += renderFields([
    ['  project', `${r.name} ${r.version}`],
    ['  content digest', r.contentDigest],
    ['  file digest', r.fileDigest],
    ['  integrity', r.integrity],
    ['  entries', `${r.entries} (${r.files} files, ${formatBytes(r.contentBytes)})`],
    ['  size', `${formatBytes(r.tarSize)} tar, ${formatBytes(r.fileSize)} ${codec}`],
    ['  lock', `repro.lock ${r.lock.status}`],
    ['  dockerfile', r.dockerfile.included ? `repro.Dockerfile FROM ${r.dockerfile.baseImage}` : `none: ${r.dockerfile.reason}`],
    ...(r.credentialsRemoved.length > 0 ? [['  credentials', `cut from ${r.credentialsRemoved.map((c) => c.path).join(', ')} (bundle copies only)`] as [string, string]] : []),
    ['  time', `${(r.durationMs / 1000).toFixed(2)} s`],
  ]);
  if (r.image) {
    text += `image ${r.image.tag} (${r.image.id.slice(0, 19)}…), ${r.image.layers.length} layers\n`;
    if (r.image.verify) text += `image verified: rebuilt without cache, layer diff_ids identical\n`;
  }
  if ('verify' in r) {
    text += `verified: reproducible. Rebuilt from a copy under ${r.verify.variations.length} variations (${r.verify.variations.map((v) => v.name).join(', ')}); both digests identical.\n`;
    if (r.verify.lock.matches !== null) text += `repro.lock: ${r.verify.lock.matches ? 'matches' : 'differs'}\n`;
  }
  return text;
}

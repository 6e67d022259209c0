// `repro build`: pack a project into a bit-for-bit reproducible bundle, optionally rebuild it
// under varied conditions (--verify) and check it against repro.lock (--locked).
import path from 'node:path';
import { runBuild, type BuildOptions, type BuildResult } from '../../builder/build.js';
import { runVerifiedBuild, type VerifiedBuildResult } from '../../builder/verify-build.js';
import { parseCodec } from '../../bundle/compress.js';
import type { BuildNetwork } from '../../docker/images.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { readFileList } from '../parse.js';
import { renderBuild } from '../render/build.js';

export interface BuildFlags {
  output?: string;
  compression: string;
  verify?: boolean;
  locked?: boolean;
  lock?: boolean;
  filesFrom?: string;
  baseImage?: string;
  image?: boolean;
  buildNetwork?: string;
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
    buildNetwork: (flags.buildNetwork ?? 'none') as BuildNetwork,
    withRun: flags.withRun,
  };
  const result = flags.verify ? await runVerifiedBuild(options, io.ctx, io.self) : await runBuild(options, io.ctx);
  return { result, text: renderBuild(result, io.ctx.cwd) };
}

// `repro build`: pack a project into a bit-for-bit reproducible bundle, optionally rebuild it
// under varied conditions (--verify) and check it against repro.lock (--locked).
import path from 'node:path';
import { runBuild, type BuildOptions, type BuildResult } from '../../builder/build.js';
import { runVerifiedBuild, type VerifiedBuildResult } from '../../builder/verify-build.js';
import { parseCodec } from '../../bundle/compress.js';
import type { BuildNetwork } from '../../docker/images.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { readFileList, refuseWithout } from '../parse.js';
import { renderBuild } from '../render/build.js';
import type { WrittenDocument } from '../../attestation/documents.js';
import { signingFrom, type SigningFlags } from '../signing.js';

export interface BuildFlags extends SigningFlags {
  attest?: boolean;
  output?: string;
  compression: string;
  verify?: boolean;
  locked?: boolean;
  lock?: boolean;
  filesFrom?: string;
  projectName?: string;
  baseImage?: string;
  image?: boolean;
  buildNetwork?: string;
  withRun?: string;
  vendor?: boolean;
  python?: string;
  recordHashes?: boolean;
  allowBuild?: boolean;
}

export async function buildCommand(dir: string | undefined, flags: BuildFlags, io: CliIo): Promise<CommandOutcome<BuildResult | VerifiedBuildResult | (VerifiedBuildResult & { attestations: WrittenDocument[] })>> {
  const options: BuildOptions = {
    dir,
    outDir: flags.output,
    compression: parseCodec(flags.compression),
    locked: flags.locked,
    noLock: flags.lock === false,
    files: flags.filesFrom ? await readFileList(flags.filesFrom === '-' ? '-' : path.resolve(io.ctx.cwd, flags.filesFrom)) : undefined,
    projectName: flags.projectName,
    baseImage: flags.baseImage,
    image: flags.image,
    buildNetwork: (flags.buildNetwork ?? 'none') as BuildNetwork,
    withRun: flags.withRun,
    ...(flags.vendor ? { vendor: true } : {}),
    ...(flags.python ? { python: path.resolve(io.ctx.cwd, flags.python) } : {}),
    ...(flags.recordHashes ? { recordHashes: true } : {}),
    ...(flags.allowBuild ? { allowBuild: true } : {}),
  };
  if (!flags.vendor) refuseWithout(flags, ['python', 'recordHashes', 'allowBuild'], '--vendor', { why: 'they are about the vendored wheels' });
  if (!flags.attest) refuseWithout(flags, ['key', 'keyless'], '--attest', { why: 'they sign the attestations' });
  if (!flags.verify) refuseWithout(flags, ['attest'], '--verify', { why: 'the reproduced-build attestation records the rebuild', hint: 'repro build --verify --attest, or `repro attest BUNDLE` for provenance and the ML-BOM alone.' });
  // Keys are read before anything is built: a bad key fails in a second, not after the build.
  const signing = flags.attest ? await signingFrom(flags, io) : null;
  if (!flags.verify) {
    const result = await runBuild(options, io.ctx);
    return { result, text: renderBuild(result, io.ctx.cwd) };
  }
  const result = await runVerifiedBuild(options, io.ctx, io.self);
  if (!signing) return { result, text: renderBuild(result, io.ctx.cwd) };
  const attestations = await attestBuild(result, signing, dir, io);
  const rel = (f: string) => path.relative(io.ctx.cwd, f) || f;
  return { result: { ...result, attestations }, text: `${renderBuild(result, io.ctx.cwd)}attestations:\n${attestations.map((d) => `  ${d.kind.padEnd(16)} ${d.form.padEnd(9)} ${rel(d.file)}`).join('\n')}\n` };
}

/** --attest: provenance, ML-BOM and the reproduced-build attestation, beside the bundle. */
async function attestBuild(result: VerifiedBuildResult, signing: NonNullable<Awaited<ReturnType<typeof signingFrom>>>, dir: string | undefined, io: CliIo): Promise<WrittenDocument[]> {
  const { attestVerifiedBuild } = await import('../../attestation/attest.js');
  const { contentDigest, fileDigest, verify } = result;
  return attestVerifiedBuild({ bundle: result.bundle, contentDigest, fileDigest, rebuild: verify.rebuild, variations: verify.variations, lock: { contentDigest: verify.lock.contentDigest, matches: verify.lock.matches }, node: result.builder.node }, path.resolve(io.ctx.cwd, dir ?? '.'), signing, io.ctx);
}

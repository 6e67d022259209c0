// `repro verify BUNDLE`: check a bundle, streaming and without extracting it.
import { resolveBundleArg } from '../bundle-arg.js';
import { verifyBundle } from '../../bundle/verify.js';
import type { CliIo, CommandOutcome } from '../io.js';
import { parseLimits, type LimitFlags } from '../parse.js';
import { renderVerify, type VerifyResult } from '../render/verify.js';

export interface VerifyFlags extends LimitFlags {
  digest?: string;
}

export async function verifyCommand(bundle: string, flags: VerifyFlags, io: CliIo): Promise<CommandOutcome<VerifyResult>> {
  const { file } = await resolveBundleArg(bundle, io.ctx);
  const { manifest, ...report } = await verifyBundle(file, {
    digest: flags.digest,
    progress: io.ctx.progress,
    limits: parseLimits(flags),
  });
  const result: VerifyResult = { ...report, sourceDateEpoch: manifest.head.sourceDateEpoch, compression: manifest.head.compression };
  return { result, text: renderVerify(result, bundle) };
}

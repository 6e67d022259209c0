// `repro pull REF [-o DIR]`: the identical bundle file from a registry, verified before it is kept.
import { pullBundle, type PullResult } from '../../registry/pull.js';
import type { CliIo, CommandOutcome } from '../io.js';

export interface PullFlags {
  output?: string;
}

export async function pullCommand(reference: string, flags: PullFlags, io: CliIo): Promise<CommandOutcome<PullResult>> {
  const result = await pullBundle({ reference, outDir: flags.output }, io.ctx);
  return {
    result,
    text: `pulled ${result.reference}${result.cached ? ' (already in the cache)' : ''}\n  bundle          ${result.bundle}\n  content digest  ${result.contentDigest}\n  file digest     ${result.fileDigest}\n`,
  };
}

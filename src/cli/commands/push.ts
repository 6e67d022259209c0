// `repro push BUNDLE REF`: the verified bundle into an OCI registry, one manifest digest per bundle.
import path from 'node:path';
import { pushBundle, type PushResult } from '../../registry/push.js';
import type { CliIo, CommandOutcome } from '../io.js';

export interface PushFlags {
  from?: string;
}

export async function pushCommand(bundle: string, reference: string, flags: PushFlags, io: CliIo): Promise<CommandOutcome<PushResult>> {
  const result = await pushBundle({ bundle: path.resolve(io.ctx.cwd, bundle), reference, from: flags.from }, io.ctx);
  const b = result.blobs;
  return {
    result,
    text: `pushed ${result.reference}\n  content digest  ${result.contentDigest}\n  file digest     ${result.fileDigest}\n  blobs           ${b.uploaded} uploaded, ${b.skipped} already there, ${b.mounted} mounted\n`,
  };
}

// `repro verify BUNDLE`: check a bundle, streaming and without extracting it.
import path from 'node:path';
import { verifyBundle, type VerifyReport } from '../../bundle/verify.js';
import { parseLimits, type LimitFlags } from '../limits.js';
import { formatBytes } from '../progress.js';
import { renderFields } from '../render.js';
import type { CliIo, CommandOutcome } from '../io.js';

export interface VerifyFlags extends LimitFlags {
  digest?: string;
}

export type VerifyResult = Omit<VerifyReport, 'manifest'> & { sourceDateEpoch: number; compression: VerifyReport['manifest']['head']['compression'] };

export async function verifyCommand(bundle: string, flags: VerifyFlags, io: CliIo): Promise<CommandOutcome<VerifyResult>> {
  const file = path.resolve(io.ctx.cwd, bundle);
  const { manifest, ...report } = await verifyBundle(file, {
    digest: flags.digest,
    progress: io.ctx.progress,
    limits: parseLimits(flags),
  });
  const result: VerifyResult = { ...report, sourceDateEpoch: manifest.head.sourceDateEpoch, compression: manifest.head.compression };
  const fields: Array<[string, string | number]> = [
    ['  project', `${report.name} ${report.version}`],
    ['  content digest', report.contentDigest],
    ['  file digest', report.fileDigest],
    ['  integrity', report.integrity],
    ['  entries', `${report.entries}, all match the manifest`],
    ['  size', `${formatBytes(report.tarSize)} tar, ${formatBytes(report.fileSize)} file (${report.codec})`],
  ];
  if (report.digestMatched) fields.push(['  digest', `matches the ${report.digestMatched}`]);
  return { result, text: `ok ${bundle}\n${renderFields(fields)}` };
}

// The text `repro verify` prints for a bundle that passed: its identity, entries and sizes.
import type { VerifyReport } from '../../bundle/verify.js';
import { formatBytes, renderFields } from './text.js';

export type VerifyResult = Omit<VerifyReport, 'manifest'> & { sourceDateEpoch: number; compression: VerifyReport['manifest']['head']['compression'] };

export function renderVerify(report: VerifyResult, bundle: string): string {
  const fields: Array<[string, string | number]> = [
    ['  project', `${report.name} ${report.version}`],
    ['  content digest', report.contentDigest],
    ['  file digest', report.fileDigest],
    ...(report.integrity !== null ? [['  integrity', report.integrity] as [string, string]] : []),
    ['  entries', `${report.entries}, all match the manifest`],
    ['  size', `${formatBytes(report.tarSize)} tar, ${formatBytes(report.fileSize)} file (${report.codec})`],
  ];
  if (report.digestMatched) fields.push(['  digest', `matches the ${report.digestMatched}`]);
  return `ok ${bundle}\n${renderFields(fields)}`;
}

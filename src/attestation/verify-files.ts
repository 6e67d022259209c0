// `repro verify BUNDLE --attestation FILE…`: the bundle read once (verified, its facts
// collected), then each attestation file, refused unread past MAX_DOCUMENT_BYTES, checked
// against it: signature, subject and facts; an unsigned one only with allowUnsigned. The first
// that fails is the error, named.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MAX_DOCUMENT_BYTES } from '../bundle/limits.js';
import type { Context } from '../core/context.js';
import { fsError, ReproError } from '../core/errors.js';
import { readBundleFacts, type BundleFacts } from './bundle-facts.js';
import { checkAttestation, type AttestationReport } from './check.js';
import { loadTrust, type Trust } from './trust.js';

export type FileReport = AttestationReport & { file: string };

/** allowUnsigned: check an unsigned statement's subject and facts too (it says nothing of who made it). */
export async function verifyAttestationFiles(bundle: string, files: readonly string[], trust: Trust & { allowUnsigned?: boolean }, verify: Parameters<typeof readBundleFacts>[1], ctx: Context): Promise<{ facts: BundleFacts; reports: FileReport[] }> {
  const loaded = await loadTrust(trust, ctx);
  const facts = await readBundleFacts(bundle, verify);
  const reports: FileReport[] = [];
  for (const a of files) {
    const at = path.resolve(ctx.cwd, a);
    const stat = await fs.stat(at).catch((err) => {
      throw fsError(err, at, 'cannot read the attestation');
    });
    if (stat.size > MAX_DOCUMENT_BYTES) throw new ReproError('E_LIMIT', `${at} is ${stat.size} bytes, more than an attestation may be (${MAX_DOCUMENT_BYTES})`, { details: { path: at, size: stat.size } });
    const bytes = await fs.readFile(at);
    try {
      const report = await checkAttestation(bytes, facts, loaded);
      if (report.signature.kind === 'none' && !trust.allowUnsigned) {
        throw new ReproError('E_INTEGRITY', `it is not signed: its facts hold for this bundle, but anyone could have written it (${report.predicateType})`, {
          hint: 'Verify the signed form (*.dsse.json with --key, *.sigstore.json), or pass --allow-unsigned to accept a statement on its facts alone.',
          details: { predicateType: report.predicateType, checked: report.checked },
        });
      }
      reports.push({ ...report, file: at });
    } catch (err) {
      if (err instanceof ReproError) throw new ReproError(err.code, `${path.basename(at)}: ${err.message}`, { hint: err.hint, details: { attestation: at, ...err.details } });
      throw err;
    }
  }
  return { facts, reports };
}

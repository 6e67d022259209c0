// `repro runs REF`: the ledger beside a bundle in a registry: the reruns attached to it, and the
// attestations (provenance, ML-BOM, reproduced-build and reproduced-run), each checked against
// the bundle as `repro verify --attestation` checks a file, its status shown.
import { listRuns, type LedgerEntry } from '../../registry/ledger.js';
import { RegistryClient } from '../../registry/client.js';
import { resolveManifest } from '../../registry/pull.js';
import { formatReference, requireReference } from '../../registry/reference.js';
import { ERROR_CODES, isReproError } from '../../core/errors.js';
import { MEDIA_TYPES } from '../../attestation/documents.js';
import type { CliIo, CommandOutcome } from '../io.js';

export interface RunsFlags {
  key?: string;
  trustedRoot?: string;
  certificateIdentity?: string;
  certificateOidcIssuer?: string;
}

export interface AttestationEntry {
  digest: string;
  kind: string | null;
  form: string | null;
  predicateType: string | null;
  /** verified: signature (when signed and a key or trusted root was given), subject and facts hold. */
  status: 'verified' | 'unsigned' | 'unchecked' | 'refused';
  detail: string;
}

export interface RunsResult {
  reference: string;
  digest: string;
  runs: LedgerEntry[];
  attestations: AttestationEntry[];
}

async function listAttestations(reference: string, digest: string, flags: RunsFlags, io: CliIo): Promise<AttestationEntry[]> {
  const { listReferrers, readReferrerLayer } = await import('../../registry/referrers.js');
  const ref = requireReference(reference);
  const found = await listReferrers(ref, digest, Object.values(MEDIA_TYPES), io.ctx);
  if (found.length === 0) return [];
  const [{ resolveBundleArg }, { readBundleFacts }, { checkAttestation }, { loadPublicKey }] = await Promise.all([import('../bundle-arg.js'), import('../../attestation/bundle-facts.js'), import('../../attestation/check.js'), import('../../attestation/keys.js')]);
  // The bundle the attestations are about, pulled by digest (verified on the way in).
  const bundle = await resolveBundleArg(`oci://${formatReference(ref, digest)}`, io.ctx);
  const facts = await readBundleFacts(bundle.file);
  const publicKey = flags.key ? await loadPublicKey(flags.key, io.ctx.cwd, io.ctx.env) : undefined;
  const out: AttestationEntry[] = [];
  for (const r of found.sort((a, b) => (a.digest < b.digest ? -1 : 1))) {
    const kind = r.annotations['io.repro.attestation.kind'] ?? null;
    const form = r.annotations['io.repro.attestation.form'] ?? null;
    const base = { digest: r.digest, kind, form };
    try {
      const { bytes } = await readReferrerLayer(ref, r.digest, io.ctx);
      const canCheckSignature = form === 'dsse' ? Boolean(publicKey) : true;
      if (!canCheckSignature) {
        out.push({ ...base, predicateType: null, status: 'unchecked', detail: 'signed with a key: pass --key PUB.pem to check it' });
        continue;
      }
      const report = await checkAttestation(bytes, facts, { publicKey: form === 'dsse' ? publicKey : undefined, trustedRoot: flags.trustedRoot, identity: flags.certificateIdentity, issuer: flags.certificateOidcIssuer, cwd: io.ctx.cwd });
      const signer = report.signature.kind === 'key' ? `key ${report.signature.keyid.slice(0, 16)}…` : report.signature.kind === 'sigstore' ? `${report.signature.identity ?? '?'} via Sigstore` : null;
      out.push({ ...base, predicateType: report.predicateType, status: signer ? 'verified' : 'unsigned', detail: `${signer ? `signed by ${signer}; ` : ''}${report.checked}` });
    } catch (err) {
      if (!isReproError(err) || err.exitCode === ERROR_CODES.E_INTERNAL) throw err;
      out.push({ ...base, predicateType: null, status: err.code === 'E_ENV' || err.code === 'E_USAGE' ? 'unchecked' : 'refused', detail: err.message });
    }
  }
  return out;
}

export async function runsCommand(reference: string, flags: RunsFlags, io: CliIo): Promise<CommandOutcome<RunsResult>> {
  const ref = requireReference(reference);
  const manifest = await resolveManifest(new RegistryClient(ref, io.ctx.env, 'pull'));
  const runs = await listRuns(ref, manifest.digest, io.ctx);
  const attestations = await listAttestations(reference, manifest.digest, flags, io);
  const verdict = (r: LedgerEntry) => (r.reproduced === null ? 'no reference' : r.reproduced ? 'reproduced' : 'DIFFERENT');
  const lines = runs.map((r) => `  ${r.runId}  ${r.endedAt ?? '?'}  ${r.backend ?? '?'}  exit ${r.exitCode ?? '?'}  ${verdict(r)}  machine ${(r.machine ?? '?').slice(0, 19)}`);
  const attLines = attestations.map((a) => `  ${(a.kind ?? '?').padEnd(16)} ${(a.form ?? '?').padEnd(9)} ${a.status.toUpperCase().padEnd(9)} ${a.detail}`);
  const shown = formatReference(ref, manifest.digest);
  const text = `${runs.length} run${runs.length === 1 ? '' : 's'} of ${shown}\n${lines.join('\n')}${lines.length ? '\n' : ''}` + (attestations.length ? `${attestations.length} attestation${attestations.length === 1 ? '' : 's'}\n${attLines.join('\n')}\n` : '');
  // A refused attestation is evidence that something is wrong: exit 4, after listing everything.
  return { result: { reference: shown, digest: manifest.digest, runs, attestations }, text, exitCode: attestations.some((a) => a.status === 'refused') ? ERROR_CODES.E_INTEGRITY : 0 };
}

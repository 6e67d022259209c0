// `repro verify BUNDLE --attestation FILE`: an attestation is hostile input until it checks
// out. Three things are checked, in order, and the first that fails is exit 4 naming what
// differs: the signature (a DSSE envelope with --key, or a Sigstore bundle against a trusted
// root), the subject (one of its subjects is this bundle file, by sha256), and the predicate's
// facts against the bundle (provenance and ML-BOM are made again from the bundle and must be
// equal, field by field; the reproduced predicates must name this bundle and agree with the
// reference run it carries).
import { ReproError } from '../core/errors.js';
import type { BundleFacts } from './bundle-facts.js';
import { isEnvelope, verifyEnvelope, type DsseEnvelope } from './dsse.js';
import type { loadPublicKey } from './keys.js';
import { provenance } from './provenance.js';
import type { ReproducedBuildPredicate, ReproducedRunPredicate } from './reproduced.js';
import { mlBom } from './sbom.js';
import { isSigstoreBundle, verifySigstoreBundle } from './sigstore.js';
import { CYCLONEDX_PREDICATE, IN_TOTO_PAYLOAD_TYPE, REPRODUCED_BUILD, REPRODUCED_RUN, SLSA_PROVENANCE, STATEMENT_TYPE, type Statement } from './statement.js';
import { hexOf } from '../core/digest.js';
import type { Difference } from '../core/difference.js';
import { comparisonKey, literalOutputs, specFor } from '../project/output-match.js';
import { comparability } from '../run-record/comparable.js';

export type SignatureCheck = { kind: 'none' } | { kind: 'key'; keyid: string } | { kind: 'sigstore'; identity: string | null; issuer: string | null };

export interface AttestationReport {
  form: 'statement' | 'cyclonedx' | 'dsse' | 'sigstore';
  predicateType: string;
  signature: SignatureCheck;
  subject: string;
  /** What was compared with the bundle, in a line. */
  checked: string;
}

export interface CheckOptions {
  publicKey?: Awaited<ReturnType<typeof loadPublicKey>>;
  trustedRoot?: string;
  identity?: string;
  issuer?: string;
  cwd: string;
}

/** A fact of the attestation that is not the bundle's: core/difference.ts's shape, where = the predicate. */
export type FactDifference = Difference;
const fact = (field: string, expected: unknown, actual: unknown): FactDifference => ({ entry: 'predicate', field, expected, actual });

const refuse = (message: string, details: Record<string, unknown>, hint?: string) =>
  new ReproError('E_INTEGRITY', message, { hint: hint ?? 'Do not trust this attestation for this bundle: make it again with `repro attest`, or check you have the bundle it was made for.', details });

/** Where two JSON values differ, as $.a.b[2] paths with both values (at most `limit`). */
export function jsonDifferences(expected: unknown, actual: unknown, at = '$', out: FactDifference[] = [], limit = 20): FactDifference[] {
  if (out.length >= limit) return out;
  if (expected === actual) return out;
  const isObj = (v: unknown) => v !== null && typeof v === 'object';
  if (Array.isArray(expected) && Array.isArray(actual)) {
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) jsonDifferences(expected[i], actual[i], `${at}[${i}]`, out, limit);
    return out;
  }
  if (isObj(expected) && isObj(actual) && !Array.isArray(expected) && !Array.isArray(actual)) {
    const keys = [...new Set([...Object.keys(expected as object), ...Object.keys(actual as object)])].sort();
    for (const k of keys) jsonDifferences((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], `${at}.${k}`, out, limit);
    return out;
  }
  out.push(fact(at, expected ?? null, actual ?? null));
  return out;
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw refuse(`${what} is not JSON`, {});
  }
}

function asStatement(doc: unknown, what: string): Statement {
  const s = doc as Partial<Statement> | null;
  if (!s || typeof s !== 'object' || s._type !== STATEMENT_TYPE) throw refuse(`${what} is not an in-toto Statement v1 (_type ${JSON.stringify(s?._type ?? null)})`, { _type: s?._type ?? null });
  if (!Array.isArray(s.subject) || s.subject.length === 0) throw refuse(`${what} names no subject`, {});
  if (typeof s.predicateType !== 'string') throw refuse(`${what} has no predicateType`, {});
  return s as Statement;
}

function checkSubject(s: Statement, facts: BundleFacts): string {
  const want = hexOf(facts.report.fileDigest);
  const hit = s.subject.find((x) => x && typeof x === 'object' && x.digest && typeof x.digest === 'object' && x.digest.sha256 === want);
  if (!hit) {
    throw refuse(`the attestation is not about this bundle: no subject has its sha256 ${want}`, { expected: want, subjects: s.subject.map((x) => ({ name: x?.name ?? null, sha256: x?.digest?.sha256 ?? null })) }, 'The attestation was made for another bundle file (another build, or a changed one).');
  }
  return `${hit.name} (sha256:${want})`;
}

function factsDiffer(what: string, differences: FactDifference[]): ReproError {
  const first = differences[0]!;
  return refuse(`the ${what} does not match the bundle: ${differences.length}${differences.length >= 20 ? '+' : ''} ${differences.length === 1 ? 'field differs' : 'fields differ'}, first ${first.field}`, { differences });
}

function checkFacts(s: Statement, facts: BundleFacts): string {
  switch (s.predicateType) {
    case SLSA_PROVENANCE: {
      const d = jsonDifferences(provenance(facts).predicate, s.predicate);
      if (d.length) throw factsDiffer('provenance', d);
      return 'provenance made again from the bundle: identical';
    }
    case CYCLONEDX_PREDICATE: {
      const d = jsonDifferences(mlBom(facts), s.predicate);
      if (d.length) throw factsDiffer('ML-BOM', d);
      return 'ML-BOM made again from the bundle: identical';
    }
    case REPRODUCED_BUILD: {
      const p = s.predicate as Partial<ReproducedBuildPredicate>;
      const d: FactDifference[] = [];
      if (p.bundle?.contentDigest !== facts.report.contentDigest) d.push(fact('$.bundle.contentDigest', facts.report.contentDigest, p.bundle?.contentDigest ?? null));
      if (p.bundle?.fileDigest !== facts.report.fileDigest) d.push(fact('$.bundle.fileDigest', facts.report.fileDigest, p.bundle?.fileDigest ?? null));
      const same = p.rebuild?.contentDigest === p.bundle?.contentDigest && p.rebuild?.fileDigest === p.bundle?.fileDigest;
      if (p.reproducible !== same) d.push(fact('$.reproducible', same, p.reproducible ?? null));
      if (d.length) throw factsDiffer('reproduced-build attestation', d);
      return `rebuilt to the same digests under ${Array.isArray(p.variations) ? p.variations.length : 0} variations`;
    }
    case REPRODUCED_RUN: {
      const p = s.predicate as Partial<ReproducedRunPredicate>;
      const d: FactDifference[] = [];
      if (p.bundle?.contentDigest !== facts.report.contentDigest) d.push(fact('$.bundle.contentDigest', facts.report.contentDigest, p.bundle?.contentDigest ?? null));
      const reference = new Map((facts.referenceRun?.outputs ?? []).map((o) => [comparisonKey(o.path), o.sha256]));
      if (!facts.referenceRun) d.push(fact('$.outputs', 'a bundle with a reference run', 'this bundle carries none'));
      const outputs = (Array.isArray(p.outputs) ? p.outputs : []).filter((o): o is NonNullable<typeof o> => o !== null && typeof o === 'object');
      // The statement covers at least the reference's outputs and the manifest's declared literal ones.
      const declared = facts.head.project?.outputs ?? [];
      const owed = new Set([...reference.keys(), ...literalOutputs(declared).map((o) => comparisonKey(o.path))]);
      const given = new Set(outputs.map((o) => comparisonKey(String(o.path))));
      const left = [...owed].filter((x) => !given.has(x)).sort();
      if (left.length) d.push(fact('$.outputs', `every output of the reference and the manifest (${left.join(', ')} too)`, `${outputs.length} listed`));
      outputs.forEach((o, i) => {
        const key = comparisonKey(String(o.path));
        if (!owed.has(key) && o.verdict !== 'extra') d.push(fact(`$.outputs[${i}].path`, 'an output of the reference run or the manifest', o.path));
        if (owed.has(key) && o.verdict === 'extra') d.push(fact(`$.outputs[${i}].verdict`, 'an output the reference has, so not extra', 'extra'));
        if (reference.has(key) && reference.get(key) !== o.expected) d.push(fact(`$.outputs[${i}].expected`, reference.get(key), o.expected));
        if (o.verdict === 'identical' && o.expected !== o.actual) d.push(fact(`$.outputs[${i}].verdict`, 'different (the digests differ)', 'identical'));
        // Equivalent is a claim about bytes the statement does not carry: only where the manifest asks for it.
        if (o.verdict === 'equivalent' && !specFor(String(o.path), declared)?.normalize) d.push(fact(`$.outputs[${i}].verdict`, 'different (the manifest declares no normaliser for it)', 'equivalent'));
        if (o.verdict === 'within-tolerance' && o.expected !== o.actual) {
          // Recomputed from what it states: the difference it saw, against the bundle's own tolerance.
          const tolerance = specFor(String(o.path), declared)?.tolerance;
          const seen = o.maxDifference?.value;
          if (tolerance === undefined) d.push(fact(`$.outputs[${i}].verdict`, 'different (the manifest declares no tolerance for it)', 'within-tolerance'));
          else if (typeof seen !== 'number' || !Number.isFinite(seen)) d.push(fact(`$.outputs[${i}].maxDifference`, `the largest difference seen (tolerance ${tolerance})`, o.maxDifference ?? null));
          else if (seen > tolerance) d.push(fact(`$.outputs[${i}].verdict`, `different (|Δ| ${seen} > tolerance ${tolerance})`, 'within-tolerance'));
        }
      });
      // Comparable: recomputed from the run it names against the bundle's reference and manifest.
      const ref = facts.referenceRun;
      const run = p.run;
      const eps = facts.head.project?.entryPoints ?? {};
      // All of it from documents someone else wrote: shapes are checked, never assumed.
      const declaredParams = run && typeof eps === 'object' && Object.prototype.hasOwnProperty.call(eps, String(run.entryPoint)) ? eps[String(run.entryPoint)]?.parameters : [];
      const params = Array.isArray(declaredParams) ? declaredParams : [];
      const runParams = run?.parameters && typeof run.parameters === 'object' && !Array.isArray(run.parameters) ? run.parameters : {};
      const comparable = Boolean(ref && run && ref.exitCode === 0 && comparability(ref, { entry: String(run.entryPoint), parameters: runParams }, params).comparable && outputs.length > 0);
      if (!comparable && p.status !== undefined && p.status !== 'not-comparable') d.push(fact('$.status', 'not-comparable (another entry point or parameter than the reference run, or nothing to compare)', p.status));
      const all = comparable && outputs.every((o) => o.verdict === 'identical' || o.verdict === 'equivalent' || o.verdict === 'within-tolerance');
      if (p.reproduced !== all) d.push(fact('$.reproduced', all, p.reproduced ?? null));
      if (d.length) throw factsDiffer('reproduced-run attestation', d);
      return `rerun ${p.run?.runId ?? '?'}: ${p.reproduced ? 'reproduced' : 'NOT reproduced'} (${outputs.length} output${outputs.length === 1 ? '' : 's'} against the reference run)`;
    }
    default:
      throw refuse(`unknown predicate type ${JSON.stringify(s.predicateType)}`, { predicateType: s.predicateType }, 'repro checks SLSA provenance v1, CycloneDX, and its reproduced-build and reproduced-run predicates.');
  }
}

/** The statement inside a DSSE envelope, once its signature verifies. */
function openEnvelope(e: DsseEnvelope, options: CheckOptions): { statement: unknown; signature: SignatureCheck } {
  if (e.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw refuse(`the envelope's payloadType is ${JSON.stringify(e.payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`, { payloadType: e.payloadType });
  if (!options.publicKey) {
    throw new ReproError('E_USAGE', `the attestation is a DSSE envelope signed by key ${e.signatures.map((s) => s.keyid ?? '?').join(', ')}: pass its public key with --key PUB.pem`, { hint: 'A signature is only worth checking against a key you trust; repro never takes the key from the envelope.', details: { keyids: e.signatures.map((s) => s.keyid ?? null) } });
  }
  const ok = verifyEnvelope(e, options.publicKey);
  if (!ok) throw refuse(`the signature does not verify with key ${options.publicKey.keyid}`, { keyid: options.publicKey.keyid, signatures: e.signatures.map((s) => s.keyid ?? null) }, 'The envelope was changed after signing, or another key signed it.');
  return { statement: parseJson(Buffer.from(e.payload, 'base64'), 'the envelope\'s payload'), signature: { kind: 'key', keyid: options.publicKey.keyid } };
}

export async function checkAttestation(bytes: Buffer, facts: BundleFacts, options: CheckOptions): Promise<AttestationReport> {
  const doc = parseJson(bytes, 'the attestation');
  if (doc && typeof doc === 'object' && (doc as { bomFormat?: unknown }).bomFormat === 'CycloneDX') {
    if (options.publicKey) throw refuse('the ML-BOM is not signed: --key expects a signed attestation', {}, 'Verify the signed in-toto form (.cdx.dsse.json), or drop --key.');
    const d = jsonDifferences(mlBom(facts), doc);
    if (d.length) throw factsDiffer('ML-BOM', d);
    const serial = (doc as { metadata?: { component?: { hashes?: Array<{ content?: string }> } } }).metadata?.component?.hashes?.[0]?.content;
    return { form: 'cyclonedx', predicateType: 'CycloneDX 1.6', signature: { kind: 'none' }, subject: `${facts.fileName} (sha256:${serial})`, checked: 'ML-BOM made again from the bundle: identical' };
  }
  let form: AttestationReport['form'];
  let signature: SignatureCheck;
  let statementDoc: unknown;
  if (isSigstoreBundle(doc)) {
    const v = await verifySigstoreBundle(doc, options);
    if (v.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw refuse(`the signed payload is ${JSON.stringify(v.payloadType)}, not an in-toto statement`, { payloadType: v.payloadType });
    form = 'sigstore';
    signature = { kind: 'sigstore', identity: v.identity, issuer: v.issuer };
    statementDoc = parseJson(v.payload, 'the signed payload');
  } else if (isEnvelope(doc)) {
    form = 'dsse';
    ({ statement: statementDoc, signature } = openEnvelope(doc, options));
  } else {
    if (options.publicKey) throw refuse('the attestation is not signed: --key expects a DSSE envelope', {}, 'Verify the signed form (.dsse.json), or drop --key.');
    form = 'statement';
    signature = { kind: 'none' };
    statementDoc = doc;
  }
  const s = asStatement(statementDoc, 'the attestation');
  const subject = checkSubject(s, facts);
  const checked = checkFacts(s, facts);
  return { form, predicateType: s.predicateType, signature, subject, checked };
}

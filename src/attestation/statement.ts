// The in-toto Statement v1 every repro attestation is: a subject (the bundle file, by name and
// sha256) and a typed predicate. Statements are canonical JSON, so equal facts give equal
// bytes; the type URIs are defined in docs/ATTESTATIONS.md.
import { canonicalJson } from '../core/canonical-json.js';
import type { BundleFacts } from './bundle-facts.js';
import { hexOf } from '../core/digest.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE = 'https://slsa.dev/provenance/v1';
export const CYCLONEDX_PREDICATE = 'https://cyclonedx.org/bom';
/** repro's build type for SLSA provenance (docs/ATTESTATIONS.md#build-type). */
export const REPRO_BUILD_TYPE = 'https://repro.dev/attestation/build/v1';
/** repro's builder id: the repro CLI, whose version the build records. */
export const REPRO_BUILDER_ID = 'https://repro.dev/attestation/builder/repro-cli/v1';
/** A second build under varied conditions gave the same bytes (build --verify --attest). */
export const REPRODUCED_BUILD = 'https://repro.dev/attestation/reproduced-build/v1';
/** A rerun's outputs were compared with the bundle's reference run (exec --expect-reproduced --attest). */
export const REPRODUCED_RUN = 'https://repro.dev/attestation/reproduced-run/v1';

/** The media type DSSE envelopes carry for an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface Subject {
  name: string;
  digest: Record<string, string>;
}

export interface Statement<P = unknown> {
  _type: typeof STATEMENT_TYPE;
  subject: Subject[];
  predicateType: string;
  predicate: P;
}

/** The bundle file as a statement's subject: its canonical file name and file sha256. */
export function bundleSubject(facts: Pick<BundleFacts, 'fileName' | 'report'>): Subject {
  return { name: facts.fileName, digest: { sha256: hexOf(facts.report.fileDigest) } };
}

export function statement<P>(subject: Subject, predicateType: string, predicate: P): Statement<P> {
  return { _type: STATEMENT_TYPE, subject: [subject], predicateType, predicate };
}

/** The statement's bytes: canonical JSON, the same for the same facts on any machine. */
export function statementBytes(s: Statement): Buffer {
  return Buffer.from(canonicalJson(s));
}

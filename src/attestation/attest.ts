// The attestation use case: `repro attest BUNDLE` (the bundle's SLSA provenance and CycloneDX
// ML-BOM, made from the bundle alone and written beside it or in --output), `build --verify
// --attest` (those and the reproduced-build attestation) and `exec --expect-reproduced --attest`
// (the reproduced-run attestation), each signed when a key or Sigstore is given. The plans make
// and sign every document in memory; writeDocuments then writes them.
import path from 'node:path';
import { bundleBaseName, bundleFileName } from '../bundle/layout.js';
import { readBundleFacts, type BundleFacts } from './bundle-facts.js';
import { signedForms, MEDIA_TYPES, type PlannedDocument, type Signing } from './documents.js';
import { provenance } from './provenance.js';
import { bomBytes, mlBom } from './sbom.js';
import { bundleSubject, CYCLONEDX_PREDICATE, statement, statementBytes } from './statement.js';
import { reproducedBuild, reproducedRun, type BuildEvidence, type RunDeterminism } from './reproduced.js';
import type { RunRecord } from '../run-record/record.js';
import { sha256File } from '../core/digest.js';
import { sniffCodec } from '../bundle/compress.js';
import { readRange } from '../bundle/open.js';
import { readBundleManifest } from '../bundle/read-manifest-only.js';
import type { Context } from '../core/context.js';
import { reproVersion } from '../core/runtime.js';
import { describeThisMachine } from '../snapshot/this-machine.js';
import { writeDocuments, type WrittenDocument } from './documents.js';

export interface AttestPlan {
  facts: BundleFacts;
  dir: string;
  documents: PlannedDocument[];
}

export async function planAttest(bundle: string, outDir: string | undefined, signing: Signing): Promise<AttestPlan> {
  const facts = await readBundleFacts(bundle);
  const base = bundleBaseName(facts.head);
  const prov = statementBytes(provenance(facts));
  const bom = mlBom(facts);
  const documents: PlannedDocument[] = [
    { kind: 'provenance', form: 'statement', name: `${base}.provenance.json`, bytes: prov, mediaType: MEDIA_TYPES.statement },
    { kind: 'sbom', form: 'cyclonedx', name: `${base}.cdx.json`, bytes: bomBytes(bom), mediaType: MEDIA_TYPES.cyclonedx },
    ...(await signedForms('provenance', `${base}.provenance`, prov, signing)),
    // The BOM is signed as an in-toto statement about the bundle whose predicate is the BOM.
    ...(await signedForms('sbom', `${base}.cdx`, statementBytes(statement(bundleSubject(facts), CYCLONEDX_PREDICATE, bom)), signing)),
  ];
  return { facts, dir: outDir ?? path.dirname(bundle), documents };
}

/** build --verify --attest: provenance, ML-BOM and the reproduced-build attestation. */
export async function planBuildAttest(bundle: string, evidence: Omit<BuildEvidence, 'fileName' | 'name' | 'version'>, signing: Signing, env: Readonly<Record<string, string | undefined>>): Promise<AttestPlan> {
  const plan = await planAttest(bundle, undefined, signing);
  const { facts } = plan;
  if (facts.report.fileDigest !== evidence.fileDigest) throw new TypeError(`the bundle at ${bundle} is not the one built (${facts.report.fileDigest} vs ${evidence.fileDigest})`);
  const base = bundleBaseName(facts.head);
  const bytes = statementBytes(reproducedBuild({ ...evidence, name: facts.head.name, version: facts.head.version, fileName: facts.fileName }, env));
  plan.documents.push({ kind: 'reproduced-build', form: 'statement', name: `${base}.reproduced-build.json`, bytes, mediaType: MEDIA_TYPES.statement }, ...(await signedForms('reproduced-build', `${base}.reproduced-build`, bytes, signing)));
  return plan;
}

/** exec --expect-reproduced --attest: the reproduced-run attestation, for the run directory. */
export async function planRunAttest(record: RunRecord, bundle: { fileName: string; fileDigest: string }, signing: Signing, env: Readonly<Record<string, string | undefined>>, determinism?: RunDeterminism): Promise<PlannedDocument[]> {
  const bytes = statementBytes(reproducedRun(record, bundle, env, determinism));
  return [{ kind: 'reproduced-run', form: 'statement', name: 'reproduced-run.json', bytes, mediaType: MEDIA_TYPES.statement }, ...(await signedForms('reproduced-run', 'reproduced-run', bytes, signing))];
}

/** What `build --verify` proved, as the reproduced-build attestation records it. */
export type VerifiedBuild = Pick<BuildEvidence, 'contentDigest' | 'fileDigest' | 'rebuild' | 'variations' | 'lock'> & { bundle: string; node: string };

/** build --verify --attest: the documents, beside the bundle; the builder described as exec's drift check describes a machine. */
export async function attestVerifiedBuild(build: VerifiedBuild, projectDir: string, signing: Signing, ctx: Context): Promise<WrittenDocument[]> {
  // Captured, not written: the builder's snapshot digest goes into the attestation.
  const { snapshot } = await describeThisMachine({ view: 'host', dir: projectDir }, ctx);
  const { bundle, node, ...proved } = build;
  const plan = await planBuildAttest(bundle, { ...proved, builderSnapshotDigest: snapshot.snapshotDigest, builder: { repro: reproVersion(), node } }, signing, ctx.env);
  return writeDocuments(plan.dir, plan.documents);
}

/** exec --expect-reproduced --attest: the reproduced-run attestation, into the run directory. */
export async function attestRerun(record: RunRecord & { runDir: string }, bundleFile: string, signing: Signing, ctx: Context, determinism?: RunDeterminism): Promise<WrittenDocument[]> {
  // The subject is the bundle file: its canonical name and the sha256 of its bytes (exec may
  // have reused a verified extraction, which knows the content digest, not the file's).
  const manifest = await readBundleManifest(bundleFile);
  const codec = sniffCodec(await readRange(bundleFile, 0, 512));
  const fileName = bundleFileName({ name: manifest.head.name, version: manifest.head.version, codec });
  const docs = await planRunAttest(record, { fileName, fileDigest: await sha256File(bundleFile) }, signing, ctx.env, determinism);
  return writeDocuments(record.runDir, docs);
}

// SLSA provenance v1 for a bundle: how it was built (repro's build type), from what source
// (repository without credentials, commit, dirty flag, diff digest) and from what resolved
// dependencies (every locked package by purl and digest, each lockfile, the base image by
// digest, the snapshot). Every value comes from the bundle, and the only time in it is the
// bundle's SOURCE_DATE_EPOCH, so the document is byte-identical wherever it is made.
import { stripCredentials } from '../secrets/rules.js';
import type { BundleFacts } from './bundle-facts.js';
import { digestsOf, ecosystemOf, purlOf } from './package-ids.js';
import { epochTime } from '../core/time.js';
import { bundleSubject, REPRO_BUILD_TYPE, REPRO_BUILDER_ID, SLSA_PROVENANCE, statement, type Statement } from './statement.js';
import { compareUtf8 } from '../core/utf8-order.js';
import { PINNED_IMAGE, hexOf } from '../core/digest.js';

export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  annotations?: Record<string, unknown>;
}

export interface SlsaProvenance {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown>;
    internalParameters: Record<string, unknown>;
    resolvedDependencies: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string; version: Record<string, string> };
    metadata: { invocationId: string; startedOn: string; finishedOn: string };
    byproducts: ResourceDescriptor[];
  };
}

/** The remote a source came from: origin, else the first by name; credentials cut. */
function sourceRepository(remotes: Record<string, string>): string | null {
  const names = Object.keys(remotes).sort(compareUtf8);
  const name = names.includes('origin') ? 'origin' : names[0];
  return name === undefined ? null : stripCredentials(remotes[name]!);
}

/** The base image as a resource: docker://NAME@sha256:..., with the digest when it is pinned. */
function imageDescriptor(image: string): ResourceDescriptor {
  const pinned = PINNED_IMAGE.exec(image);
  return pinned ? { name: 'base image', uri: `docker://${image}`, digest: { sha256: pinned[1]! } } : { name: 'base image', uri: `docker://${image}`, annotations: { pinned: false } };
}

export function resolvedDependencies(facts: BundleFacts): ResourceDescriptor[] {
  const out: ResourceDescriptor[] = [];
  if (facts.snapshot) out.push({ name: 'repro.snapshot.json identity', uri: 'repro:snapshot', digest: { sha256: hexOf(facts.snapshot.snapshotDigest) } });
  if (facts.baseImage) out.push(imageDescriptor(facts.baseImage));
  for (const lock of facts.lockfiles) {
    out.push({ name: lock.path, digest: { sha256: hexOf(lock.sha256) }, annotations: { format: lock.format, packages: lock.packageCount } });
    for (const p of lock.packages) {
      const d: ResourceDescriptor = { name: p.name };
      const purl = purlOf(ecosystemOf(lock.format, p), p.name, p.version);
      if (purl) d.uri = purl;
      const digests = digestsOf(p.hashes);
      if (digests.length > 0) {
        // A DigestSet holds one digest per algorithm: the first of each; every one is annotated.
        d.digest = {};
        for (const g of digests) d.digest[g.alg] ??= g.hex;
        if (digests.length > Object.keys(d.digest).length) d.annotations = { hashes: digests.map((g) => `${g.alg}:${g.hex}`) };
      }
      if (p.source) (d.annotations ??= {}).source = stripCredentials(p.source);
      if (p.platform) (d.annotations ??= {}).platform = p.platform;
      (d.annotations ??= {}).lockfile = lock.path;
      if (d.uri || d.digest) out.push(d);
    }
  }
  return out;
}

export function provenance(facts: BundleFacts): Statement<SlsaProvenance> {
  const git = facts.snapshot?.identity.git ?? null;
  const time = epochTime(facts.head.sourceDateEpoch);
  const project = facts.head.project;
  const predicate: SlsaProvenance = {
    buildDefinition: {
      buildType: REPRO_BUILD_TYPE,
      externalParameters: {
        source: git ? { repository: sourceRepository(git.remotes), commit: git.commit, dirty: git.dirty, diffSha256: git.diffSha256 } : null,
        project: { name: facts.head.name, version: facts.head.version, entryPoints: project ? Object.keys(project.entryPoints ?? {}).sort(compareUtf8) : [] },
        sourceDateEpoch: facts.head.sourceDateEpoch,
      },
      internalParameters: { repro: facts.head.tooling.repro, tar: facts.head.tooling.tar, compression: facts.head.compression },
      resolvedDependencies: resolvedDependencies(facts),
    },
    runDetails: {
      builder: { id: REPRO_BUILDER_ID, version: { repro: facts.head.tooling.repro } },
      metadata: { invocationId: facts.report.contentDigest, startedOn: time, finishedOn: time },
      byproducts: [
        { name: 'repro.bundle.json', digest: { sha256: hexOf(facts.manifestDigest) } },
        { name: 'content', digest: { sha256: hexOf(facts.report.contentDigest) }, annotations: { note: 'sha256 of the uncompressed canonical tar' } },
      ],
    },
  };
  return statement(bundleSubject(facts), SLSA_PROVENANCE, predicate);
}

// SLSA provenance v1 from a bundle's facts: the spec's field rules, what it resolves, no
// credentials, no time but SOURCE_DATE_EPOCH's, the same bytes for the same facts.
import { describe, expect, it } from 'vitest';
import { provenance } from '../../../src/attestation/provenance.js';
import { statementBytes } from '../../../src/attestation/statement.js';
import { craftFacts, slsaRules } from '../../helpers/attestation.js';

describe('provenance', () => {
  const facts = craftFacts();
  const s = provenance(facts);

  it('follows the in-toto Statement v1 and SLSA provenance v1 field rules', () => {
    expect(slsaRules(s)).toEqual([]);
    expect(s.subject).toEqual([{ name: 'demo-1.0.0.repro.tar.zst', digest: { sha256: 'f'.repeat(64) } }]);
  });

  it('states the source without credentials: repository, commit, dirty flag and diff digest', () => {
    expect(s.predicate.buildDefinition.externalParameters.source).toEqual({ repository: 'https://github.com/acme/demo.git', commit: 'e'.repeat(40), dirty: true, diffSha256: `sha256:${'d'.repeat(64)}` });
    expect(statementBytes(s).toString()).not.toMatch(/ghp_|s3cret|ci-bot/);
  });

  it('resolves every locked package by purl and digest, each lockfile, the base image and the snapshot', () => {
    const deps = s.predicate.buildDefinition.resolvedDependencies;
    expect(deps.find((d) => d.uri === 'repro:snapshot')?.digest).toEqual({ sha256: '5'.repeat(64) });
    expect(deps.find((d) => d.name === 'base image')).toEqual({ name: 'base image', uri: `docker://nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04@sha256:${'b'.repeat(64)}`, digest: { sha256: 'b'.repeat(64) } });
    expect(deps.find((d) => d.name === 'requirements.txt')?.digest).toEqual({ sha256: '1'.repeat(64) });
    const torch = deps.find((d) => d.uri === 'pkg:pypi/torch@2.3.1')!;
    expect(torch.digest).toEqual({ sha256: '2'.repeat(64) });
    expect(torch.annotations).toMatchObject({ hashes: [`sha256:${'2'.repeat(64)}`, `sha256:${'3'.repeat(64)}`], source: 'https://pypi.example/simple', lockfile: 'requirements.txt' });
    expect(deps.find((d) => d.uri === 'pkg:pypi/numpy@1.26.4')?.annotations?.platform).toBe('python_version >= "3.9"');
    expect(deps.find((d) => d.uri === 'pkg:npm/%40types/node@22.0.0')?.digest).toEqual({ sha512: '07'.repeat(64) });
    // A local folder with no version has a purl without one.
    expect(deps.find((d) => d.name === 'local-pkg')?.uri).toBe('pkg:npm/local-pkg');
  });

  it('has no time but the bundle\'s SOURCE_DATE_EPOCH, and the same bytes for the same facts', () => {
    expect(s.predicate.runDetails.metadata).toMatchObject({ startedOn: '2023-11-14T22:13:20Z', finishedOn: '2023-11-14T22:13:20Z' });
    expect(statementBytes(provenance(craftFacts())).equals(statementBytes(s))).toBe(true);
    expect(statementBytes(s).toString()).not.toMatch(/"20(2[4-9])-/); // no capture or wall-clock time
  });

  it('says so when there is no snapshot: source null, and the dependencies are the locks the bundle carries', () => {
    const bare = { ...craftFacts(), snapshot: null, baseImage: null };
    const p = provenance(bare);
    expect(slsaRules(p)).toEqual([]);
    expect(p.predicate.buildDefinition.externalParameters.source).toBeNull();
    // bug: a bundle without a snapshot had `resolvedDependencies: []` though it carried its locks.
    expect(p.predicate.buildDefinition.resolvedDependencies.map((d) => d.name)).toEqual(['requirements.txt', 'torch', 'NumPy', 'web/package-lock.json', '@types/node', 'local-pkg']);
    expect(provenance({ ...bare, lockfiles: [] }).predicate.buildDefinition.resolvedDependencies).toEqual([]);
  });
});

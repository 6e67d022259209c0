// What the attestation tests share: the in-toto Statement v1 and SLSA provenance v1 field rules
// (as their specs state them) checked by one function, CycloneDX's own JSON-schema validator,
// and a crafted BundleFacts with everything a snapshot can record (GPU, CUDA, cuDNN, frameworks,
// data, npm and Python locks, a reference run with a model).
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import type { BundleFacts } from '../../src/attestation/bundle-facts.js';

const HEX: Record<string, number> = { sha256: 64, sha512: 128, sha384: 96, sha1: 40, md5: 32 };
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const URI = /^[a-z][a-z0-9+.-]*:/i;

function digestSetRules(at: string, d: unknown, out: string[]): void {
  if (!d || typeof d !== 'object' || Array.isArray(d) || Object.keys(d).length === 0) {
    out.push(`${at}: a DigestSet is a non-empty object`);
    return;
  }
  for (const [alg, hex] of Object.entries(d)) {
    if (typeof hex !== 'string' || !/^[0-9a-f]+$/.test(hex)) out.push(`${at}.${alg}: lower-case hex`);
    else if (HEX[alg] !== undefined && hex.length !== HEX[alg]) out.push(`${at}.${alg}: ${hex.length} hex digits, not ${HEX[alg]}`);
  }
}

/** in-toto Statement v1 (github.com/in-toto/attestation spec/v1/statement.md): the violations. */
export function statementRules(s: any): string[] {
  const out: string[] = [];
  if (s?._type !== 'https://in-toto.io/Statement/v1') out.push('_type must be https://in-toto.io/Statement/v1');
  if (!Array.isArray(s?.subject) || s.subject.length === 0) out.push('subject: a non-empty list');
  for (const [i, x] of (s?.subject ?? []).entries()) {
    if (typeof x?.name !== 'string') out.push(`subject[${i}].name: a string`);
    digestSetRules(`subject[${i}].digest`, x?.digest, out);
  }
  if (typeof s?.predicateType !== 'string' || !URI.test(s.predicateType)) out.push('predicateType: a TypeURI');
  if (!s?.predicate || typeof s.predicate !== 'object') out.push('predicate: an object');
  return out;
}

/** SLSA provenance v1 (slsa.dev/spec/v1.0/provenance): the violations, statement rules included. */
export function slsaRules(s: any): string[] {
  const out = statementRules(s);
  if (s?.predicateType !== 'https://slsa.dev/provenance/v1') out.push('predicateType: https://slsa.dev/provenance/v1');
  const bd = s?.predicate?.buildDefinition;
  const rd = s?.predicate?.runDetails;
  if (typeof bd?.buildType !== 'string' || !URI.test(bd.buildType)) out.push('buildDefinition.buildType: a TypeURI (REQUIRED)');
  if (!bd?.externalParameters || typeof bd.externalParameters !== 'object') out.push('buildDefinition.externalParameters: an object (REQUIRED)');
  for (const [i, r] of (bd?.resolvedDependencies ?? []).entries()) {
    if (r.uri === undefined && r.digest === undefined && r.content === undefined) out.push(`resolvedDependencies[${i}]: one of uri, digest, content`);
    if (r.digest !== undefined) digestSetRules(`resolvedDependencies[${i}].digest`, r.digest, out);
    if (r.uri !== undefined && !URI.test(r.uri)) out.push(`resolvedDependencies[${i}].uri: a URI, got ${r.uri}`);
  }
  if (typeof rd?.builder?.id !== 'string' || !URI.test(rd.builder.id)) out.push('runDetails.builder.id: a TypeURI (REQUIRED)');
  for (const k of ['startedOn', 'finishedOn'] as const) if (rd?.metadata?.[k] !== undefined && !RFC3339.test(rd.metadata[k])) out.push(`runDetails.metadata.${k}: RFC 3339`);
  return out;
}

/** CycloneDX's own strict JSON-schema validator for 1.6: null when valid, else the errors. */
export async function cycloneDxErrors(text: string): Promise<unknown> {
  return new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text);
}

const H = (c: string) => c.repeat(64);

/** A bundle's facts with every kind of component an ML-BOM can hold. */
export function craftFacts(): BundleFacts {
  // The bundle's own lockfiles; the snapshot it carries recorded the same ones.
  const lockfiles: BundleFacts['lockfiles'] = [
    { path: 'requirements.txt', format: 'requirements', sha256: `sha256:${H('1')}`, packageCount: 2, packages: [
      { name: 'torch', version: '2.3.1', source: 'https://user:s3cret@pypi.example/simple', hashes: [`sha256:${H('2')}`, `sha256:${H('3')}`] },
      { name: 'NumPy', version: '1.26.4', source: null, hashes: [`sha256:${H('4')}`], platform: 'python_version >= "3.9"' },
    ] },
    { path: 'web/package-lock.json', format: 'package-lock.json', sha256: `sha256:${H('6')}`, packageCount: 2, packages: [
      { name: '@types/node', version: '22.0.0', source: 'https://registry.npmjs.org/@types/node/-/node-22.0.0.tgz', hashes: [`sha512-${Buffer.alloc(64, 7).toString('base64')}`] },
      { name: 'local-pkg', version: null, source: 'file:../local', hashes: [] },
    ] },
  ];
  return {
    fileName: 'demo-1.0.0.repro.tar.zst',
    report: { bundle: '/x/demo-1.0.0.repro.tar.zst', name: 'demo', version: '1.0.0', codec: 'zstd', contentDigest: `sha256:${H('c')}`, fileDigest: `sha256:${H('f')}`, integrity: 'sha512-x', entries: 5, tarSize: 10240, fileSize: 999 },
    head: {
      schemaVersion: 1,
      kind: 'repro-bundle',
      name: 'demo',
      version: '1.0.0',
      sourceDateEpoch: 1700000000,
      compression: { codec: 'zstd', level: 3, library: 'zstd 1.5.7' },
      tooling: { repro: '0.1.0', tar: 'node-tar 7.5.23' },
      project: { name: 'demo', entryPoints: { main: { command: 'python train.py', parameters: {} }, eval: { command: 'python eval.py', parameters: {} } } } as any,
      selfDigest: `sha256:${H('a')}`,
    },
    manifestDigest: `sha256:${H('a')}`,
    baseImage: 'nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04@sha256:' + H('b'),
    lockfiles,
    snapshot: {
      schemaVersion: 1,
      kind: 'repro-snapshot',
      snapshotDigest: `sha256:${H('5')}`,
      identity: {
        os: { platform: 'linux', arch: 'x64', kernel: '6.1.0', distro: { id: 'ubuntu', versionId: '22.04', prettyName: 'Ubuntu 22.04.4 LTS' }, libc: { family: 'glibc', version: '2.35' }, cpu: { model: 'AMD EPYC', logicalCores: 64, flags: [] } },
        node: { version: 'v22.15.0', v8: null, zlib: null, zstd: null, openssl: null },
        python: { version: '3.11.9', implementation: 'CPython', packages: { torch: '2.3.1', numpy: '1.26.4', 'scikit-learn': '1.4.2' }, frameworks: { torch: { version: '2.3.1', cuda: '12.1', cudnn: 8902 } } },
        gpu: { vendor: 'nvidia', driver: '550.54.15', cudaDriver: '12.4', count: 1, devices: [{ name: 'NVIDIA H100 80GB HBM3', memoryTotalMiB: 81559, computeCapability: '9.0', architecture: 'Hopper' }], toolkit: { nvcc: '12.4.131', versionJson: '12.4.1' }, cudnn: '8.9.7' },
        lockfiles,
        git: { commit: 'e'.repeat(40), branch: 'main', remotes: { origin: 'https://ci-bot:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/acme/demo.git', fork: 'git@github.com:me/demo.git' }, dirty: true, changed: ['train.py'], untracked: [], diffSha256: `sha256:${H('d')}` },
        env: {},
        data: [
          { path: 'data/train.csv', type: 'file', size: 1234, sha256: `sha256:${H('7')}` },
          { path: 'data/images', type: 'directory', files: 2, size: 20, treeDigest: `sha256:${H('8')}`, entries: [] },
        ],
      },
      context: {} as any,
    } as any,
    referenceRun: {
      schemaVersion: 1,
      kind: 'repro-run',
      runId: 'ref-1',
      bundle: { contentDigest: `sha256:${H('c')}`, file: '/x' },
      entry: 'main',
      parameters: {},
      command: 'python train.py',
      backend: 'local',
      image: null,
      machine: { snapshotDigest: `sha256:${H('5')}`, drift: null },
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:00:01.000Z',
      durationMs: 1000,
      exitCode: 0,
      outputs: [
        { path: 'outputs/model.safetensors', size: 100, sha256: `sha256:${H('9')}` },
        { path: 'outputs/metrics.json', size: 10, sha256: `sha256:${H('0')}` },
        { path: 'outputs/checkpoints', size: 30, sha256: `sha256:${H('e')}`, files: [{ path: 'a', size: 30, sha256: `sha256:${H('e')}` }] },
        { path: 'outputs/missing.bin', size: null, sha256: null },
      ],
      reproduced: null,
    },
  };
}

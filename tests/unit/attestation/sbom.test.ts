// The CycloneDX 1.6 ML-BOM: valid by CycloneDX's own validator, every component the issue names
// (locked and installed packages, interpreter, CUDA toolkit, driver, cuDNN, data, outputs as
// models or data), a serial number from the content, no wall-clock time.
import { describe, expect, it } from 'vitest';
import { bomBytes, contentUuid, mlBom } from '../../../src/attestation/sbom.js';
import { craftFacts, cycloneDxErrors } from '../../helpers/attestation.js';

describe('ML-BOM', () => {
  const bom = mlBom(craftFacts());
  const byRef = (ref: string) => bom.components.find((c) => c['bom-ref'] === ref);

  it('passes the CycloneDX 1.6 JSON schema (the CycloneDX library\'s strict validator)', async () => {
    expect(await cycloneDxErrors(bomBytes(bom).toString())).toBeNull();
  });

  it('the validator is not a rubber stamp: a BOM with a bad component type fails it', async () => {
    const bad = structuredClone(bom) as any;
    bad.components[0].type = 'model';
    expect(await cycloneDxErrors(JSON.stringify(bad))).not.toBeNull();
  });

  it('has the bundle as its subject and every kind of component', () => {
    expect(bom.metadata.component).toMatchObject({ type: 'application', name: 'demo', version: '1.0.0', hashes: [{ alg: 'SHA-256', content: 'f'.repeat(64) }] });
    expect(byRef('pkg:pypi/torch@2.3.1')).toMatchObject({ type: 'library', purl: 'pkg:pypi/torch@2.3.1', hashes: [{ alg: 'SHA-256', content: '2'.repeat(64) }, { alg: 'SHA-256', content: '3'.repeat(64) }] });
    // installed and locked: one component, both facts
    expect(byRef('pkg:pypi/numpy@1.26.4')?.properties).toEqual(expect.arrayContaining([{ name: 'repro:lockfile', value: 'requirements.txt' }, { name: 'repro:installed', value: 'python' }]));
    expect(byRef('pkg:pypi/scikit-learn@1.4.2')).toMatchObject({ type: 'library' });
    expect(byRef('pkg:npm/%40types/node@22.0.0')?.hashes).toEqual([{ alg: 'SHA-512', content: '07'.repeat(64) }]);
    expect(byRef('runtime:python')).toMatchObject({ type: 'platform', version: '3.11.9' });
    expect(byRef('framework:torch')?.properties).toEqual([{ name: 'repro:cuda', value: '12.1' }, { name: 'repro:cudnn', value: '8902' }]);
    expect(byRef('gpu:driver')).toMatchObject({ type: 'device-driver', version: '550.54.15' });
    expect(byRef('gpu:cuda-toolkit')).toMatchObject({ version: '12.4.1' });
    expect(byRef('gpu:cudnn')).toMatchObject({ type: 'library', version: '8.9.7' });
    expect(byRef('gpu:device:0')).toMatchObject({ type: 'device', name: 'NVIDIA H100 80GB HBM3' });
    expect(byRef('os')).toMatchObject({ type: 'operating-system', name: 'ubuntu', version: '22.04' });
    expect(byRef('data:data/train.csv')).toMatchObject({ type: 'data', hashes: [{ alg: 'SHA-256', content: '7'.repeat(64) }] });
    expect(byRef('data:data/images')?.properties).toContainEqual({ name: 'repro:tree-digest', value: `sha256:${'8'.repeat(64)}` });
    expect(byRef('output:outputs/model.safetensors')).toMatchObject({ type: 'machine-learning-model', hashes: [{ alg: 'SHA-256', content: '9'.repeat(64) }] });
    expect(byRef('output:outputs/metrics.json')).toMatchObject({ type: 'data' });
    expect(byRef('output:outputs/checkpoints')?.hashes).toBeUndefined(); // a tree digest is not a file hash
    expect(byRef('output:outputs/missing.bin')).toBeUndefined();
    expect(bom.dependencies).toEqual([{ ref: 'bundle', dependsOn: bom.components.map((c) => c['bom-ref']) }]);
  });

  it('cuts credentials out of package sources', () => {
    expect(bomBytes(bom).toString()).not.toMatch(/s3cret|user:/);
  });

  it('derives the serial number from the content; no time but SOURCE_DATE_EPOCH\'s', () => {
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(bomBytes(mlBom(craftFacts())).equals(bomBytes(bom))).toBe(true);
    const other = craftFacts();
    other.snapshot!.identity.python!.packages.numpy = '2.0.0';
    expect(mlBom(other).serialNumber).not.toBe(bom.serialNumber);
    expect(bom.metadata.timestamp).toBe('2023-11-14T22:13:20Z');
    expect(contentUuid('x')).toBe(contentUuid('x'));
  });

  it('is valid for a bundle with no snapshot and no reference run', async () => {
    const bare = mlBom({ ...craftFacts(), snapshot: null, referenceRun: null });
    // The locks come from the bundle itself, snapshot or not.
    expect(bare.components.map((c) => c.name).sort()).toEqual(['@types/node', 'NumPy', 'local-pkg', 'torch']);
    expect(await cycloneDxErrors(bomBytes(bare).toString())).toBeNull();
    const empty = mlBom({ ...craftFacts(), snapshot: null, referenceRun: null, lockfiles: [] });
    expect(empty.components).toEqual([]);
    expect(await cycloneDxErrors(bomBytes(empty).toString())).toBeNull();
  });
});

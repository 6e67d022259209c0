// An attestation is hostile input until it checks out against the bundle. Each attack below
// changes one byte (or one fact) of a good attestation and must be refused with exit 4, the
// message naming what differs.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkAttestation, jsonDifferences } from '../../../src/attestation/check.js';
import { signEnvelope, envelopeBytes, type DsseEnvelope } from '../../../src/attestation/dsse.js';
import { keyIdOf, type SigningKey } from '../../../src/attestation/keys.js';
import { provenance } from '../../../src/attestation/provenance.js';
import { reproducedBuild, reproducedRun } from '../../../src/attestation/reproduced.js';
import { bomBytes, mlBom } from '../../../src/attestation/sbom.js';
import { bundleSubject, CYCLONEDX_PREDICATE, statement, statementBytes } from '../../../src/attestation/statement.js';
import type { RunRecord } from '../../../src/run-record/record.js';
import { craftFacts } from '../../helpers/attestation.js';
import { describeDifference } from '../../../src/core/difference.js';

const facts = craftFacts();
const pair = generateKeyPairSync('ed25519');
const key: SigningKey = { kind: 'ed25519', keyid: keyIdOf(pair.publicKey), privateKey: pair.privateKey, publicKey: pair.publicKey };
const pub = { kind: key.kind, keyid: key.keyid, publicKey: key.publicKey };
const opts = { cwd: '/' };

/** A copy of `bytes` with one byte of `text`'s first occurrence changed. */
function flip(bytes: Buffer, text: string, offset = 0): Buffer {
  const at = bytes.indexOf(text);
  if (at < 0) throw new Error(`${text} not in the document`);
  const out = Buffer.from(bytes);
  out[at + offset] = out[at + offset] === 0x61 ? 0x62 : 0x61; // 'a' <-> 'b', stays valid JSON inside a string
  return out;
}

describe('checkAttestation: good documents', () => {
  it('accepts the provenance, the ML-BOM (bare and as a statement) and names what it checked', async () => {
    expect(await checkAttestation(statementBytes(provenance(facts)), facts, opts)).toMatchObject({ form: 'statement', signature: { kind: 'none' }, checked: expect.stringContaining('identical') });
    expect(await checkAttestation(bomBytes(mlBom(facts)), facts, opts)).toMatchObject({ form: 'cyclonedx' });
    const env = signEnvelope('application/vnd.in-toto+json', statementBytes(statement(bundleSubject(facts), CYCLONEDX_PREDICATE, mlBom(facts))), key);
    expect(await checkAttestation(envelopeBytes(env), facts, { ...opts, publicKey: pub })).toMatchObject({ form: 'dsse', signature: { kind: 'key', keyid: key.keyid } });
  });
});

describe('tampering: refused with exit 4, naming what differs', () => {
  const prov = statementBytes(provenance(facts));
  const envelope = envelopeBytes(signEnvelope('application/vnd.in-toto+json', prov, key));

  it('tampered subject: one hex digit of the subject digest changed', async () => {
    const bad = flip(prov, `"sha256": "${'f'.repeat(64)}"`, 12);
    await expect(checkAttestation(bad, facts, opts)).rejects.toMatchObject({ code: 'E_INTEGRITY', exitCode: 4, message: expect.stringContaining('not about this bundle') });
  });

  it('tampered predicate: one byte of a resolved dependency\'s version changed', async () => {
    const bad = flip(prov, 'pkg:pypi/torch@2.3.1', 4);
    const err = await checkAttestation(bad, facts, opts).catch((e) => e);
    expect(err).toMatchObject({ code: 'E_INTEGRITY', message: expect.stringMatching(/provenance does not match the bundle: 1 field differs, first \$\.buildDefinition\.resolvedDependencies\[\d+\]\.uri/) });
    expect(err.details.differences[0]).toMatchObject({ expected: 'pkg:pypi/torch@2.3.1', actual: 'pkg:aypi/torch@2.3.1' });
  });

  it('tampered signature: one byte of the DSSE signature changed', async () => {
    const doc = JSON.parse(envelope.toString()) as DsseEnvelope;
    const sig = Buffer.from(doc.signatures[0]!.sig, 'base64');
    sig[10] ^= 1;
    doc.signatures[0]!.sig = sig.toString('base64');
    await expect(checkAttestation(Buffer.from(JSON.stringify(doc)), facts, { ...opts, publicKey: pub })).rejects.toMatchObject({ code: 'E_INTEGRITY', message: expect.stringContaining('signature does not verify') });
  });

  it('tampered payload under a good signature: one byte of the signed statement changed', async () => {
    const doc = JSON.parse(envelope.toString()) as DsseEnvelope;
    doc.payload = flip(Buffer.from(doc.payload, 'base64'), 'pkg:pypi/torch', 4).toString('base64');
    await expect(checkAttestation(Buffer.from(JSON.stringify(doc)), facts, { ...opts, publicKey: pub })).rejects.toMatchObject({ code: 'E_INTEGRITY', message: expect.stringContaining('signature does not verify') });
  });

  it('an envelope is never trusted on its own say-so: without --key it is a usage error, not a pass', async () => {
    await expect(checkAttestation(envelope, facts, opts)).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('--key') });
  });

  it('an unsigned document is refused when a key is required', async () => {
    await expect(checkAttestation(prov, facts, { ...opts, publicKey: pub })).rejects.toMatchObject({ code: 'E_INTEGRITY', message: expect.stringContaining('not signed') });
  });

  it('tampered ML-BOM: one byte of a component hash changed', async () => {
    const bom = bomBytes(mlBom(facts));
    const err = await checkAttestation(flip(bom, '"content": "7777', 12), facts, opts).catch((e) => e);
    expect(err).toMatchObject({ code: 'E_INTEGRITY', message: expect.stringMatching(/ML-BOM does not match the bundle.*\$\.components\[\d+\]\.hashes\[0\]\.content/) });
  });

  it('not JSON, not a statement, an unknown predicate: refused', async () => {
    await expect(checkAttestation(Buffer.from('{"a":'), facts, opts)).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    await expect(checkAttestation(Buffer.from('{"_type":"x"}'), facts, opts)).rejects.toMatchObject({ message: expect.stringContaining('not an in-toto Statement v1') });
    const other = statementBytes(statement(bundleSubject(facts), 'https://example.com/whatever', {}));
    await expect(checkAttestation(other, facts, opts)).rejects.toMatchObject({ message: expect.stringContaining('unknown predicate type') });
  });
});

describe('reproduced predicates', () => {
  const evidence = { name: 'demo', version: '1.0.0', fileName: facts.fileName, contentDigest: facts.report.contentDigest, fileDigest: facts.report.fileDigest, rebuild: { contentDigest: facts.report.contentDigest, fileDigest: facts.report.fileDigest }, variations: [{ name: 'umask' }], lock: { contentDigest: null, matches: null }, builderSnapshotDigest: `sha256:${'1'.repeat(64)}`, builder: { repro: '0.1.0', node: '24.0.0' } };

  it('a reproduced-build attestation whose rebuild digest differs cannot claim reproducible', async () => {
    const good = reproducedBuild(evidence, {});
    expect(good.predicate.reproducible).toBe(true);
    expect(await checkAttestation(statementBytes(good), facts, opts)).toMatchObject({ checked: expect.stringContaining('1 variations') });
    const lying = structuredClone(good);
    lying.predicate.rebuild.fileDigest = `sha256:${'0'.repeat(64)}`;
    await expect(checkAttestation(statementBytes(lying), facts, opts)).rejects.toMatchObject({ message: expect.stringContaining('$.reproducible') });
  });

  /** A rerun of the crafted reference: every output as the reference has it, metrics.json's digest `actual` (the missing one stays missing). */
  const record = (actual: string): RunRecord => {
    const outputs = facts.referenceRun!.outputs.map((o) => (o.path === 'outputs/metrics.json' ? { ...o, sha256: actual } : o));
    const same = actual === `sha256:${'0'.repeat(64)}`;
    return {
      ...facts.referenceRun!,
      runId: 'rerun-1',
      parameters: { ...facts.referenceRun!.parameters },
      outputs,
      reproduced: {
        reproduced: false,
        outputs: facts.referenceRun!.outputs.map((ref) => ({
          path: ref.path,
          verdict: ref.sha256 === null ? ('missing' as const) : ref.path !== 'outputs/metrics.json' || same ? ('identical' as const) : ('different' as const),
          expected: ref.sha256,
          actual: ref.path === 'outputs/metrics.json' ? actual : ref.sha256,
        })),
      },
    };
  };

  it('a reproduced-run attestation names the bundle and each output as subjects, and never a secret', async () => {
    const s = reproducedRun(record(`sha256:${'0'.repeat(64)}`), { fileName: facts.fileName, fileDigest: facts.report.fileDigest }, { API_TOKEN: 'tok-very-secret-value' });
    expect(s.subject.map((x) => x.name)).toEqual([facts.fileName, 'output:outputs/model.safetensors', 'output:outputs/metrics.json']);
    expect(await checkAttestation(statementBytes(s), facts, opts)).toMatchObject({ checked: 'rerun rerun-1: NOT reproduced (4 outputs against the reference run)' });
    expect(statementBytes(s).toString()).not.toContain('tok-very-secret-value');
  });

  it('secrets: a value of a secret-named variable that reached the record is scrubbed from the attestation', () => {
    const r = record(`sha256:${'0'.repeat(64)}`);
    r.command = 'python train.py --token tok-very-secret-value';
    r.run = undefined as never;
    const s = reproducedRun({ ...r, parameters: { note: 'tok-very-secret-value' } }, { fileName: facts.fileName, fileDigest: facts.report.fileDigest }, { HF_TOKEN: 'tok-very-secret-value' });
    expect(statementBytes(s).toString()).not.toContain('tok-very-secret-value');
  });

  it('issue 28, finding 1: attack: a statement that calls a rerun with another parameter "reproduced" is refused (not comparable)', async () => {
    const s = reproducedRun(record(`sha256:${'0'.repeat(64)}`), { fileName: facts.fileName, fileDigest: facts.report.fileDigest }, {});
    const lying = structuredClone(s);
    lying.predicate.run.parameters = { steps: '2' };
    lying.predicate.reproduced = true;
    lying.predicate.status = 'reproduced';
    lying.predicate.outputs = lying.predicate.outputs.map((o) => ({ ...o, verdict: o.expected === o.actual && o.expected !== null ? 'identical' : o.verdict }));
    await expect(checkAttestation(statementBytes(lying), facts, opts)).rejects.toMatchObject({ code: 'E_INTEGRITY', message: expect.stringContaining('$.status') });
  });

  it('issue 28, finding 5: attack: a statement that calls a different output "equivalent" where the manifest declares no normaliser is refused', async () => {
    const s = reproducedRun(record(`sha256:${'9'.repeat(64)}`), { fileName: facts.fileName, fileDigest: facts.report.fileDigest }, {});
    const lying = structuredClone(s);
    lying.predicate.outputs[1]!.verdict = 'equivalent';
    await expect(checkAttestation(statementBytes(lying), facts, opts)).rejects.toMatchObject({ message: expect.stringContaining('$.outputs[1].verdict') });
  });

  it('a reproduced-run attestation that calls a different output identical is refused', async () => {
    const s = reproducedRun(record(`sha256:${'9'.repeat(64)}`), { fileName: facts.fileName, fileDigest: facts.report.fileDigest }, {});
    expect(s.predicate.reproduced).toBe(false);
    expect(await checkAttestation(statementBytes(s), facts, opts)).toMatchObject({ checked: expect.stringContaining('NOT reproduced') });
    const lying = structuredClone(s);
    lying.predicate.outputs[1]!.verdict = 'identical';
    await expect(checkAttestation(statementBytes(lying), facts, opts)).rejects.toMatchObject({ message: expect.stringContaining('$.outputs[1].verdict') });
  });

  it('a reproduced-run attestation whose expected digest is not the reference run\'s is refused', async () => {
    const s = reproducedRun(record(`sha256:${'0'.repeat(64)}`), { fileName: facts.fileName, fileDigest: facts.report.fileDigest }, {});
    s.predicate.outputs[1]!.expected = `sha256:${'4'.repeat(64)}`;
    s.predicate.outputs[1]!.actual = `sha256:${'4'.repeat(64)}`;
    await expect(checkAttestation(statementBytes(s), facts, opts)).rejects.toMatchObject({ message: expect.stringContaining('$.outputs[1].expected') });
  });

  describe('issue 27, finding 4: a reproduced-run statement covers exactly the reference\'s outputs, with its numbers', () => {
    const good = () => reproducedRun(record(`sha256:${'0'.repeat(64)}`), { fileName: facts.fileName, fileDigest: facts.report.fileDigest }, {});

    it('attack: a statement that leaves an output of the reference out is refused', async () => {
      const s = good();
      s.predicate.outputs = s.predicate.outputs.filter((o) => o.path !== 'outputs/missing.bin');
      await expect(checkAttestation(statementBytes(s), facts, opts)).rejects.toMatchObject({ message: expect.stringContaining('$.outputs') });
    });

    it('attack: a statement naming an output the reference and the manifest do not have is refused', async () => {
      const s = good();
      s.predicate.outputs.push({ path: 'outputs/backdoor.pkl', verdict: 'identical', expected: `sha256:${'7'.repeat(64)}`, actual: `sha256:${'7'.repeat(64)}` });
      await expect(checkAttestation(statementBytes(s), facts, opts)).rejects.toMatchObject({ message: expect.stringContaining('$.outputs[4].path') });
    });

    it('attack: within-tolerance with unequal digests and no numbers, or numbers past the tolerance, or no tolerance declared, is refused', async () => {
      const withTolerance = { ...facts, head: { ...facts.head, project: { ...facts.head.project!, outputs: [{ path: 'outputs/metrics.json', tolerance: 0.01 }] } } };
      const lie = (maxDifference?: { value: number; at: string }) => {
        const s = good();
        const m = s.predicate.outputs[1]!;
        Object.assign(m, { verdict: 'within-tolerance', actual: `sha256:${'8'.repeat(64)}`, ...(maxDifference ? { maxDifference } : {}) });
        return statementBytes(s);
      };
      await expect(checkAttestation(lie(), withTolerance, opts)).rejects.toMatchObject({ message: expect.stringContaining('$.outputs[1].maxDifference') });
      await expect(checkAttestation(lie({ value: 0.5, at: '$.loss' }), withTolerance, opts)).rejects.toMatchObject({ message: expect.stringContaining('$.outputs[1].verdict') });
      await expect(checkAttestation(lie({ value: 0.001, at: '$.loss' }), facts, opts)).rejects.toMatchObject({ message: expect.stringContaining('$.outputs[1].verdict') });
    });

    it('attack: an outputs list of nulls is refused, never a crash', async () => {
      const s = good() as unknown as { predicate: { outputs: unknown[] } };
      s.predicate.outputs = [null];
      await expect(checkAttestation(statementBytes(s as never), facts, opts)).rejects.toMatchObject({ code: 'E_INTEGRITY' });
    });
  });
});

describe('jsonDifferences', () => {
  it('names each differing path with both values, up to a limit', () => {
    expect(jsonDifferences({ a: [1, { b: 2 }], c: 'x' }, { a: [1, { b: 3 }], d: 1 })).toEqual([
      { entry: 'predicate', field: '$.a[1].b', expected: 2, actual: 3 },
      { entry: 'predicate', field: '$.c', expected: 'x', actual: null },
      { entry: 'predicate', field: '$.d', expected: null, actual: 1 },
    ]);
    // core/difference.ts's one shape: one line of text like any other difference.
    expect(describeDifference(jsonDifferences({ c: 'x' }, { c: 'y' })[0]!)).toBe('predicate  $.c: x -> y');
    expect(jsonDifferences(Array.from({ length: 50 }, (_, i) => i), [])).toHaveLength(20);
  });
});

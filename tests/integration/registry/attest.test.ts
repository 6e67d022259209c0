// Attestations travel with the bundle through a real registry (Debian's docker-registry on
// 127.0.0.1:5000, which has no referrers API, so the per-artifact tags carry them): attest REF
// --attach and exec REF --expect-reproduced --attest --attach put them beside the bundle, and
// repro runs REF lists each one checked against the bundle. A forged attestation attached by
// someone else is listed REFUSED, and runs exits 4.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provenance } from '../../../src/attestation/provenance.js';
import { readBundleFacts } from '../../../src/attestation/bundle-facts.js';
import { statementBytes } from '../../../src/attestation/statement.js';
import { attachReferrer, readReferrerLayer } from '../../../src/registry/referrers.js';
import { parseReference } from '../../../src/registry/reference.js';
import { runCli } from '../../helpers/cli.js';
import { testContext } from '../../helpers/context.js';
import { DOCKER_REASON, SKIP_DOCKER } from '../../helpers/docker.js';
import { makeProject } from '../../helpers/project.js';

const REGISTRY = '127.0.0.1:5000';
const PROJECT = {
  'repro.yaml': 'name: attested\nversion: 2.0.0\nentry_points:\n  main:\n    command: "python3 say.py {word}"\n    parameters:\n      word: {type: string, default: hello}\noutputs:\n  - out/said.txt\n',
  'say.py': 'import os, sys\nos.makedirs("out", exist_ok=True)\nopen("out/said.txt", "w").write(sys.argv[1])\n',
};

describe.skipIf(SKIP_DOCKER)(`attestations beside a bundle in a real registry${SKIP_DOCKER ? `: skipped, ${DOCKER_REASON}` : ''}`, () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'repro-reg-attest-'));
  const env = { REPRO_CACHE: path.join(work, 'cache') };
  const repo = `repro-test/attested-${process.pid}`;
  let ref = '';
  let digest = '';
  let bundle = '';

  beforeAll(async () => {
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', 'k.pem'], { cwd: work, stdio: 'pipe' });
    execFileSync('openssl', ['pkey', '-in', 'k.pem', '-pubout', '-out', 'k.pub.pem'], { cwd: work, stdio: 'pipe' });
    const root = await makeProject(PROJECT);
    const first = await runCli(['build', root, '-o', path.join(work, 'b1'), '--no-lock', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const ran = await runCli(['exec', first.json().result.bundle, '--backend', 'local', '--out', path.join(work, 'ref')], { env });
    expect(ran.code, ran.stderr).toBe(0);
    const built = await runCli(['build', root, '-o', path.join(work, 'b2'), '--no-lock', '--with-run', path.join(work, 'ref'), '--json'], { env });
    bundle = built.json().result.bundle;
    const pushed = await runCli(['push', bundle, `${REGISTRY}/${repo}:v2`, '--json'], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
    digest = pushed.json().result.digest;
    ref = `${REGISTRY}/${repo}@${digest}`;
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('attest REF --attach and exec REF --attest --attach: repro runs lists every document VERIFIED or UNSIGNED', async () => {
    const att = await runCli(['attest', ref, '--attach', '--key', path.join(work, 'k.pem'), '-o', path.join(work, 'docs'), '--json'], { env });
    expect(att.code, att.stderr).toBe(0);
    expect(att.json().result.attached).toHaveLength(4);
    expect(att.json().result.attached[0].tag).toMatch(new RegExp(`^${digest.replace(':', '-')}\\.att-provenance-statement-[0-9a-f]{12}$`));
    const ran = await runCli(['exec', ref, '--backend', 'local', '--expect-reproduced', '--attest', '--attach', '--key', path.join(work, 'k.pem'), '--out', path.join(work, 'rerun'), '--json'], { env });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.json().result.attestationsAttached).toHaveLength(2);
    const listed = await runCli(['runs', `${REGISTRY}/${repo}:v2`, '--key', path.join(work, 'k.pub.pem'), '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    const { runs, attestations } = listed.json().result;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ reproduced: true });
    const seen = attestations.map((a: { kind: string; form: string; status: string }) => `${a.kind}/${a.form}/${a.status}`).sort();
    expect(seen).toEqual([
      'provenance/dsse/verified', 'provenance/statement/unsigned',
      'reproduced-run/dsse/verified', 'reproduced-run/statement/unsigned',
      'sbom/cyclonedx/unsigned', 'sbom/dsse/verified',
    ]);
    // Without the key, signed documents are listed as not checked, never as verified.
    const noKey = await runCli(['runs', ref], { env });
    expect(noKey.code).toBe(0);
    expect(noKey.stdout).toMatch(/provenance\s+dsse\s+UNCHECKED\s+signed with a key: pass --key/);
    // What the registry holds is byte for byte what attest wrote.
    const [first] = att.json().result.attached;
    const layer = await readReferrerLayer(parseReference(ref)!, first.digest, testContext({ env }));
    expect(layer.bytes.toString()).toBe(execFileSync('cat', [first.file], { encoding: 'utf8' }));
  });

  it('forged attestation: someone attaches a provenance that claims another SOURCE_DATE_EPOCH; runs lists it REFUSED and exits 4', async () => {
    const facts = await readBundleFacts(bundle);
    const forged = provenance(facts);
    forged.predicate.buildDefinition.externalParameters = { ...forged.predicate.buildDefinition.externalParameters, sourceDateEpoch: 1 };
    const bytes = statementBytes(forged);
    const parsed = parseReference(ref)!;
    await attachReferrer(parsed, { digest, size: 0 }, { artifactType: 'application/vnd.in-toto+json', layerMediaType: 'application/vnd.in-toto+json', bytes, annotations: { 'io.repro.attestation.kind': 'provenance', 'io.repro.attestation.form': 'statement' }, tagSuffix: 'att-forged' }, testContext({ env }));
    const listed = await runCli(['runs', ref, '--json'], { env });
    expect(listed.code).toBe(4);
    const refused = listed.json().result.attestations.filter((a: { status: string }) => a.status === 'refused');
    expect(refused).toHaveLength(1);
    expect(refused[0].detail).toContain('$.buildDefinition.externalParameters.sourceDateEpoch');
  });

  it('--attach with a file is a usage error, and nothing is written', async () => {
    const r = await runCli(['attest', bundle, '--attach', '-o', path.join(work, 'never')], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pass a reference');
  });
});

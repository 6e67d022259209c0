// repro attest, build --verify --attest, exec --expect-reproduced --attest and verify
// --attestation end to end on the real iris example (Debian's python3 with scikit-learn),
// through the built binary: keys made by openssl, keyless signing through Sigstore's mock Fulcio
// and Rekor over HTTP, and every tampered document refused with exit 4.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, promises as fs, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { cycloneDxErrors, slsaRules, statementRules } from '../helpers/attestation.js';
import { git } from '../helpers/project.js';
import { oidcToken, startMockSigstore, type MockSigstore } from '../helpers/sigstore.js';

const PY = '/usr/bin/python3';
// One directory for the whole file (the helpers' tempDir is emptied after each test).
const work = mkdtempSync(path.join(os.tmpdir(), 'repro-attest-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { REPRO_CACHE: path.join(work, 'cache') };
let bundle = '';
let out = '';

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: work, stdio: 'pipe' });
}

async function flipByte(file: string, text: string, offset: number): Promise<string> {
  const bytes = await fs.readFile(file);
  const at = bytes.indexOf(text);
  expect(at, `${text} in ${file}`).toBeGreaterThanOrEqual(0);
  bytes[at + offset] = bytes[at + offset] === 0x30 ? 0x31 : 0x30;
  const bad = path.join(work, `tampered-${path.basename(file)}`);
  await fs.writeFile(bad, bytes);
  return bad;
}

beforeAll(async () => {
  openssl('genpkey', '-algorithm', 'ed25519', '-out', 'ed.pem');
  openssl('pkey', '-in', 'ed.pem', '-pubout', '-out', 'ed.pub.pem');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ec.pem');
  openssl('pkey', '-in', 'ec.pem', '-pubout', '-out', 'ec.pub.pem');
  const project = path.join(work, 'iris');
  cpSync(path.join(REPO_ROOT, 'examples', 'iris'), project, { recursive: true });
  await fs.rm(path.join(project, 'repro.lock'), { force: true });
  git(project, 'init', '-q');
  git(project, 'remote', 'add', 'origin', 'https://ci-bot:ghp_0123456789abcdefghijklmnopqrstuvwxyz@github.com/acme/iris.git');
  git(project, 'add', '-A');
  git(project, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'iris');
  expect((await runCli(['snapshot', project, '--python', PY], { env })).code).toBe(0);
  const first = await runCli(['build', project, '-o', path.join(work, 'b1'), '--no-lock', '--json'], { env });
  expect(first.code, first.stderr).toBe(0);
  const ref = await runCli(['exec', first.json().result.bundle, '--backend', 'local', '-P', `python=${PY}`, '--out', path.join(work, 'ref')], { env });
  expect(ref.code, ref.stderr).toBe(0);
  out = path.join(work, 'b2');
  const built = await runCli(['build', project, '-o', out, '--no-lock', '--with-run', path.join(work, 'ref'), '--verify', '--attest', '--key', path.join(work, 'ed.pem'), '--json'], { env });
  expect(built.code, built.stderr).toBe(0);
  bundle = built.json().result.bundle;
}, 180_000);

describe('build --verify --attest', () => {
  it('writes provenance, ML-BOM and the reproduced-build attestation, each also as a DSSE envelope', async () => {
    const names = (await fs.readdir(out)).filter((n) => n.endsWith('.json')).sort();
    expect(names).toEqual([
      'iris-demo-0.1.0.cdx.dsse.json', 'iris-demo-0.1.0.cdx.json',
      'iris-demo-0.1.0.provenance.dsse.json', 'iris-demo-0.1.0.provenance.json',
      'iris-demo-0.1.0.reproduced-build.dsse.json', 'iris-demo-0.1.0.reproduced-build.json',
    ]);
    const prov = JSON.parse(await fs.readFile(path.join(out, 'iris-demo-0.1.0.provenance.json'), 'utf8'));
    expect(slsaRules(prov)).toEqual([]);
    expect(prov.predicate.buildDefinition.externalParameters.source).toMatchObject({ repository: 'https://github.com/acme/iris.git', dirty: false, commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const rb = JSON.parse(await fs.readFile(path.join(out, 'iris-demo-0.1.0.reproduced-build.json'), 'utf8'));
    expect(statementRules(rb)).toEqual([]);
    expect(rb.predicate).toMatchObject({ reproducible: true, builder: { snapshotDigest: expect.stringMatching(/^sha256:/) } });
    expect(rb.predicate.variations.length).toBeGreaterThanOrEqual(5);
    const bom = await fs.readFile(path.join(out, 'iris-demo-0.1.0.cdx.json'), 'utf8');
    expect(await cycloneDxErrors(bom)).toBeNull();
    const components = JSON.parse(bom).components as Array<{ type: string; name: string }>;
    expect(components).toContainEqual(expect.objectContaining({ type: 'machine-learning-model', name: 'outputs/model.pkl' }));
    expect(components).toContainEqual(expect.objectContaining({ type: 'data', name: 'outputs/metrics.json' }));
    expect(components).toContainEqual(expect.objectContaining({ type: 'library', name: 'scikit-learn' }));
    for (const n of await fs.readdir(out)) if (n.endsWith('.json')) expect(await fs.readFile(path.join(out, n), 'utf8'), n).not.toMatch(/ghp_|ci-bot/);
  });

  it('verify --attestation checks all six against the bundle with the public key (openssl-made)', async () => {
    const files = (await fs.readdir(out)).filter((n) => n.endsWith('.dsse.json')).map((n) => path.join(out, n));
    const r = await runCli(['verify', bundle, '--attestation', ...files, '--key', path.join(work, 'ed.pub.pem'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().result.attestations.map((a: { signature: { kind: string } }) => a.signature.kind)).toEqual(['key', 'key', 'key']);
    const plain = (await fs.readdir(out)).filter((n) => /\.(provenance|cdx|reproduced-build)\.json$/.test(n)).map((n) => path.join(out, n));
    // attack (issue 27, finding 4): an unsigned statement says nothing of who made it: refused
    // unless asked for on its facts alone.
    const unsigned = await runCli(['verify', bundle, '--attestation', ...plain, '--json']);
    expect(unsigned.code).toBe(4);
    expect(unsigned.json().error).toMatchObject({ code: 'E_INTEGRITY', message: expect.stringContaining('is not signed'), hint: expect.stringContaining('--allow-unsigned') });
    expect((await runCli(['verify', bundle, '--attestation', ...plain, '--allow-unsigned'])).code).toBe(0);
  });

  it('usage: --attest without --verify, and --key without --attest, are exit 2 before anything is built', async () => {
    const a = await runCli(['build', path.join(work, 'iris'), '-o', path.join(work, 'x'), '--attest']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('--attest only means something with --verify: the reproduced-build attestation records the rebuild');
    const b = await runCli(['build', path.join(work, 'iris'), '-o', path.join(work, 'x'), '--key', path.join(work, 'ed.pem')]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('--key only means something with --attest');
    expect(existsSync(path.join(work, 'x'))).toBe(false);
  });
});

describe('tampering with a file attestation: exit 4 naming what differs', () => {
  it('tampered subject: one digit of the subject digest', async () => {
    const file = path.join(out, 'iris-demo-0.1.0.provenance.json');
    const hex = JSON.parse(await fs.readFile(file, 'utf8')).subject[0].digest.sha256 as string;
    const r = await runCli(['verify', bundle, '--attestation', await flipByte(file, hex, 5), '--allow-unsigned']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('not about this bundle');
  });

  it('tampered predicate: one digit of the snapshot digest it resolves', async () => {
    const file = path.join(out, 'iris-demo-0.1.0.provenance.json');
    const snap = JSON.parse(await fs.readFile(file, 'utf8')).predicate.buildDefinition.resolvedDependencies[0].digest.sha256 as string;
    const r = await runCli(['verify', bundle, '--attestation', await flipByte(file, snap, 3), '--allow-unsigned']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/provenance does not match the bundle: 1 field differs, first \$\.buildDefinition\.resolvedDependencies\[0\]\.digest\.sha256/);
  });

  it('tampered signature: one byte of the envelope\'s signature', async () => {
    const file = path.join(out, 'iris-demo-0.1.0.cdx.dsse.json');
    const doc = JSON.parse(await fs.readFile(file, 'utf8'));
    const sig = Buffer.from(doc.signatures[0].sig, 'base64');
    sig[7] ^= 0x10;
    doc.signatures[0].sig = sig.toString('base64');
    const bad = path.join(work, 'bad-sig.dsse.json');
    writeFileSync(bad, JSON.stringify(doc));
    const r = await runCli(['verify', bundle, '--attestation', bad, '--key', path.join(work, 'ed.pub.pem')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('signature does not verify');
  });

  it('another key: a P-256 public key does not verify an Ed25519 signature', async () => {
    const r = await runCli(['verify', bundle, '--attestation', path.join(out, 'iris-demo-0.1.0.provenance.dsse.json'), '--key', path.join(work, 'ec.pub.pem')]);
    expect(r.code).toBe(4);
  });
});

describe('exec --expect-reproduced --attest', () => {
  it('a rerun that reproduces writes a signed reproduced-run attestation that verifies', async () => {
    const runDir = path.join(work, 'rerun');
    const r = await runCli(['exec', bundle, '--backend', 'local', '-P', `python=${PY}`, '--out', runDir, '--expect-reproduced', '--attest', '--key', `env:SIGNING_KEY`, '--json'], { env: { ...env, SIGNING_KEY: await fs.readFile(path.join(work, 'ec.pem'), 'utf8') } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().result.attestations.map((d: { file: string }) => path.basename(d.file))).toEqual(['reproduced-run.json', 'reproduced-run.dsse.json']);
    const att = JSON.parse(await fs.readFile(path.join(runDir, 'reproduced-run.json'), 'utf8'));
    expect(statementRules(att)).toEqual([]);
    expect(att.predicate).toMatchObject({ reproduced: true, run: { entryPoint: 'main', backend: 'local', sandbox: 'bubblewrap' } });
    expect(att.subject.map((s: { name: string }) => s.name)).toEqual(['iris-demo-0.1.0.repro.tar.zst', 'output:outputs/model.pkl', 'output:outputs/metrics.json']);
    const v = await runCli(['verify', bundle, '--attestation', path.join(runDir, 'reproduced-run.dsse.json'), '--key', path.join(work, 'ec.pub.pem')]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain('reproduced (2 outputs against the reference run)');
  });

  it('a rerun with another seed is attested NOT reproduced (exit 1), and that attestation verifies too', async () => {
    const runDir = path.join(work, 'seed7');
    const r = await runCli(['exec', bundle, '--backend', 'local', '-P', `python=${PY}`, '-P', 'seed=7', '--out', runDir, '--expect-reproduced', '--attest'], { env });
    expect(r.code, r.stderr).toBe(1);
    const att = JSON.parse(await fs.readFile(path.join(runDir, 'reproduced-run.json'), 'utf8'));
    expect(att.predicate.reproduced).toBe(false);
    expect(att.predicate.run.parameters.seed).toBe('7');
    const v = await runCli(['verify', bundle, '--attestation', path.join(runDir, 'reproduced-run.json'), '--allow-unsigned']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain('NOT reproduced');
  });

  it('exec --verify --attest: the plain run attested against the reference, carrying the verdict per variation; it verifies', async () => {
    const dir = path.join(work, 'verified');
    const r = await runCli(['exec', bundle, '--backend', 'local', '-P', `python=${PY}`, '--verify', '--vary', 'hashseed,tz', '--out', dir, '--expect-reproduced', '--attest', '--key', path.join(work, 'ed.pem'), '--json'], { env });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const res = r.json().result;
    expect(res.deterministic).toBe(true);
    const plainDir = res.runs[0].runDir;
    expect(res.attestations.map((d: { file: string }) => d.file)).toEqual([path.join(plainDir, 'reproduced-run.json'), path.join(plainDir, 'reproduced-run.dsse.json')]);
    const att = JSON.parse(await fs.readFile(path.join(plainDir, 'reproduced-run.json'), 'utf8'));
    expect(statementRules(att)).toEqual([]);
    expect(att.predicate.reproduced).toBe(true);
    expect(att.predicate.determinism).toMatchObject({ deterministic: true, runs: 2 });
    expect(att.predicate.determinism.variations.map((v: { id: string }) => v.id)).toEqual(['hashseed', 'tz']);
    expect(att.predicate.determinism.outputs).toContainEqual({ path: 'outputs/model.pkl', verdict: 'identical', changedBy: [], unchangedBy: ['hashseed', 'tz'] });
    const v = await runCli(['verify', bundle, '--attestation', path.join(plainDir, 'reproduced-run.dsse.json'), '--key', path.join(work, 'ed.pub.pem')]);
    expect(v.code, v.stderr).toBe(0);
  });

  it('usage: --attest without --expect-reproduced is exit 2 and runs nothing', async () => {
    const r = await runCli(['exec', bundle, '--backend', 'local', '--attest', '--out', path.join(work, 'never')], { env });
    expect(r.code).toBe(2);
    expect(existsSync(path.join(work, 'never'))).toBe(false);
  });
});

describe('keyless: Sigstore (mock Fulcio and Rekor over HTTP)', () => {
  let sigstore: MockSigstore;
  let root = '';
  beforeAll(async () => {
    sigstore = await startMockSigstore();
    root = path.join(work, 'trusted_root.json');
    writeFileSync(root, JSON.stringify(sigstore.trustedRoot));
  });
  afterAll(() => sigstore.close());
  const token = () => oidcToken({ sub: 'ci@acme.example', email: 'ci@acme.example', email_verified: true, iss: 'https://issuer.acme.example' });

  it('attest --keyless writes Sigstore bundles that repro verify and Sigstore\'s own verifier accept', async () => {
    const dir = path.join(work, 'keyless');
    const r = await runCli(['attest', bundle, '-o', dir, '--keyless', '--fulcio-url', sigstore.url, '--rekor-url', sigstore.url, '--json'], { env: { SIGSTORE_ID_TOKEN: token() } });
    expect(r.code, r.stderr).toBe(0);
    expect(sigstore.served).toMatchObject({ '/api/v2/signingCert': 2, '/api/v1/log/entries': 2 });
    const file = path.join(dir, 'iris-demo-0.1.0.provenance.sigstore.json');
    const doc = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(doc.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    // Sigstore's verify library on its own, with the mock's trusted root
    const [{ bundleFromJSON }, { Verifier, toSignedEntity, toTrustMaterial }, { TrustedRoot }] = await Promise.all([import('@sigstore/bundle'), import('@sigstore/verify'), import('@sigstore/protobuf-specs')]);
    const signer = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(sigstore.trustedRoot)), { tlogThreshold: 1, ctlogThreshold: 0 }).verify(toSignedEntity(bundleFromJSON(doc)));
    expect(signer.identity?.subjectAlternativeName).toBe('ci@acme.example');
    const v = await runCli(['verify', bundle, '--attestation', file, path.join(dir, 'iris-demo-0.1.0.cdx.sigstore.json'), '--trusted-root', root, '--certificate-identity', 'ci@acme.example', '--certificate-oidc-issuer', 'https://issuer.acme.example']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain('signed by ci@acme.example (https://issuer.acme.example) via Sigstore');
    expect(v.stdout).not.toContain('not pinned');
    // Without --certificate-identity it verifies, and says that any identity would have.
    const unpinned = await runCli(['verify', bundle, '--attestation', file, '--trusted-root', root]);
    expect(unpinned.code, unpinned.stderr).toBe(0);
    expect(unpinned.stdout).toContain('identity not pinned');
  });

  it('another identity than the one required: exit 4', async () => {
    const file = path.join(work, 'keyless', 'iris-demo-0.1.0.provenance.sigstore.json');
    const v = await runCli(['verify', bundle, '--attestation', file, '--trusted-root', root, '--certificate-identity', 'someone@else.example']);
    expect(v.code).toBe(4);
    expect(v.stderr).toContain('does not verify');
  });

  it('tampered Sigstore bundle: one byte of the signed payload changed', async () => {
    const file = path.join(work, 'keyless', 'iris-demo-0.1.0.provenance.sigstore.json');
    const doc = JSON.parse(await fs.readFile(file, 'utf8'));
    const payload = Buffer.from(doc.dsseEnvelope.payload, 'base64');
    payload[payload.indexOf('sha256') + 20] ^= 1;
    doc.dsseEnvelope.payload = payload.toString('base64');
    const bad = path.join(work, 'bad.sigstore.json');
    writeFileSync(bad, JSON.stringify(doc));
    const v = await runCli(['verify', bundle, '--attestation', bad, '--trusted-root', root]);
    expect(v.code).toBe(4);
  });

  it('no identity token and no CI to ask: exit 5 saying what keyless needs, the token never printed', async () => {
    const r = await runCli(['attest', bundle, '-o', path.join(work, 'k2'), '--keyless', '--fulcio-url', sigstore.url, '--rekor-url', sigstore.url], { env: { SIGSTORE_ID_TOKEN: undefined, ACTIONS_ID_TOKEN_REQUEST_URL: undefined } });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('identity token');
    expect(existsSync(path.join(work, 'k2'))).toBe(false);
    const withBad = await runCli(['attest', bundle, '-o', path.join(work, 'k3'), '--keyless', '--fulcio-url', 'http://127.0.0.1:1', '--rekor-url', 'http://127.0.0.1:1'], { env: { SIGSTORE_ID_TOKEN: token() } });
    expect(withBad.code).toBe(5);
    expect(withBad.stderr).not.toContain(token().split('.')[1]!);
  });
});

describe('a bundle without a snapshot', () => {
  it('bug: its provenance and ML-BOM list the packages its own locks pin (requirements with hashes, and an npm lock through arborist)', async () => {
    const root = path.join(work, 'no-snapshot');
    await fs.mkdir(root, { recursive: true });
    const h = (c: string) => c.repeat(64);
    writeFileSync(path.join(root, 'requirements.txt'), `attrs==23.1.0 \\\n    --hash=sha256:${h('1')}\nnumpy==1.26.4 --hash=sha256:${h('2')} --hash=sha256:${h('3')}\n`);
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'nosnap', version: '1.0.0', dependencies: { 'left-pad': '1.3.0' } }));
    writeFileSync(path.join(root, 'package-lock.json'), JSON.stringify({ name: 'nosnap', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'nosnap', version: '1.0.0', dependencies: { 'left-pad': '1.3.0' } }, 'node_modules/left-pad': { version: '1.3.0', resolved: 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz', integrity: 'sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQQVmvmlygWOKO/7eGzt1xKHV5sE1QgUWIGx2/a8PODFUZdw==' } } }));
    const built = await runCli(['build', root, '-o', path.join(work, 'no-snapshot-out'), '--no-lock', '--json'], { env });
    expect(built.code, built.stderr).toBe(0);
    const attested = await runCli(['attest', built.json().result.bundle, '--json'], { env });
    expect(attested.code, attested.stderr).toBe(0);
    const doc = (kind: string) => JSON.parse(readFileSync(attested.json().result.documents.find((d: { kind: string }) => d.kind === kind).file, 'utf8'));
    const deps = doc('provenance').predicate.buildDefinition.resolvedDependencies;
    expect(deps.map((d: { name: string }) => d.name)).toEqual(['package-lock.json', 'left-pad', 'requirements.txt', 'attrs', 'numpy']);
    expect(deps.find((d: { name: string }) => d.name === 'attrs')).toMatchObject({ uri: 'pkg:pypi/attrs@23.1.0', digest: { sha256: h('1') } });
    expect(deps.find((d: { name: string }) => d.name === 'left-pad')).toMatchObject({ uri: 'pkg:npm/left-pad@1.3.0' });
    expect(deps.find((d: { name: string }) => d.name === 'requirements.txt').digest.sha256).toBe(createHash('sha256').update(readFileSync(path.join(root, 'requirements.txt'))).digest('hex'));
    const bom = doc('sbom');
    expect(bom.components.map((c: { purl?: string }) => c.purl).sort()).toEqual(['pkg:npm/left-pad@1.3.0', 'pkg:pypi/attrs@23.1.0', 'pkg:pypi/numpy@1.26.4']);
  });
});

// Real Docker: images built from bundles through dockerode, pinned to a base image that a
// 127.0.0.1 registry gave a digest (scripts/docker-test-env.sh), and the errors when no engine
// answers. The Docker tests are skipped only outside CI on machines without the environment
// (tests/helpers/docker.ts); under CI a missing environment fails them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactManifest } from '../../../src/registry/artifact.js';
import { runCli } from '../../helpers/cli.js';
import { DOCKER_BASE_IMAGE, DOCKER_REASON, SKIP_DOCKER } from '../../helpers/docker.js';
import { listFiles, makeProject, tempDir } from '../../helpers/project.js';

const YAML = `name: img-test
version: 1.0.0
entry_points:
  main:
    command: "python3 train.py --n {n}"
    parameters:
      n: {type: int, default: 3}
env:
  GREETING: hello
`;
const TRAIN = 'import sys, os\nn = int(sys.argv[2])\nprint("squares", [i * i for i in range(n)], os.environ["GREETING"], os.environ["PYTHONHASHSEED"])\n';

describe.skipIf(SKIP_DOCKER)(`build --image (real Docker)${SKIP_DOCKER ? `: skipped, ${DOCKER_REASON}` : ''}`, () => {
  const base = () => {
    if (!DOCKER_BASE_IMAGE) throw new Error(`CI has no Docker test environment: ${DOCKER_REASON}`);
    return DOCKER_BASE_IMAGE;
  };

  it('builds the image twice without cache with identical layers, labelled with the bundle digest, and it runs', async () => {
    const root = await makeProject({ 'repro.yaml': YAML, 'train.py': TRAIN }, { git: true });
    const run = await runCli(['build', root, '--image', '--verify', '--base-image', base(), '--json'], { env: { DOCKER_HOST: undefined } });
    expect(run.code, run.stdout.slice(0, 2000)).toBe(0);
    const r = run.json().result;
    expect(r.dockerfile.included).toBe(true);
    expect(r.image.verify).toMatchObject({ reproducible: true, differences: [] });
    expect(r.image.tag).toBe(`repro/img-test:${r.contentDigest.slice(7, 19)}`);
    const labels = JSON.parse(execFileSync('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', r.image.tag]).toString());
    expect(labels['io.repro.bundle.digest']).toBe(r.contentDigest);
    // bug: one time format. The image said 2000-01-01T00:00:00.000Z where the OCI manifest and
    // the attestations say 2000-01-01T00:00:00Z (core/time.ts is the one spelling now).
    expect(labels['org.opencontainers.image.created']).toBe('2000-01-01T00:00:00Z');
    const facts = { name: 'img-test', version: '1.0.0', codec: 'zstd' as const, contentDigest: r.contentDigest, fileDigest: r.fileDigest, fileSize: readFileSync(r.bundle).length, sourceDateEpoch: r.sourceDateEpoch };
    expect(artifactManifest(facts).manifest.annotations['org.opencontainers.image.created']).toBe(labels['org.opencontainers.image.created']);
    const attested = await runCli(['attest', r.bundle, '-o', tempDir(), '--json']);
    expect(attested.code, attested.stderr).toBe(0);
    const provenance = JSON.parse(readFileSync(attested.json().result.documents.find((d: { kind: string }) => d.kind === 'provenance').file, 'utf8'));
    expect(provenance.predicate.runDetails.metadata.startedOn).toBe(labels['org.opencontainers.image.created']);
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', r.image.tag]).toString();
    expect(out.trim()).toBe('squares [0, 1, 4] hello 0');
    expect(run.stderr).toMatch(/image: Step \d+\/\d+ : COPY \. \//);
  });

  it('repro dockerfile pins the base from the engine, and from the registry when no engine answers', async () => {
    const root = await makeProject({ 'repro.yaml': YAML, 'train.py': TRAIN });
    const unpinned = base().split('@')[0]!;
    const digest = base().split('@')[1]!;
    const engine = await runCli(['dockerfile', root, '--base-image', unpinned, '--json']);
    expect(engine.code, engine.stdout).toBe(0);
    expect(engine.json().result).toMatchObject({ baseImage: `${unpinned}@${digest}`, digestSource: 'engine' });
    const registry = await runCli(['dockerfile', root, '--base-image', unpinned, '--json'], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(registry.code, registry.stdout).toBe(0);
    expect(registry.json().result).toMatchObject({ baseImage: `${unpinned}@${digest}`, digestSource: 'registry' });
    expect(registry.json().result.dockerfile).toContain(`FROM ${unpinned}@${digest}`);
  });

  it('the bundle Dockerfile makes `repro dockerfile --check` happy', async () => {
    const root = await makeProject({ 'repro.yaml': YAML, 'train.py': TRAIN });
    const file = path.join(tempDir(), 'Dockerfile');
    expect((await runCli(['dockerfile', root, '--base-image', base(), '-o', file])).code).toBe(0);
    const check = await runCli(['dockerfile', '--check', file, '--json']);
    expect(check.code).toBe(0);
    expect(check.json().result.findings).toEqual([]);
    expect(readFileSync(file, 'utf8')).toContain('USER 65534:65534');
  });
});

describe('no Docker engine', () => {
  it('build --image fails with E_ENV (exit 5) and a hint, before writing anything', async () => {
    const root = await makeProject({ 'train.py': 'print(1)\n' });
    const out = path.join(tempDir(), 'out');
    mkdirSync(out);
    chmodSync(out, 0o755);
    const run = await runCli(['build', root, '-o', out, '--image', '--json'], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(run.code).toBe(5);
    expect(run.json().error).toMatchObject({ code: 'E_ENV', hint: expect.stringContaining('DOCKER_HOST') });
    expect(await listFiles(out)).toEqual([]);
    const human = await runCli(['build', root, '-o', out, '--image'], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(human.stderr).toMatch(/E_ENV: no Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock/);
    expect(human.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  it('repro dockerfile without any way to pin: E_ENV naming what it tried', async () => {
    const root = await makeProject({ 'train.py': 'print(1)\n' });
    const run = await runCli(['dockerfile', root, '--base-image', '127.0.0.1:1/nothing:here', '--json'], { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(run.code).toBe(5);
    expect(run.json().error.details.tried).toHaveLength(2);
  });
});

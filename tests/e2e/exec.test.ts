// repro exec end to end, on the real iris example (Debian's python3 with scikit-learn): snapshot,
// build, a reference run, a rebuild carrying it, reruns that reproduce bit for bit (locally and
// in Docker) and an unseeded one that does not; plus the refusals: a tampered bundle never runs,
// breaking drift with --strict, a GPU bundle without a GPU, a badly typed parameter.
import { cpSync, existsSync, promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { DOCKER_BASE_IMAGE, DOCKER_REASON, SKIP_DOCKER } from '../helpers/docker.js';
import { makeProject, tempDir } from '../helpers/project.js';
import { identityDigest } from '../../src/snapshot/identity.js';
import type { Snapshot } from '../../src/snapshot/snapshot.js';

const PY = '/usr/bin/python3';

async function irisBundle(extra: string[] = []) {
  const work = tempDir('repro-exec-');
  const project = path.join(work, 'iris');
  cpSync(path.join(REPO_ROOT, 'examples', 'iris'), project, { recursive: true });
  await fs.rm(path.join(project, 'repro.lock'), { force: true });
  const env = { REPRO_CACHE: path.join(work, 'cache') };
  expect((await runCli(['snapshot', project, '--python', PY], { env })).code).toBe(0);
  const built = await runCli(['build', project, '-o', path.join(work, 'b1'), '--json', ...extra], { env });
  expect(built.code, built.stdout).toBe(0);
  return { work, project, env, bundle: built.json().result.bundle as string };
}

async function sha(file: string) {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

/** Every file of the cached tree still matches the bundle manifest. */
async function assertCacheIntact(cacheDir: string) {
  const bundles = path.join(cacheDir, 'bundles');
  const [entry] = (await fs.readdir(bundles)).filter((n) => !n.startsWith('.'));
  const dir = path.join(bundles, entry!);
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'repro.bundle.json'), 'utf8'));
  for (const e of manifest.entries) if (e.type === 'file') expect(await sha(path.join(dir, e.path)), e.path).toBe(e.sha256);
}

describe('repro exec (local backend)', () => {
  it('a reference run, then a rerun that reproduces bit for bit, and an unseeded one that does not', async () => {
    const { work, project, env, bundle } = await irisBundle();
    const ref = await runCli(['exec', bundle, '--backend', 'local', '-P', `python=${PY}`, '--out', path.join(work, 'ref'), '--json'], { env });
    expect(ref.code, ref.stderr).toBe(0);
    const refRecord = ref.json().result;
    expect(refRecord).toMatchObject({ kind: 'repro-run', backend: 'local', exitCode: 0, entry: 'main', reproduced: null });
    expect(refRecord.parameters).toMatchObject({ seed: '0', n_estimators: '50', python: PY });
    expect(refRecord.outputs.map((o: { path: string }) => o.path)).toEqual(['outputs/model.pkl', 'outputs/metrics.json']);
    expect(ref.stderr).toMatch(/accuracy=0\.9556/); // the entry point's stdout goes to stderr under --json
    await assertCacheIntact(env.REPRO_CACHE); // the run wrote files; the cache is untouched

    const rebuilt = await runCli(['build', project, '-o', path.join(work, 'b2'), '--with-run', path.join(work, 'ref'), '--json'], { env });
    expect(rebuilt.code).toBe(0);
    const withRef = rebuilt.json().result.bundle;

    const again = await runCli(['exec', withRef, '--backend', 'local', '-P', `python=${PY}`, '--out', path.join(work, 'again'), '--expect-reproduced', '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().result.reproduced).toEqual({
      status: 'reproduced',
      reproduced: true,
      comparability: { comparable: true, differences: [], seeds: [] },
      outputs: [
        { path: 'outputs/model.pkl', verdict: 'identical', expected: refRecord.outputs[0].sha256, actual: refRecord.outputs[0].sha256 },
        { path: 'outputs/metrics.json', verdict: 'identical', expected: refRecord.outputs[1].sha256, actual: refRecord.outputs[1].sha256 },
      ],
    });
    const onDisk = JSON.parse(await fs.readFile(path.join(work, 'again', 'run.json'), 'utf8'));
    expect(onDisk.reproduced.reproduced).toBe(true);

    const unseeded = await runCli(['exec', withRef, '--backend', 'local', '-P', `python=${PY}`, '-P', 'seed=-1', '--out', path.join(work, 'unseeded'), '--expect-reproduced'], { env });
    expect(unseeded.code).toBe(1);
    expect(unseeded.stdout).toMatch(/NOT reproduced/);
    expect(unseeded.stdout).toMatch(/outputs\/model\.pkl\s+different/);

    const second = await runCli(['exec', withRef, '--backend', 'local', '-P', `python=${PY}`, '--out', path.join(work, 'second')], { env });
    expect(second.stderr).toMatch(/verified \(cached at/);
  });

  it("passes the entry point's exit code through", async () => {
    const root = await makeProject({ 'fail.sh': 'echo failing >&2\nexit 7\n' });
    const built = (await runCli(['build', root, '--json'])).json().result.bundle;
    const run = await runCli(['exec', built, 'fail.sh', '--backend', 'local', '--out', path.join(tempDir(), 'r')], { env: { REPRO_CACHE: tempDir() } });
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(/failing/);
  });

  it('a tampered bundle never runs, and leaves no cache entry', async () => {
    const root = await makeProject({ 'run.sh': 'touch "$MARKER"\n' });
    const built = (await runCli(['build', root, '--compression', 'none', '--json'])).json().result.bundle;
    const bytes = await fs.readFile(built);
    const at = bytes.indexOf('touch');
    bytes.write('TOUCH', at);
    const bad = path.join(tempDir(), 'bad.repro.tar');
    await fs.writeFile(bad, bytes);
    const marker = path.join(tempDir(), 'ran');
    const cache = tempDir();
    const run = await runCli(['exec', bad, 'run.sh', '--backend', 'local', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: cache, MARKER: marker } });
    expect(run.code).toBe(4);
    expect(run.json().error.details.problems[0]).toMatchObject({ entry: 'project/run.sh', field: 'sha256' });
    expect(existsSync(marker)).toBe(false);
    expect(await fs.readdir(path.join(cache, 'bundles'))).toEqual([]);
  });

  it('--strict refuses breaking drift before running (exit 5): a recorded determinism variable the user overrides with --env', async () => {
    const root = await makeProject({ 'run.sh': 'echo "seed=$PYTHONHASHSEED ran"\n' });
    expect((await runCli(['snapshot', root, '--python', PY, '--no-import'], { env: { PYTHONHASHSEED: '0' } })).code).toBe(0);
    const built = (await runCli(['build', root, '--json'])).json().result.bundle;
    // The snapshot's PYTHONHASHSEED=0 is what the rerun gets, whatever this shell has: no drift.
    const same = await runCli(['exec', built, 'run.sh', '--backend', 'local', '--strict', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: tempDir(), PYTHONHASHSEED: '1' } });
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain('seed=0 ran');
    expect(same.json().result.environment.PYTHONHASHSEED).toBe('0');
    // --env PYTHONHASHSEED passes this shell's 1 on purpose: the rerun differs from the record.
    const run = await runCli(['exec', built, 'run.sh', '--backend', 'local', '--strict', '--env', 'PYTHONHASHSEED', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: tempDir(), PYTHONHASHSEED: '1' } });
    expect(run.code).toBe(5);
    expect(run.json().error.details.changes[0]).toMatchObject({ field: 'PYTHONHASHSEED', severity: 'breaking' });
    expect(run.stdout).not.toContain('ran');
  });

  it('a pixi.lock v7 solved for a CUDA driver this machine lacks: snapshot warns MACHINE_UNMET, and exec --strict refuses it as breaking drift, naming the need', async () => {
    const pixi = 'version: 7\nplatforms:\n- name: linux-64\n  virtual-packages: [__unix=0=0, __glibc=2.17, __cuda=12.0]\nenvironments:\n  default:\n    packages:\n      linux-64: []\npackages: []\n';
    const root = await makeProject({ 'run.sh': 'touch "$MARKER"\n', 'pixi.lock': pixi });
    const snap = await runCli(['snapshot', root, '--python', PY, '--no-import', '--json'], { env: { PATH: '/usr/bin:/bin' } });
    expect(snap.code).toBe(0);
    const file = path.join(root, 'repro.snapshot.json');
    const recorded = JSON.parse(await fs.readFile(file, 'utf8')) as Snapshot;
    expect(recorded.identity.lockfiles[0]!.platforms![0]!.virtualPackages).toContain('__cuda=12.0');
    expect(recorded.context.lockfileWarnings['pixi.lock']).toEqual([expect.objectContaining({ code: 'MACHINE_UNMET', message: 'linux-64 was locked for __cuda=12.0: needs a driver that runs CUDA 12.0; this machine has no NVIDIA GPU' })]);
    // The run being rerun was recorded on a GPU machine (the H100 snapshot's GPU): this one has none.
    recorded.identity.gpu = (JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'tests/fixtures/gpu/h100/snapshot.json'), 'utf8')) as Snapshot).identity.gpu;
    recorded.snapshotDigest = identityDigest(recorded.identity);
    await fs.writeFile(file, JSON.stringify(recorded, null, 2));
    const built = (await runCli(['build', root, '--json'])).json().result.bundle;
    const marker = path.join(tempDir(), 'ran');
    const run = await runCli(['exec', built, 'run.sh', '--backend', 'local', '--strict', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: tempDir(), MARKER: marker, PATH: '/usr/bin:/bin' } });
    expect(run.code).toBe(5);
    expect(run.json().error.details.changes).toContainEqual(expect.objectContaining({ field: 'pixi.lock:linux-64:__cuda', severity: 'breaking', reason: expect.stringContaining('this machine has no NVIDIA GPU') }));
    expect(existsSync(marker)).toBe(false);
  });

  it('a bundle that requires a GPU fails clearly on a machine without one', async () => {
    const root = await makeProject({ 'repro.yaml': 'name: g\nentry_points:\n  main:\n    command: touch "$MARKER"\ngpu: {required: true}\n' });
    const built = (await runCli(['build', root, '--json'])).json().result.bundle;
    const marker = path.join(tempDir(), 'ran');
    const run = await runCli(['exec', built, '--backend', 'local', '--out', path.join(tempDir(), 'r')], { env: { REPRO_CACHE: tempDir(), MARKER: marker, PATH: '/usr/bin:/bin' } });
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/requires a GPU and this machine has none/);
    expect(existsSync(marker)).toBe(false);
  });

  it('a badly typed parameter is a usage error naming it, before anything runs', async () => {
    const { work, env, bundle } = await irisBundle();
    const run = await runCli(['exec', bundle, '-P', 'n_estimators=abc', '--backend', 'local', '--out', path.join(work, 'r')], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/parameter n_estimators \(int\) is not an integer: "abc"/);
    expect(existsSync(path.join(work, 'r'))).toBe(false);
  });
});

describe.skipIf(SKIP_DOCKER)(`repro exec (docker backend)${SKIP_DOCKER ? `: skipped, ${DOCKER_REASON}` : ''}`, () => {
  it('reruns in Docker and reproduces the local reference run bit for bit', async () => {
    if (!DOCKER_BASE_IMAGE) throw new Error(`CI has no Docker test environment: ${DOCKER_REASON}`);
    const { work, project, env, bundle } = await irisBundle(['--base-image', DOCKER_BASE_IMAGE]);
    const ref = await runCli(['exec', bundle, '--backend', 'local', '-P', `python=${PY}`, '--out', path.join(work, 'ref')], { env });
    expect(ref.code, ref.stderr).toBe(0);
    const rebuilt = (await runCli(['build', project, '-o', path.join(work, 'b2'), '--with-run', path.join(work, 'ref'), '--base-image', DOCKER_BASE_IMAGE, '--json'], { env })).json().result.bundle;
    // The same parameters as the reference (the image's python3 is /usr/bin/python3 too): another
    // value of any parameter but a seed would make the rerun not comparable.
    const run = await runCli(['exec', rebuilt, '--backend', 'docker', '-P', `python=${PY}`, '--out', path.join(work, 'docker'), '--expect-reproduced', '--json'], { env });
    expect(run.code, run.stderr.slice(-3000) + run.stdout.slice(0, 3000)).toBe(0);
    const r = run.json().result;
    expect(r.backend).toBe('docker');
    expect(r.image).toMatch(/^sha256:/);
    expect(r.reproduced.reproduced).toBe(true);
    await assertCacheIntact(env.REPRO_CACHE);
  });
});

// `repro build --vendor` (issue 30): the wheels of the hashed lock, fetched for the snapshot's
// interpreter, checked against the lock and carried under vendor/python/; two builds are
// byte-identical, --verify rebuilds the same bundle, and the rerun installs its locked
// environment from the bundle alone, with the index gone and the sandbox offline. A wheel that
// does not match its hash is exit 4 naming it, with nothing written; a vendored wheel swapped
// inside the bundle fails verification.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DOCKER_BASE_IMAGE, DOCKER_REASON, SKIP_DOCKER } from '../helpers/docker.js';
import { ML_REASON, SKIP_ML } from '../helpers/ml-python.js';
import { makeProject, tempDir } from '../helpers/project.js';
import { sqlparseProject } from '../helpers/python-project.js';
import { startWheelIndex, WHEELHOUSE, type WheelIndex } from '../helpers/wheel-index.js';

describe.skipIf(SKIP_ML)(`build --vendor${SKIP_ML ? `: skipped, ${ML_REASON}` : ''}`, () => {
  let index: WheelIndex;
  let sha: string;
  let wheel: string;

  beforeAll(async () => {
    index = await startWheelIndex(['sqlparse']);
    [wheel, sha] = [...index.wheels.entries()].find(([f]) => f.startsWith('sqlparse-0.6.1-'))!;
  });
  afterAll(async () => index?.close());

  it('carries the locked wheels; two builds are byte-identical; --verify rebuilds it; the rerun installs offline with the index stopped', async () => {
    const own = await startWheelIndex(['sqlparse']);
    const root = await sqlparseProject(own.url, sha);
    const cache = tempDir();
    const first = await runCli(['build', root, '--vendor', '-o', path.join(tempDir(), 'a'), '--compression', 'none', '--json'], { env: { REPRO_CACHE: cache } });
    expect(first.code, first.stderr).toBe(0);
    const r = first.json().result;
    expect(r.vendor).toMatchObject({ lock: 'requirements.lock.txt', wheels: [{ file: wheel, sha256: sha, package: 'sqlparse' }] });
    const second = await runCli(['build', root, '--vendor', '-o', path.join(tempDir(), 'b'), '--compression', 'none', '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(second.json().result.fileDigest).toBe(r.fileDigest);
    const verified = await runCli(['build', root, '--vendor', '--verify', '-o', path.join(tempDir(), 'c'), '--compression', 'none', '--json'], { env: { REPRO_CACHE: cache } });
    expect(verified.code, verified.stderr.slice(-2000) + verified.stdout.slice(0, 3000)).toBe(0);
    expect(verified.json().result.contentDigest).toBe(r.contentDigest);
    await own.close();
    const ran = await runCli(['exec', r.bundle, 'train.py', '--backend', 'local', '--out', path.join(tempDir(), 'run'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(ran.code, ran.stderr + ran.stdout.slice(0, 3000)).toBe(0);
    expect(ran.stderr).toMatch(/installing the locked environment .* from the bundle's vendored wheels, no network/);
    expect(ran.stderr).toContain('sqlparse 0.6.1');
  });

  it('a uv project names its index in uv.toml (or UV_DEFAULT_INDEX), not in the lock: --vendor asks that index', async () => {
    const requests: Array<{ path: string; authorization: string | null }> = [];
    const own = await startWheelIndex(['sqlparse'], { requests });
    const lock = `sqlparse==0.6.1 \\\n    --hash=sha256:${sha}\n`;
    const noPip = { PIP_INDEX_URL: undefined, PIP_EXTRA_INDEX_URL: undefined, PIP_CONFIG_FILE: '/dev/null', UV_DEFAULT_INDEX: undefined, UV_INDEX_URL: undefined, UV_INDEX: undefined };
    try {
      const viaToml = await sqlparseProject(own.url, sha, { 'requirements.lock.txt': lock, 'uv.toml': `[[index]]\nname = "local"\nurl = "${own.url}"\ndefault = true\n` });
      const a = await runCli(['build', viaToml, '--vendor', '-o', path.join(tempDir(), 'a'), '--json'], { env: { ...noPip, REPRO_CACHE: tempDir(), HOME: tempDir() } });
      expect(a.code, a.stderr).toBe(0);
      expect(a.stderr).toContain(`uv's index settings as PIP_INDEX_URL=${own.url}`);
      expect(requests.some((r) => r.path.includes('sqlparse'))).toBe(true);
      requests.length = 0;
      const viaEnv = await sqlparseProject(own.url, sha, { 'requirements.lock.txt': lock });
      const b = await runCli(['build', viaEnv, '--vendor', '-o', path.join(tempDir(), 'b'), '--json'], { env: { ...noPip, UV_DEFAULT_INDEX: own.url, REPRO_CACHE: tempDir(), HOME: tempDir() } });
      expect(b.code, b.stderr).toBe(0);
      expect(requests.some((r) => r.path.includes('sqlparse'))).toBe(true);
      expect(b.json().result.vendor.wheels).toMatchObject([{ file: wheel, sha256: sha }]);
    } finally {
      await own.close();
    }
  });

  it('the image installs from the vendored wheels with no network: exec --backend docker with the index stopped', async () => {
    if (!DOCKER_BASE_IMAGE) {
      if (SKIP_DOCKER) return expect(DOCKER_REASON).toBeTruthy();
      throw new Error(`CI has no Docker test environment: ${DOCKER_REASON}`);
    }
    const own = await startWheelIndex(['sqlparse']);
    // python3: Debian's image has no `python` (the .py convention's); an entry point names its interpreter.
    const root = await sqlparseProject(own.url, sha, { 'repro.yaml': 'name: sqlparse-demo\nversion: 0.1.0\nentry_points:\n  main:\n    command: python3 train.py\n' });
    const built = await runCli(['build', root, '--vendor', '--base-image', DOCKER_BASE_IMAGE, '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(built.code, built.stderr).toBe(0);
    expect(built.json().result.dockerfile.notes.join('\n')).toContain("from the bundle's vendored wheels (/vendor/python): the image build needs no network");
    await own.close();
    // exec builds the image itself, with --network none: only the vendored wheels can satisfy pip.
    const ran = await runCli(['exec', built.json().result.bundle, 'main', '--backend', 'docker', '--out', path.join(tempDir(), 'run'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(ran.code, ran.stderr.slice(-3000)).toBe(0);
    expect(ran.stderr).toContain('sqlparse 0.6.1');
  });

  it('attack: an index serving other bytes than the lock\'s hash is exit 4 naming the package, the hash expected and the one got; nothing is written', async () => {
    const root = await sqlparseProject(index.url, 'e'.repeat(64));
    const out = tempDir();
    const r = await runCli(['build', root, '--vendor', '-o', out, '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(r.code).toBe(4);
    expect(r.json().error).toMatchObject({ code: 'E_INTEGRITY', details: { mismatches: [{ package: 'sqlparse', expected: ['e'.repeat(64)], got: sha }] } });
    expect(r.json().error.message).toContain(`sqlparse: the file the index served does not match the lock (expected sha256 ${'e'.repeat(64)}, got ${sha})`);
    expect(readdirSync(out)).toEqual([]);
  });

  it('repro fetches the wheels itself (side by side, each checked as it arrives) where pip would pick the same; a pip setting it does not read hands them to pip', async () => {
    const own = await startWheelIndex(['sqlparse']);
    try {
      const root = await sqlparseProject(own.url, sha);
      const home = tempDir();
      const clean = { HOME: home, XDG_CONFIG_DIRS: path.join(home, 'none'), PIP_CONFIG_FILE: undefined, REPRO_CACHE: tempDir() };
      const a = await runCli(['build', root, '--vendor', '-o', tempDir(), '--json'], { env: clean });
      expect(a.code, a.stderr).toBe(0);
      expect(a.stderr).toMatch(/--vendor: requirements\.lock\.txt for \S+ \([\d.]+\): fetching its 1 wheels from \d+ sources?, 8 at a time, each checked against the lock as it arrives/);
      expect(a.stderr).not.toContain('with pip download');
      expect(a.json().result.vendor.wheels).toEqual([expect.objectContaining({ file: wheel, sha256: sha, package: 'sqlparse' })]);
      // The same bundle as pip's: one build each way, compared.
      await fs.mkdir(path.join(home, '.config', 'pip'), { recursive: true });
      await fs.writeFile(path.join(home, '.config', 'pip', 'pip.conf'), '[global]\ntrusted-host = 127.0.0.1\n');
      const b = await runCli(['build', root, '--vendor', '-o', tempDir(), '--json'], { env: { ...clean, REPRO_CACHE: tempDir() } });
      expect(b.code, b.stderr).toBe(0);
      expect(b.stderr).toMatch(/pip fetches the wheels, as repro cannot be sure to pick the ones it would: pip reads (trusted-host from .*pip\.conf|\S+ from \/etc\/pip\.conf)/);
      expect(b.stderr).toContain('with pip download');
      expect(b.json().result.fileDigest).toBe(a.json().result.fileDigest);
    } finally {
      await own.close();
    }
  });

  it('attack: an index that lists the locked hash and serves other bytes is exit 4 naming the package, expected and got; nothing is written', async () => {
    const forged = Buffer.from(readFileSync(path.join(WHEELHOUSE, wheel)));
    forged[forged.length >> 1] ^= 0xff;
    const liar = await startWheelIndex(['sqlparse'], { serve: new Map([[wheel, forged]]) });
    try {
      const root = await sqlparseProject(liar.url, sha);
      const home = tempDir();
      const out = tempDir();
      const cache = tempDir();
      const r = await runCli(['build', root, '--vendor', '-o', out, '--json'], { env: { HOME: home, XDG_CONFIG_DIRS: path.join(home, 'none'), PIP_CONFIG_FILE: undefined, REPRO_CACHE: cache } });
      expect(r.code, r.stderr).toBe(4);
      const got = createHash('sha256').update(forged).digest('hex');
      expect(r.json().error).toMatchObject({ code: 'E_INTEGRITY', details: { mismatches: [{ package: 'sqlparse', expected: [sha], got }] } });
      expect(readdirSync(out)).toEqual([]);
      // Nothing of the forged file is kept in the wheel store either.
      expect(existsSync(path.join(cache, 'wheels', sha, wheel))).toBe(false);
      expect(existsSync(path.join(cache, 'wheels', got))).toBe(false);
    } finally {
      await liar.close();
    }
  });

  it('attack: a vendored wheel swapped inside the bundle fails verification, naming the entry', async () => {
    const root = await sqlparseProject(index.url, sha);
    const built = (await runCli(['build', root, '--vendor', '--compression', 'none', '--json'], { env: { REPRO_CACHE: tempDir() } })).json().result.bundle as string;
    const bytes = await fs.readFile(built);
    const original = readFileSync(path.join(WHEELHOUSE, wheel));
    const at = bytes.indexOf(original.subarray(0, 4096));
    expect(at).toBeGreaterThan(0);
    bytes[at + 2000] = bytes[at + 2000]! ^ 0xff;
    const bad = path.join(tempDir(), 'bad.repro.tar');
    await fs.writeFile(bad, bytes);
    const v = await runCli(['verify', bad, '--json']);
    expect(v.code).toBe(4);
    expect(JSON.stringify(v.json().error)).toContain(`vendor/python/${wheel}`);
  });

  it('--record-hashes: a project pinned with == but no hashes is vendored with the hashes the index serves now, said in the bundle; --verify rebuilds it; it reruns offline', async () => {
    const own = await startWheelIndex(['sqlparse']);
    const root = await sqlparseProject(own.url, sha);
    await fs.writeFile(path.join(root, 'requirements.lock.txt'), `--index-url ${own.url}\nsqlparse==0.6.1\n`);
    const cache = tempDir();
    const refused = await runCli(['build', root, '--vendor', '--json'], { env: { REPRO_CACHE: cache } });
    expect(refused.code).toBe(3);
    expect(refused.json().error.message).toBe('--vendor needs a hashed Python lock, and requirements.lock.txt pins 1 package without hashes');
    expect(refused.json().error.hint).toContain('--record-hashes (trust on first use');
    const built = await runCli(['build', root, '--vendor', '--record-hashes', '--verify', '--compression', 'none', '-o', path.join(tempDir(), 'a'), '--json'], { env: { REPRO_CACHE: cache } });
    expect(built.code, built.stderr.slice(-2000)).toBe(0);
    expect(built.stderr).toContain('build: --record-hashes: requirements.lock.txt has no hashes; the 1 recorded now (what the index served, trust on first use) go into vendor/requirements.lock.txt');
    const r = built.json().result;
    expect(r.vendor).toMatchObject({ lock: 'vendor/requirements.lock.txt', recordedHashes: true, wheels: [{ file: wheel, sha256: sha }] });
    // The recorded lock is an entry of the bundle, covered by its digests, saying what it is.
    const listed = await runCli(['verify', r.bundle, '--json']);
    expect(listed.code).toBe(0);
    const bytes = readFileSync(r.bundle, 'latin1');
    expect(bytes).toContain('# Recorded by repro build --vendor --record-hashes from requirements.lock.txt');
    expect(bytes).toContain(`sqlparse==0.6.1 --hash=sha256:${sha}`);
    await own.close();
    const ran = await runCli(['exec', r.bundle, 'train.py', '--backend', 'local', '--out', path.join(tempDir(), 'run'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(ran.code, ran.stderr.slice(-2000)).toBe(0);
    expect(ran.stderr).toContain("installed from the ones build --record-hashes recorded (vendor/requirements.lock.txt, trust on first use)");
    expect(ran.stderr).toContain('sqlparse 0.6.1');
  });

  it('--record-hashes on MLflow\'s python_env.yaml (its dependencies; build_dependencies build sdists, which repro never does): reruns offline', async () => {
    const own = await startWheelIndex(['sqlparse']);
    const root = await sqlparseProject(own.url, sha, {
      MLproject: 'name: sqlparse-mlflow\npython_env: python_env.yaml\nentry_points:\n  main:\n    command: python train.py\n',
      'python_env.yaml': 'python: "3.11"\nbuild_dependencies:\n  - pip\n  - setuptools\ndependencies:\n  - -r requirements-run.txt\n',
      'requirements-run.txt': 'sqlparse==0.6.1  # the parser\n',
    });
    await fs.rm(path.join(root, 'requirements.lock.txt'));
    const built = await runCli(['build', root, '--vendor', '--record-hashes', '--json'], { env: { REPRO_CACHE: tempDir(), PIP_INDEX_URL: own.url } });
    expect(built.code, built.stderr.slice(-2000)).toBe(0);
    expect(built.json().result.vendor).toMatchObject({ recordedHashes: true, wheels: [{ sha256: sha }] });
    await own.close();
    const ran = await runCli(['exec', built.json().result.bundle, 'main', '--backend', 'local', '--out', path.join(tempDir(), 'run'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(ran.code, ran.stderr.slice(-2000)).toBe(0);
    expect(ran.stderr).toContain('sqlparse 0.6.1');
  });

  it('--record-hashes refuses a range: only exact versions have hashes to record (exit 3, the uv pip compile hint)', async () => {
    const root = await makeProject({ 'train.py': '', 'requirements.txt': 'sqlparse>=0.6\nnumpy==1.26.4\n' });
    const r = await runCli(['build', root, '--vendor', '--record-hashes', '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(r.code).toBe(3);
    expect(r.json().error.message).toBe('requirements.txt: --record-hashes records the hashes of exact versions, and 1 requirement is not pinned with == (sqlparse>=0.6)');
    expect(r.json().error.hint).toContain('uv pip compile --generate-hashes requirements.txt');
    const no = await runCli(['build', root, '--record-hashes', '--json']);
    expect(no.code).toBe(2);
    expect(no.json().error.message).toMatch(/--record-hashes.*--vendor/);
  });

  describe('a lock of eight packages that pip fetches (a pip setting repro does not read is in play): two pips side by side', () => {
    // pip's trusted-host: repro cannot be sure to pick pip's files, so pip fetches them.
    const pipOnly = { PIP_TRUSTED_HOST: '127.0.0.1' };
    const EIGHT = ['cachetools', 'cloudpickle', 'cycler', 'packaging', 'smmap', 'sqlparse', 'threadpoolctl', 'zipp'];
    let eight: WheelIndex;
    beforeAll(async () => {
      eight = await startWheelIndex(EIGHT);
    });
    afterAll(async () => eight?.close());
    const lockOf = (wrong?: string) => `--index-url ${eight.url}\n${[...eight.wheels.entries()].map(([file, sum]) => {
      const [name, version] = file.split('-');
      return `${name}==${version} \\\n    --hash=sha256:${name === wrong ? 'e'.repeat(64) : sum}`;
    }).join('\n')}\n`;

    it('carries every locked wheel, each checked against its hash, as one pip would', async () => {
      const root = await sqlparseProject(eight.url, sha, { 'requirements.lock.txt': lockOf() });
      const r = await runCli(['build', root, '--vendor', '-o', tempDir(), '--json'], { env: { ...pipOnly, REPRO_CACHE: tempDir() } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('pip fetches the wheels, as repro cannot be sure to pick the ones it would: PIP_TRUSTED_HOST is set');
      expect(r.stderr).toMatch(/--vendor: [234] pips fetch requirements\.lock\.txt side by side/);
      const carried = (r.json().result.vendor.wheels as Array<{ file: string; sha256: string }>).map((w) => [w.file, w.sha256]);
      expect(carried).toEqual([...eight.wheels.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
      expect(carried).toHaveLength(8);
    });

    it('repro\'s own fetch carries the same files as pip\'s: from an index (PEP 503 and 691), a --find-links page without hashes, a --find-links folder', async () => {
      const viaPip = await sqlparseProject(eight.url, sha, { 'requirements.lock.txt': lockOf() });
      const byPip = await runCli(['build', viaPip, '--vendor', '-o', tempDir(), '--json'], { env: { ...pipOnly, REPRO_CACHE: tempDir() } });
      expect(byPip.code, byPip.stderr).toBe(0);
      const expected = byPip.json().result.vendor.wheels;
      expect(expected).toHaveLength(8);
      const json = await startWheelIndex(EIGHT, { json: true });
      const folder = tempDir();
      for (const f of eight.wheels.keys()) await fs.copyFile(path.join(WHEELHOUSE, f), path.join(folder, f));
      const pins = lockOf().split('\n').slice(1).join('\n');
      try {
        for (const [source, head] of [['a PEP 691 index', `--index-url ${json.url}`], ['a find-links page', `--no-index\n--find-links ${eight.links}`], ['a find-links folder', `--no-index\n--find-links ${folder}`]] as const) {
          const root = await sqlparseProject(eight.url, sha, { 'requirements.lock.txt': `${head}\n${pins}` });
          const home = tempDir();
          const r = await runCli(['build', root, '--vendor', '-o', tempDir(), '--json'], { env: { HOME: home, XDG_CONFIG_DIRS: path.join(home, 'none'), PIP_CONFIG_FILE: undefined, PIP_FIND_LINKS: undefined, REPRO_CACHE: tempDir() } });
          expect(r.code, `${source}: ${r.stderr}`).toBe(0);
          expect(r.stderr, source).toMatch(/fetching its 8 wheels from 1 source, 8 at a time/);
          expect(r.json().result.vendor.wheels.map((w: { file: string; sha256: string }) => [w.file, w.sha256]), source).toEqual(expected.map((w: { file: string; sha256: string }) => [w.file, w.sha256]));
        }
      } finally {
        await json.close();
      }
    });

    it('a --find-links folder served by python -m http.server (HTTP/1.0: it closes the connection after each file, while a big wheel is still being written): every wheel arrives whole', async () => {
      // The wheelhouse's wheels (48, 128 MiB: numpy, scipy, matplotlib, ...): Node's fetch threw
      // an uncatchable AssertionError here (nodejs/undici#5360), node:http does not.
      const folder = path.join(WHEELHOUSE);
      const all = readdirSync(folder).filter((f) => f.endsWith('.whl')).sort();
      const sums = new Map(all.map((f) => [f, createHash('sha256').update(readFileSync(path.join(folder, f))).digest('hex')]));
      const server = spawn('/usr/bin/python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '0', '--directory', folder], { stdio: ['ignore', 'pipe', 'ignore'] });
      try {
        const port = await new Promise<number>((resolve, reject) => {
          server.stdout.on('data', (d) => {
            const m = /port (\d+)/.exec(String(d));
            if (m) resolve(Number(m[1]));
          });
          server.on('exit', () => reject(new Error('http.server exited')));
        });
        const pins = all.map((f) => `${f.split('-')[0]}==${f.split('-')[1]} --hash=sha256:${sums.get(f)}`).join('\n');
        const root = await sqlparseProject(eight.url, sha, { 'requirements.lock.txt': `--no-index\n--find-links http://127.0.0.1:${port}/\n${pins}\n` });
        const home = tempDir();
        const r = await runCli(['build', root, '--vendor', '-o', tempDir(), '--json', '--compression', 'none'], { env: { HOME: home, XDG_CONFIG_DIRS: path.join(home, 'none'), PIP_CONFIG_FILE: undefined, PIP_FIND_LINKS: undefined, REPRO_CACHE: tempDir() } });
        expect(r.code, r.stderr.slice(-3000)).toBe(0);
        expect(r.stderr).toMatch(new RegExp(`fetching its ${all.length} wheels from 1 source, 8 at a time`));
        const got = r.json().result.vendor.wheels as Array<{ file: string; sha256: string; size: number }>;
        expect(got.map((w) => [w.file, w.sha256, w.size])).toEqual(all.map((f) => [f, sums.get(f), statSync(path.join(folder, f)).size]));
      } finally {
        server.kill();
      }
    });

    it('attack: one package of one shard served with other bytes than its hash is exit 4 naming it; nothing is written', async () => {
      const root = await sqlparseProject(eight.url, sha, { 'requirements.lock.txt': lockOf('smmap') });
      const out = tempDir();
      const r = await runCli(['build', root, '--vendor', '-o', out, '--json'], { env: { ...pipOnly, REPRO_CACHE: tempDir() } });
      expect(r.code).toBe(4);
      expect(r.json().error).toMatchObject({ code: 'E_INTEGRITY', details: { mismatches: [{ package: 'smmap', expected: ['e'.repeat(64)], got: eight.wheels.get('smmap-5.0.3-py3-none-any.whl') }] } });
      expect(readdirSync(out)).toEqual([]);
    });
  });

  it('a project without a hashed lock: --vendor says how to make one, exit 3', async () => {
    const root = await makeProject({ 'train.py': '', 'requirements.txt': 'sqlparse\n' });
    const r = await runCli(['build', root, '--vendor', '--json']);
    expect(r.code).toBe(3);
    expect(r.json().error.hint).toContain('repro lock');
    expect(existsSync(path.join(root, '.repro', 'bundles'))).toBe(false);
  });
});

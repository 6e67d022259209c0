// repro exec is a trust boundary: a bundle someone else built, and everything its entry point
// leaves behind, is hostile input. Each test is named after an attack, runs the built binary as
// a user would, and fails on the code before the fix (issue 13's findings, numbered).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../../helpers/cli.js';
import { DOCKER_BASE_IMAGE, DOCKER_REASON, SKIP_DOCKER } from '../../helpers/docker.js';
import { assemble, baseSpecs, canonicalPiece, file, manifestFor, resign } from '../../helpers/craft.js';
import { makeProject, tempDir } from '../../helpers/project.js';

const SECRET = 'AKIAZZZZSECRETVALUE0';

/** A repro.yaml project whose main entry point runs `command`, declaring `outputs`. */
function yamlProject(command: string, outputs: unknown[] = ['outputs/metrics.json'], extra: Record<string, string> = {}) {
  const yaml = `name: hostile\nversion: 1.0.0\nentry_points:\n  main:\n    command: ${JSON.stringify(command)}\noutputs: ${JSON.stringify(outputs)}\n`;
  return makeProject({ 'repro.yaml': yaml, ...extra });
}

async function build(root: string, extra: string[] = []) {
  const out = tempDir('repro-built-');
  const r = await runCli(['build', root, '-o', out, '--no-lock', '--json', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return r.json().result.bundle as string;
}

async function exec(bundle: string, args: string[], env: Record<string, string> = {}) {
  const work = tempDir('repro-run-');
  const out = path.join(work, 'run');
  const r = await runCli(['exec', bundle, ...args, '--backend', 'local', '--out', out, '--json'], { env: { REPRO_CACHE: path.join(work, 'cache'), ...env } });
  return { ...r, out, work };
}

describe('exec: nothing from the bundle runs outside the sandbox (finding 1)', () => {
  it("a bundle's .venv/bin/python is never started on the host by the drift check", async () => {
    const marker = path.join(tempDir(), 'leaked');
    const root = await makeProject({
      '.venv/bin/python': { content: `#!/bin/sh\necho "$AWS_SECRET_ACCESS_KEY" > ${marker}\nexec /usr/bin/python3 "$@"\n`, mode: 0o755 },
      'run.sh': 'echo ran\n',
    });
    const bundle = await build(root);
    const r = await exec(bundle, ['run.sh'], { AWS_SECRET_ACCESS_KEY: SECRET });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('exec: declared outputs cannot point outside the project (finding 2)', () => {
  it.each(['../../victim/x', 'outputs/../../victim', '/var/tmp/victim', 'outputs\\..\\..\\x', './outputs/x'])('an output %j is refused at build with exit 3, naming it', async (output) => {
    const root = await yamlProject('echo hi', [output]);
    const r = await runCli(['build', root, '--no-lock', '--json']);
    expect(r.code, r.stdout).toBe(3);
    expect(r.json().error).toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining(JSON.stringify(output)) });
  });

  it('a crafted bundle declaring an output that climbs out never runs (exit 4) and the host file is untouched', async () => {
    const arena = tempDir('repro-arena-');
    const victim = path.join(arena, 'victim');
    await fs.writeFile(victim, 'original\n');
    const doc = manifestFor(baseSpecs());
    doc.project = {
      source: 'repro.yaml', name: 'hostile', version: '0.0.0',
      entryPoints: { main: { name: 'main', command: `echo pwned > ${victim}`, parameters: [] } },
      environment: { python: null, lockfile: null, node: null, systemPackages: [], baseImage: null },
      gpu: null, data: [], outputs: [{ path: '../../../../../../../..' + victim }], env: {},
    };
    const bundle = path.join(arena, 'crafted.repro.tar');
    await fs.writeFile(bundle, await assemble(resign(doc), baseSpecs().map(canonicalPiece)));
    const r = await exec(bundle, ['main']);
    expect(r.code, r.stderr).toBe(4);
    expect(r.json().error).toMatchObject({ code: 'E_UNSAFE_ENTRY', details: { rule: 'output-path' } });
    expect(await fs.readFile(victim, 'utf8')).toBe('original\n');
    expect(existsSync(r.out)).toBe(false);
  });
});

describe('exec: outputs are read without following links or opening special files (findings 3, 4)', () => {
  it('an output that is a link to /proc/self/environ leaks nothing into run.json or --json', async () => {
    const root = await yamlProject('mkdir -p outputs && ln -s /proc/self/environ outputs/metrics.json');
    const r = await exec(await build(root), ['main'], { AWS_SECRET_ACCESS_KEY: SECRET });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(SECRET);
    expect(await fs.readFile(path.join(r.out, 'run.json'), 'utf8')).not.toContain(SECRET);
    expect(r.json().result.outputs[0]).toEqual({ path: 'outputs/metrics.json', size: null, sha256: null, refused: { path: 'outputs/metrics.json', kind: 'symlink' } });
  });

  it("an output directory that is a link to the user's credentials is refused, never read", async () => {
    const home = tempDir('repro-home-');
    await fs.mkdir(path.join(home, '.aws'));
    await fs.writeFile(path.join(home, '.aws', 'metrics.json'), `{"secret":"${SECRET}"}`);
    const root = await yamlProject(`rm -rf outputs && ln -s ${path.join(home, '.aws')} outputs`);
    const r = await exec(await build(root), ['main']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().result.outputs[0].refused).toEqual({ path: 'outputs', kind: 'symlink' });
    expect(await fs.readFile(path.join(r.out, 'run.json'), 'utf8')).not.toContain(SECRET);
  });

  it('a FIFO where an output should be does not hang exec; it is refused as a fifo', async () => {
    const root = await yamlProject('mkdir -p outputs && mkfifo outputs/metrics.json');
    const started = Date.now();
    const r = await exec(await build(root), ['main']);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.json().result.outputs[0].refused).toEqual({ path: 'outputs/metrics.json', kind: 'fifo' });
  });
});

describe('exec: outputs of any size and shape, and missing never reproduces (finding 5)', () => {
  it('two different 2.2 GB models are "different", not "reproduced" (streamed, not read whole)', async () => {
    const cmd = 'mkdir -p outputs && truncate -s 2200M outputs/model.bin && printf "$V" | dd of=outputs/model.bin bs=1 seek=2306867190 conv=notrunc status=none';
    const root = await yamlProject(cmd, ['outputs/model.bin']);
    const first = await exec(await build(root), ['main', '--env', 'V'], { V: 'a' });
    expect(first.code, first.stderr).toBe(0);
    expect(first.json().result.outputs[0]).toMatchObject({ size: 2306867200, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const withRef = await build(root, ['--with-run', first.out]);
    const again = await exec(withRef, ['main', '--expect-reproduced', '--env', 'V'], { V: 'b' });
    expect(again.code, again.stderr).toBe(1);
    expect(again.json().result.reproduced).toMatchObject({ reproduced: false, outputs: [{ path: 'outputs/model.bin', verdict: 'different' }] });
  }, 120_000);

  it('issue 28, finding 1: a run that lost its model is refused as a reference (exit 3, nothing built): missing is never reproduced', async () => {
    const root = await yamlProject('echo no model', ['outputs/model.pkl']);
    const first = await exec(await build(root), ['main']);
    expect(first.json().result.outputs).toEqual([{ path: 'outputs/model.pkl', size: null, sha256: null }]);
    const out = tempDir('repro-built-');
    const refused = await runCli(['build', root, '-o', out, '--no-lock', '--with-run', first.out, '--json']);
    expect(refused.code).toBe(3);
    expect(refused.json().error).toMatchObject({ code: 'E_INPUT', message: 'the reference run did not produce outputs/model.pkl' });
    expect(await fs.readdir(out)).toEqual([]);
  });

  it('a directory output gets a tree digest, and a changed file in it is named', async () => {
    const root = await yamlProject('mkdir -p outputs/ckpt/sub && echo 1 > outputs/ckpt/a && echo "$V" > outputs/ckpt/sub/b', ['outputs/ckpt']);
    const first = await exec(await build(root), ['main', '--env', 'V'], { V: 'x' });
    expect(first.json().result.outputs[0]).toMatchObject({ sha256: expect.stringMatching(/^tree:[0-9a-f]{64}$/), files: [{ path: 'a' }, { path: 'sub/b' }] });
    const withRef = await build(root, ['--with-run', first.out]);
    const same = await exec(withRef, ['main', '--expect-reproduced', '--env', 'V'], { V: 'x' });
    expect(same.code, same.stderr).toBe(0);
    const changed = await exec(withRef, ['main', '--expect-reproduced', '--env', 'V'], { V: 'y' });
    expect(changed.code).toBe(1);
    expect(changed.json().result.reproduced.outputs[0]).toMatchObject({ verdict: 'different', files: [{ path: 'sub/b', change: 'changed' }] });
  });
});

describe('issue 27: hostile input is refused, never a crash (exit 70)', () => {
  it('attack: a file name that is not UTF-8 inside a directory output is refused and recorded, and exec ends normally', async () => {
    const root = await yamlProject('mkdir -p outputs/ckpt && echo 1 > outputs/ckpt/a && python3 -c "import os; os.close(os.open(b\'outputs/ckpt/\\xff\\xfe\', os.O_CREAT | os.O_WRONLY))"', ['outputs/ckpt']);
    const r = await exec(await build(root), ['main']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().result.outputs[0]).toMatchObject({ path: 'outputs/ckpt', refused: { kind: 'name', path: expect.stringContaining('outputs/ckpt/') } });
    expect(JSON.parse(await fs.readFile(path.join(r.out, 'run.json'), 'utf8')).outputs[0].refused.kind).toBe('name');
  });
});

describe('issue 28: outputs detected when nothing is declared are hostile input too', () => {
  it('attack: a file name that is not UTF-8 left by the run is an output refused (kind name), never read, and exec ends normally', async () => {
    const root = await yamlProject('echo 1 > a.txt && python3 -c "import os; os.close(os.open(b\'\\xff\\xfe\', os.O_CREAT | os.O_WRONLY))"', []);
    const r = await exec(await build(root), ['main']);
    expect(r.code, r.stderr).toBe(0);
    const outputs = r.json().result.outputs as Array<{ path: string; refused?: { kind: string } }>;
    expect(outputs.find((o) => o.path === 'a.txt')).toMatchObject({ size: 2 });
    expect(outputs.filter((o) => o.refused?.kind === 'name')).toHaveLength(1);
  });

  it('attack: a link to a host file the run leaves is refused, never followed; .git/config and dotfiles it plants never reach the run directory', async () => {
    const root = await yamlProject('ln -s /etc/shadow leak && mkdir -p .git && echo x > .git/config && echo y > .envrc && echo ok > out.txt', []);
    const r = await exec(await build(root), ['main']);
    expect(r.code, r.stderr).toBe(0);
    const outputs = r.json().result.outputs as Array<{ path: string; refused?: { kind: string } }>;
    expect(outputs.find((o) => o.path === 'leak')?.refused?.kind).toBe('symlink');
    expect(existsSync(path.join(r.out, 'project', 'leak'))).toBe(false);
    expect(await fs.readFile(path.join(r.out, 'project', 'out.txt'), 'utf8')).toBe('ok\n');
    expect(outputs.map((o) => o.path).sort()).toEqual(['leak', 'out.txt']);
    expect(existsSync(path.join(r.out, 'project', '.git'))).toBe(false);
    expect(existsSync(path.join(r.out, 'project', '.envrc'))).toBe(false);
  });
});

describe('issue 27: what the user looks at later is inert (finding 10)', () => {
  it('attack: a .git/config with core.fsmonitor, a .envrc and undeclared files planted by the entry point never reach the run directory; declared outputs do', async () => {
    const marker = path.join(tempDir(), 'fsmonitor-ran');
    const plant = [
      'mkdir -p outputs/ckpt .git',
      `printf '[core]\\n\\tfsmonitor = touch ${marker}\\n' > .git/config`,
      'echo "export PATH=/evil:$PATH" > .envrc',
      'echo secret > undeclared.txt',
      'echo 0.9 > outputs/metrics.json',
      'echo w > outputs/ckpt/weights.bin && chmod 4755 outputs/ckpt/weights.bin',
      'mkdir -p ../.git && cp .git/config ../.git/config 2>/dev/null; true',
    ].join(' && ');
    const root = await yamlProject(plant, ['outputs/metrics.json', 'outputs/ckpt']);
    const r = await exec(await build(root), ['main']);
    expect(r.code, r.stderr).toBe(0);
    const listing = (await fs.readdir(r.out, { recursive: true })).map(String).sort();
    expect(listing).toEqual(['project', 'project/outputs', 'project/outputs/ckpt', 'project/outputs/ckpt/weights.bin', 'project/outputs/metrics.json', 'run.json']);
    expect(await fs.readFile(path.join(r.out, 'project', 'outputs', 'metrics.json'), 'utf8')).toBe('0.9\n');
    // a setuid bit the entry point set does not come with its output
    expect((await fs.stat(path.join(r.out, 'project', 'outputs', 'ckpt', 'weights.bin'))).mode & 0o7777).toBe(0o755);
    // git run where the user looks finds no planted config to obey
    spawnSync('git', ['status'], { cwd: path.join(r.out, 'project'), encoding: 'utf8' });
    expect(existsSync(marker)).toBe(false);
    expect(r.json().result.outputs.map((o: { path: string }) => o.path)).toEqual(['outputs/metrics.json', 'outputs/ckpt']);
  });
});

describe('issue 27: exec always ends (Low)', () => {
  it('attack: under --no-sandbox a setsid grandchild holding stdout does not keep exec waiting', async () => {
    const root = await makeProject({ 'run.sh': 'setsid sleep 30 &\necho started\n' });
    const bundle = await build(root);
    const started = Date.now();
    const r = await exec(bundle, ['run.sh', '--no-sandbox']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('started');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('issue 27: limits on a run (Low)', () => {
  it('attack: an entry point that never ends is stopped at --time-limit (exit 124, recorded), and one that writes without end hits --file-size-limit', async () => {
    const root = await makeProject({ 'forever.sh': 'echo start\nsleep 60\n', 'fill.sh': 'mkdir -p out\nhead -c 3000000 /dev/zero > out/big.bin\necho "status $?"\n' });
    const bundle = await build(root);
    const started = Date.now();
    const r = await exec(bundle, ['forever.sh', '--time-limit', '1s']);
    expect(r.code, r.stderr).toBe(124);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.json().result.resources).toMatchObject({ timeLimitMs: 1000, timedOut: true });
    const f = await exec(bundle, ['fill.sh', '--file-size-limit', '1m']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toMatch(/status (153|1)/); // SIGXFSZ (128+25), or head's own error
    expect(f.json().result.resources).toMatchObject({ fileSizeBytes: 1024 * 1024, timedOut: false });
    // what cannot be enforced locally is said and recorded, never silently dropped
    const m = await exec(bundle, ['fill.sh', '--memory-limit', '1g']);
    expect(m.json().result.resources.notEnforced).toEqual(expect.arrayContaining([expect.stringMatching(/^memory: /)]));
    expect(m.stderr).toContain('a limit was not enforced: memory');
  });
});

describe('issue 27: what repro prints of a bundle is inert', () => {
  it('attack: a bundle named with terminal escapes (clear screen, an OSC 8 link) is printed escaped by verify and exec', async () => {
    const evil = 'iris\u001b[2J\u001b]8;;https://evil.example\u0007x';
    const specs = baseSpecs();
    const doc = manifestFor(specs);
    doc.name = evil;
    doc.project = {
      source: 'repro.yaml', name: evil, version: '0.0.0',
      entryPoints: { main: { name: 'main', command: 'true', parameters: [] } },
      environment: { python: null, lockfile: null, node: null, systemPackages: [], baseImage: null },
      gpu: null, data: [], outputs: [], env: {},
    };
    const bundle = path.join(tempDir('repro-arena-'), 'crafted.repro.tar');
    await fs.writeFile(bundle, await assemble(resign(doc), specs.map(canonicalPiece)));
    const v = await runCli(['verify', bundle]);
    const e = await exec(bundle, ['main']);
    for (const r of [v, { stdout: e.stdout, stderr: e.stderr }]) {
      expect(r.stdout + r.stderr).not.toContain('\u001b');
      expect(r.stdout + r.stderr).not.toContain('\u0007');
    }
    expect(v.stdout + v.stderr).toContain('\\x1b[2J');
  });
});

describe('exec: the cache is checked before each run (finding 7)', () => {
  /** Builds a bundle whose run.sh prints `original`, execs it once (extracting it), returns the cached tree. */
  async function cachedOnce() {
    const root = await makeProject({ 'run.sh': 'echo original\n', 'lib/helper.py': 'X = 1\n' });
    const bundle = await build(root);
    const cache = path.join(tempDir('repro-cache-'), 'cache');
    const run = (n: string) => runCli(['exec', bundle, 'run.sh', '--backend', 'local', '--out', path.join(path.dirname(cache), n)], { env: { REPRO_CACHE: cache } });
    expect((await run('r0')).code).toBe(0);
    const [hex] = (await fs.readdir(path.join(cache, 'bundles'))).filter((n) => !n.startsWith('.'));
    return { bundle, cache, run, tree: path.join(cache, 'bundles', hex!) };
  }

  it.each([
    ['a cached file rewritten after verification', async (t: string) => fs.writeFile(path.join(t, 'project/run.sh'), 'echo tampered\n')],
    ['a cached file swapped for a symlink', async (t: string) => {
      const other = path.join(t, '..', 'evil.sh');
      await fs.writeFile(other, 'echo tampered\n');
      await fs.rm(path.join(t, 'project/run.sh'));
      await fs.symlink(other, path.join(t, 'project/run.sh'));
    }],
    ['a cached file deleted', async (t: string) => fs.rm(path.join(t, 'project/lib/helper.py'))],
    ['a file planted in the cached tree', async (t: string) => fs.writeFile(path.join(t, 'project/sitecustomize.py'), 'print("tampered")\n')],
  ])('%s is not run: exec extracts the bundle again and says so', async (_name, tamper) => {
    const { run, tree } = await cachedOnce();
    await tamper(tree);
    const again = await run('r1');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout + again.stderr).not.toContain('tampered');
    expect(again.stderr).toContain('not reusing the cached copy');
    expect(await fs.readFile(path.join(tree, 'project/run.sh'), 'utf8')).toBe('echo original\n');
    const third = await run('r2'); // repaired: reused without complaint
    expect(third.stderr).toMatch(/verified \(cached at .*tree checked/);
    expect(third.stderr).not.toContain('not reusing');
  });

  it('a cached file rewritten with its size and mtime restored is caught by the hash cache key (ctime)', async () => {
    const { run, tree } = await cachedOnce();
    await new Promise((r) => setTimeout(r, 2200)); // past the racy window: the next check's hashes are trusted later
    expect((await run('warm')).stderr).toMatch(/tree checked/);
    const file = path.join(tree, 'project/run.sh');
    const st = await fs.stat(file);
    await fs.writeFile(file, 'echo tampered\n'); // the same 14 bytes as 'echo original'
    await fs.utimes(file, st.atime, st.mtime);
    const again = await run('r1');
    expect(again.stdout).toContain('original');
    expect(again.stderr).toContain('not reusing the cached copy');
  });

  it('a cache index pointed at another cached bundle is caught: the bundle given is the one that runs', async () => {
    const a = await cachedOnce();
    const other = await makeProject({ 'run.sh': 'echo tampered\n' });
    const otherBundle = await build(other);
    expect((await runCli(['exec', otherBundle, 'run.sh', '--backend', 'local', '--out', path.join(tempDir(), 'o')], { env: { REPRO_CACHE: a.cache } })).code).toBe(0);
    const index = path.join(a.cache, 'index');
    const digests = await Promise.all((await fs.readdir(index)).map(async (n) => [n, (await fs.readFile(path.join(index, n), 'utf8')).trim()] as const));
    const otherDigest = digests.find(([, d]) => d !== `sha256:${path.basename(a.tree)}`)![1];
    for (const [n, d] of digests) if (d === `sha256:${path.basename(a.tree)}`) await fs.writeFile(path.join(index, n), otherDigest);
    const again = await a.run('r1');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('original');
    expect(again.stdout).not.toContain('tampered');
    expect(again.stderr).toContain('the cache index points at another bundle');
  });
});

describe('exec: the local backend is a sandbox, and the bundle never chooses it away (finding 6)', () => {
  it('an entry point that reads host secrets, writes outside its run directory and phones home is confined by bubblewrap', async () => {
    const home = tempDir('repro-home-');
    await fs.mkdir(path.join(home, '.aws'));
    await fs.writeFile(path.join(home, '.aws', 'credentials'), `aws_secret_access_key = ${SECRET}\n`);
    const victim = path.join(tempDir('repro-victim-'), 'victim');
    await fs.writeFile(victim, 'original\n');
    const probe = [
      // English error messages (the odd-locale pass runs under sk_SK, which the sandbox passes on)
      'export LC_ALL=C',
      'mkdir -p outputs',
      `(cat ${home}/.aws/credentials 2>&1; echo "env:$AWS_SECRET_ACCESS_KEY"; echo pwned > ${victim} 2>&1; cat /proc/net/dev | wc -l; touch /usr/pwned 2>&1; echo "home:$HOME") > outputs/metrics.json`,
    ].join(' && ');
    const root = await yamlProject(probe);
    const r = await exec(await build(root), ['main'], { AWS_SECRET_ACCESS_KEY: SECRET, HOME: home });
    expect(r.code, r.stderr).toBe(0);
    const seen = await fs.readFile(path.join(r.out, 'project', 'outputs', 'metrics.json'), 'utf8');
    expect(seen).not.toContain(SECRET); // neither the file under $HOME nor the variable
    expect(seen).toContain('env:\n');
    expect(await fs.readFile(victim, 'utf8')).toBe('original\n');
    expect(seen).toMatch(/Read-only file system/);
    expect(seen).toMatch(/^3$/m); // /proc/net/dev: the header lines and loopback only
    const record = JSON.parse(await fs.readFile(path.join(r.out, 'run.json'), 'utf8'));
    expect(record).toMatchObject({ backend: 'local', sandbox: 'bubblewrap' });
    expect(Object.keys(record.environment)).not.toContain('AWS_SECRET_ACCESS_KEY');
  });

  it('--no-sandbox runs unconfined on purpose, and says so', async () => {
    const root = await makeProject({ 'run.sh': 'echo "home:$HOME"\n' });
    const r = await exec(await build(root), ['run.sh', '--no-sandbox']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('--no-sandbox: the entry point runs unconfined');
    expect(r.json().result).toMatchObject({ sandbox: 'none' });
  });

  it('a bundle without an image recipe, on a machine with no sandbox, is refused unless the user chose local (exit 2)', async () => {
    const root = await makeProject({ 'run.sh': 'echo ran\n' });
    const bundle = await build(root);
    const work = tempDir('repro-run-');
    const bin = path.join(work, 'bin'); // a PATH with sh but no bwrap
    await fs.mkdir(bin);
    for (const tool of ['sh', 'bash', 'python3', 'node', 'git', 'uname']) await fs.symlink(`/usr/bin/${tool}`, path.join(bin, tool)).catch(() => {});
    const env = { REPRO_CACHE: path.join(work, 'cache'), PATH: bin, DOCKER_HOST: 'unix:///nonexistent.sock' };
    const refused = await runCli(['exec', bundle, 'run.sh', '--out', path.join(work, 'r1'), '--json'], { env });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.json().error).toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('no sandbox') });
    expect(existsSync(path.join(work, 'r1'))).toBe(false);
    const chosen = await runCli(['exec', bundle, 'run.sh', '--backend', 'local', '--out', path.join(work, 'r2'), '--json'], { env });
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(chosen.stderr).toContain('runs unconfined, as --backend local asked');
  });
});

describe.skipIf(SKIP_DOCKER)('exec in Docker: no host directory is writable; outputs come back through the archive API (findings 2, 3, 4)', () => {
  async function dockerRun(command: string, outputs: string[], env: Record<string, string> = {}) {
    if (!DOCKER_BASE_IMAGE) throw new Error(`CI has no Docker test environment: ${DOCKER_REASON}`);
    const root = await yamlProject(command, outputs);
    const bundle = await build(root, ['--base-image', DOCKER_BASE_IMAGE]);
    const work = tempDir('repro-drun-');
    const out = path.join(work, 'run');
    const r = await runCli(['exec', bundle, 'main', '--backend', 'docker', '--out', out, '--json'], { env: { REPRO_CACHE: path.join(work, 'cache'), ...env } });
    return { ...r, out };
  }

  it('an entry point that writes to a host path (and climbs out of its outputs) writes only inside its container', async () => {
    const victim = path.join(tempDir('repro-victim-'), 'victim');
    await fs.writeFile(victim, 'original\n');
    const r = await dockerRun(`mkdir -p outputs && echo 0.9 > outputs/metrics.json && (echo pwned > ${victim}; echo pwned > outputs/../../../../${victim}) 2>/dev/null; true`, ['outputs/metrics.json']);
    expect(r.code, r.stderr).toBe(0);
    expect(await fs.readFile(victim, 'utf8')).toBe('original\n');
    expect(r.json().result).toMatchObject({ sandbox: 'docker', outputs: [{ path: 'outputs/metrics.json', size: 4 }] });
    expect(await fs.readFile(path.join(r.out, 'project', 'outputs', 'metrics.json'), 'utf8')).toBe('0.9\n');
  }, 120_000);

  it('a link to /proc/self/environ and a FIFO as outputs come back refused, never read, and exec ends', async () => {
    const r = await dockerRun('mkdir -p outputs && ln -s /proc/self/environ outputs/metrics.json && mkfifo outputs/pipe', ['outputs/metrics.json', 'outputs/pipe'], { AWS_SECRET_ACCESS_KEY: SECRET });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain(SECRET);
    expect(r.json().result.outputs).toEqual([
      { path: 'outputs/metrics.json', size: null, sha256: null, refused: { path: 'outputs/metrics.json', kind: 'symlink' } },
      { path: 'outputs/pipe', size: null, sha256: null, refused: { path: 'outputs/pipe', kind: 'fifo' } },
    ]);
  }, 120_000);
});

describe.skipIf(SKIP_DOCKER)('issue 28, finding 1: in Docker, with nothing declared, what the run created is the outputs', () => {
  async function dockerDetect(command: string) {
    if (!DOCKER_BASE_IMAGE) throw new Error(`CI has no Docker test environment: ${DOCKER_REASON}`);
    const root = await yamlProject(command, []);
    const bundle = await build(root, ['--base-image', DOCKER_BASE_IMAGE]);
    const work = tempDir('repro-ddet-');
    const r = await runCli(['exec', bundle, 'main', '--backend', 'docker', '--out', path.join(work, 'run'), '--json'], { env: { REPRO_CACHE: path.join(work, 'cache') } });
    return r;
  }

  it('the files the entry point created come back through the archive API and are recorded; project files it did not touch are not outputs', async () => {
    const r = await dockerDetect('mkdir -p out && echo 0.9 > out/metrics.json && echo m > model.bin');
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().result).toMatchObject({ sandbox: 'docker', outputsFrom: 'detected' });
    expect(r.json().result.outputs.map((o: { path: string }) => o.path)).toEqual(['model.bin', 'out/metrics.json']);
  }, 120_000);

  it('attack: a link and a FIFO the entry point leaves come back refused, never followed, and exec ends', async () => {
    const r = await dockerDetect('ln -s /proc/self/environ leak && mkfifo pipe');
    expect(r.code, r.stderr).toBe(0);
    const outputs = r.json().result.outputs as Array<{ path: string; refused?: { kind: string } }>;
    expect(outputs.find((o) => o.path === 'leak')?.refused?.kind).toBe('symlink');
    expect(outputs.find((o) => o.path === 'pipe')?.refused?.kind).toBe('fifo');
  }, 120_000);
});

describe('exec always ends', () => {
  it.each([[[] as string[]], [['--no-sandbox']]])('an entry point that ignores SIGTERM cannot keep exec running after Ctrl-C (%j): exit 130 within 5 s, nothing left', async (extra) => {
    const nap = `${31 + Math.random()}`.slice(0, 7); // a unique argument, to look for leftovers
    const root = await makeProject({ 'run.sh': `trap "" TERM INT\necho started\nsleep ${nap}\n` });
    const bundle = await build(root);
    const work = tempDir('repro-int-');
    const child = spawn(process.execPath, [CLI, 'exec', bundle, 'run.sh', '--backend', 'local', ...extra, '--out', path.join(work, 'run')], { env: { ...process.env, REPRO_CACHE: path.join(work, 'cache') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const started = new Promise<void>((resolve) => child.stdout.on('data', (d) => ((out += d), out.includes('started') && resolve())));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await started;
    const t = Date.now();
    child.kill('SIGINT');
    expect(await closed).toBe(130);
    expect(Date.now() - t).toBeLessThan(5_000);
    expect(existsSync(path.join(work, 'run', 'run.json'))).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(spawnSync('pgrep', ['-f', `sleep ${nap}`]).status).toBe(1); // no process of the run is left
  }, 60_000);
});

describe('exec: credentials given with -P never reach the record (finding 8)', () => {
  it('a URL password and a token parameter are redacted in run.json and --json, while the entry point gets them', async () => {
    // An MLproject: undeclared parameters are appended as --name value, as mlflow run does.
    const root = await makeProject({ MLproject: 'name: hostile\nentry_points:\n  main:\n    command: "mkdir -p outputs && echo \\"$0\\" > outputs/metrics.json"\n' });
    const r = await exec(await build(root), ['main', '--output', 'outputs/metrics.json', '-P', 'db=postgres://user:hunter2pw@db.example/x', '-P', `api_token=${SECRET}`]);
    expect(r.code, r.stderr).toBe(0);
    for (const text of [r.stdout, await fs.readFile(path.join(r.out, 'run.json'), 'utf8')]) {
      expect(text).not.toContain('hunter2pw');
      expect(text).not.toContain(SECRET);
    }
    expect(r.json().result.parameters).toEqual({ db: 'postgres://db.example/x', api_token: '[redacted]' });
    expect(r.json().result.command).toContain('--db postgres://db.example/x');
  });
});

describe('exec: names and keys (findings 9, 10)', () => {
  it('a file name that is not NFC is reported loudly at build, with the name the bundle holds', async () => {
    const root = await makeProject({ 'data/cafe\u0301.csv': '1\n', 'run.sh': 'cat data/*.csv\n' });
    const r = await runCli(['build', root, '--no-lock', '-o', tempDir(), '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('is not in Unicode NFC');
    expect(r.json().result.namesNormalized).toEqual([{ source: 'data/cafe\u0301.csv', path: 'data/caf\u00e9.csv' }]);
  });

  it('an undeclared -P key that smuggles shell syntax is a usage error (exit 2); nothing runs', async () => {
    const marker = path.join(tempDir(), 'touched');
    const root = await yamlProject('echo hi');
    const r = await exec(await build(root), ['main', '-P', `a;touch\${IFS}${marker};b=1`]);
    expect(r.code).toBe(2);
    expect(r.json().error.code).toBe('E_USAGE');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('the CLI as a pipeline member, and foreign archives (findings 11, 12)', () => {
  it('a reader that goes away (EPIPE) ends repro quietly: no stack trace, status 141', async () => {
    const root = await makeProject({ 'a.txt': 'x\n' });
    const bundle = await build(root);
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" verify --json "${bundle}" | true; echo "status=\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/EPIPE|node:events|at /);
    expect(r.stderr).toContain('status=141');
  });

  it('verify names an ordinary tarball as "not a repro bundle" (exit 4)', async () => {
    const dir = tempDir();
    await fs.mkdir(path.join(dir, 'd'));
    await fs.writeFile(path.join(dir, 'd', 'a.txt'), 'x\n');
    execFileSync('tar', ['-cf', path.join(dir, 'plain.tar'), '-C', dir, 'd']);
    execFileSync('tar', ['-cf', path.join(dir, 'files.tar'), '-C', dir, 'd/a.txt']);
    for (const tarball of ['plain.tar', 'files.tar']) {
      const r = await runCli(['verify', path.join(dir, tarball), '--json']);
      expect(r.code).toBe(4);
      expect(r.json().error).toMatchObject({ code: 'E_INTEGRITY', message: expect.stringContaining('not a repro bundle'), details: { rule: 'not-a-bundle' } });
    }
  });
});

describe('issue 27: the sandbox is an allowlist, and bwrap itself takes nothing from the bundle', () => {
  it('attack (finding 1): the entry point connects to host unix sockets (listeners the test opens under /run and /var/tmp, as Docker, D-Bus and munge keep theirs): none is reachable', async () => {
    const net = await import('node:net');
    const runDir = await fs.mkdtemp('/run/repro-sock-');
    const varDir = await fs.mkdtemp('/var/tmp/repro-sock-');
    const sockets = [path.join(runDir, 'docker.sock'), path.join(varDir, 'agent.sock')];
    let connections = 0;
    const servers = await Promise.all(sockets.map((s) => new Promise<import('node:net').Server>((resolve) => {
      const server = net.createServer((c) => {
        connections++;
        c.end('HTTP/1.1 200 OK\r\n\r\nhost daemon\n');
      });
      server.listen(s, () => resolve(server));
    })));
    try {
      const py = [
        'import socket, os',
        "os.makedirs('outputs', exist_ok=True)",
        "out = open('outputs/metrics.json', 'w')",
        `for p in ${JSON.stringify(sockets)}:`,
        '    s = socket.socket(socket.AF_UNIX)',
        '    try:',
        "        s.connect(p); out.write('CONNECTED %s %s\\n' % (p, s.recv(100)))",
        '    except OSError as e:',
        "        out.write('refused %s %s\\n' % (p, e.strerror))",
      ].join('\n');
      const root = await yamlProject('python3 probe.py', ['outputs/metrics.json'], { 'probe.py': `${py}\n` });
      const r = await exec(await build(root), ['main']);
      expect(r.code, r.stderr).toBe(0);
      const seen = await fs.readFile(path.join(r.out, 'project', 'outputs', 'metrics.json'), 'utf8');
      expect(seen).not.toContain('CONNECTED');
      expect(seen.match(/^refused /gm)).toHaveLength(2);
      expect(connections).toBe(0);
    } finally {
      for (const s of servers) s.close();
      await fs.rm(runDir, { recursive: true, force: true });
      await fs.rm(varDir, { recursive: true, force: true });
    }
  });

  it('attack (finding 5): as root the entry point finds no host key, no /etc/shadow, no /var/lib and no other run to read', async () => {
    const other = tempDir('repro-other-run-');
    await fs.writeFile(path.join(other, 'batch.sh'), 'secret job\n');
    const root = await yamlProject(`export LC_ALL=C && mkdir -p outputs && (ls /etc/ssh /etc/shadow /var/lib ${other} 2>&1; cat /etc/passwd) > outputs/metrics.json`);
    const r = await exec(await build(root), ['main']);
    expect(r.code, r.stderr).toBe(0);
    const seen = await fs.readFile(path.join(r.out, 'project', 'outputs', 'metrics.json'), 'utf8');
    expect(seen).toMatch(/\/etc\/ssh.*No such file/);
    expect(seen).toMatch(/\/etc\/shadow.*No such file/);
    expect(seen).toMatch(/\/var\/lib.*No such file/);
    expect(seen).not.toContain('batch.sh');
    expect(seen).toMatch(/^root:x:0:0:root:\/tmp:\/bin\/sh$/m); // the generated passwd, not the host's
  });

  it('attack (finding 2): LD_PRELOAD in repro.yaml env is refused at build (exit 3), and a crafted bundle setting it never runs (exit 4)', async () => {
    const marker = path.join(tempDir(), 'preloaded');
    const yaml = `name: preload\nversion: 1.0.0\nentry_points:\n  main:\n    command: "touch ${marker}"\nenv:\n  LD_PRELOAD: ./evil.so\n`;
    const root = await makeProject({ 'repro.yaml': yaml });
    const built = await runCli(['build', root, '-o', tempDir(), '--no-lock', '--json']);
    expect(built.code).toBe(3);
    expect(built.json().error).toMatchObject({ code: 'E_CONFIG', message: expect.stringContaining('env sets LD_PRELOAD') });
    const doc = manifestFor(baseSpecs());
    doc.project = {
      source: 'repro.yaml', name: 'hostile', version: '0.0.0',
      entryPoints: { main: { name: 'main', command: `touch ${marker}`, parameters: [] } },
      environment: { python: null, lockfile: null, node: null, systemPackages: [], baseImage: null },
      gpu: null, data: [], outputs: [], env: { GCONV_PATH: '.', LD_AUDIT: './evil.so' },
    };
    const bundle = path.join(tempDir('repro-arena-'), 'crafted.repro.tar');
    await fs.writeFile(bundle, await assemble(resign(doc), baseSpecs().map(canonicalPiece)));
    const r = await exec(bundle, ['main']);
    expect(r.code, r.stderr).toBe(4);
    expect(r.json().error).toMatchObject({ code: 'E_UNSAFE_ENTRY', details: { variables: ['GCONV_PATH', 'LD_AUDIT'], rule: 'loader-variable' } });
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(r.out)).toBe(false);
  });

  it('attack (finding 6): a -P secret and an --env value are on no process\'s command line while the entry point runs', async () => {
    const token = 'hf_' + 'q'.repeat(34);
    const envSecret = 'env-secret-' + process.pid;
    const root = await makeProject({ 'repro.yaml': 'name: argv\nversion: 1.0.0\nentry_points:\n  main:\n    command: "sleep 3 && echo {token} > /dev/null"\n    parameters:\n      token: {type: string, default: x}\n' });
    const bundle = await build(root);
    const work = tempDir('repro-run-');
    const argv = [CLI, 'exec', bundle, '--backend', 'local', '--out', path.join(work, 'run'), '-P', `token=${token}`, '--env', 'MY_SECRET'];
    const child = spawn(process.execPath, argv, { env: { ...process.env, REPRO_CACHE: path.join(work, 'cache'), MY_SECRET: envSecret }, stdio: 'ignore' });
    // repro's own argv is the user's command line; a process repro forks shows it too until it
    // execs its program (a probe, bwrap). Any other process holding the secret is a leak.
    const own = [process.execPath, ...argv].join(' ');
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    const seen = new Set<string>();
    let sawSleep = false;
    for (let i = 0; i < 40 && child.exitCode === null; i++) {
      for (const pid of await fs.readdir('/proc').catch(() => [] as string[])) {
        if (!/^\d+$/.test(pid) || Number(pid) === process.pid || Number(pid) === child.pid) continue;
        const cmdline = (await fs.readFile(`/proc/${pid}/cmdline`).catch(() => Buffer.alloc(0))).toString().split('\0').join(' ');
        if (cmdline.includes('sleep 3') || cmdline.includes('entry.sh')) sawSleep = true;
        if (cmdline.trim() === own) continue;
        if (cmdline.includes(token) || cmdline.includes(envSecret)) seen.add(cmdline.replace(/^.*\/(\w+) /, '$1 ').slice(0, 120));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await exited).toBe(0);
    expect(sawSleep).toBe(true); // the run was watched while it ran
    expect([...seen]).toEqual([]); // only repro's own argv (the user's) may hold them: it is not a child of the sandbox
  });
});

describe.skipIf(SKIP_DOCKER)('issue 27: limits on a container run (Low)', () => {
  it('attack: a root caller\'s container runs as the image\'s USER (repro\'s images: 65534), never as root over it', async () => {
    const root = await yamlProject('mkdir -p outputs && id -u > outputs/metrics.json', ['outputs/metrics.json']);
    const bundle = await build(root, ['--base-image', DOCKER_BASE_IMAGE!]);
    const work = tempDir('repro-drun-');
    const r = await runCli(['exec', bundle, 'main', '--backend', 'docker', '--out', path.join(work, 'run'), '--json'], { env: { REPRO_CACHE: path.join(work, 'cache') } });
    expect(r.code, r.stderr).toBe(0);
    expect(process.getuid?.()).toBe(0); // the caller here is root
    expect(await fs.readFile(path.join(work, 'run', 'project', 'outputs', 'metrics.json'), 'utf8')).toBe('65534\n');
  }, 180_000);

  it('attack: a container run is bounded: --pids-limit and --memory-limit reach its cgroup, --time-limit stops it (exit 124) and removes it', async () => {
    const probe = 'mkdir -p outputs && (cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max; cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes) > outputs/metrics.json';
    const root = await yamlProject(probe, ['outputs/metrics.json'], { 'forever.sh': 'sleep 60\n' });
    const bundle = await build(root, ['--base-image', DOCKER_BASE_IMAGE!]);
    const work = tempDir('repro-drun-');
    const env = { REPRO_CACHE: path.join(work, 'cache') };
    const r = await runCli(['exec', bundle, 'main', '--backend', 'docker', '--pids-limit', '100', '--memory-limit', '256m', '--out', path.join(work, 'run'), '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect((await fs.readFile(path.join(work, 'run', 'project', 'outputs', 'metrics.json'), 'utf8')).split('\n').slice(0, 2)).toEqual(['100', String(256 * 1024 * 1024)]);
    expect(r.json().result.resources).toMatchObject({ pids: 100, memoryBytes: 256 * 1024 * 1024, notEnforced: [] });
    const started = Date.now();
    const t = await runCli(['exec', bundle, 'forever.sh', '--backend', 'docker', '--time-limit', '2s', '--out', path.join(work, 'run2'), '--json'], { env });
    expect(t.code, t.stderr).toBe(124);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(t.json().result.resources.timedOut).toBe(true);
    expect(execFileSync('docker', ['ps', '-aq', '--filter', `label=io.repro.run=${t.json().result.runId}`]).toString().trim()).toBe('');
  }, 180_000);
});

describe.skipIf(SKIP_DOCKER)('issue 27: what the engine fetches for a bundle (finding 9)', () => {
  it("attack: a crafted bundle whose Dockerfile ADDs a URL (a beacon on this machine) is refused before any build; the engine fetches nothing", async () => {
    const http = await import('node:http');
    let hits = 0;
    const beacon = http.createServer((_req, res) => {
      hits++;
      res.end('beacon\n');
    });
    await new Promise<void>((r) => beacon.listen(0, '127.0.0.1', () => r()));
    const port = (beacon.address() as import('node:net').AddressInfo).port;
    try {
      const dockerfile = `FROM ${DOCKER_BASE_IMAGE}\nADD http://127.0.0.1:${port}/beacon /beacon\nCOPY project /project\nWORKDIR /project\n`;
      const specs = [...baseSpecs(), file('repro.Dockerfile', dockerfile)];
      const doc = manifestFor(specs);
      doc.project = {
        source: 'repro.yaml', name: 'hostile', version: '0.0.0',
        entryPoints: { main: { name: 'main', command: 'python3 train.py', parameters: [] } },
        environment: { python: null, lockfile: null, node: null, systemPackages: [], baseImage: null },
        gpu: null, data: [], outputs: [], env: {},
      };
      const bundle = path.join(tempDir('repro-arena-'), 'crafted.repro.tar');
      await fs.writeFile(bundle, await assemble(resign(doc), specs.map(canonicalPiece)));
      const work = tempDir('repro-drun-');
      const r = await runCli(['exec', bundle, 'main', '--backend', 'docker', '--out', path.join(work, 'run'), '--json'], { env: { REPRO_CACHE: path.join(work, 'cache') } });
      expect(r.code, r.stderr).toBe(4);
      expect(r.json().error).toMatchObject({ code: 'E_UNSAFE_ENTRY', details: { rule: 'dockerfile-fetch' } });
      expect(hits).toBe(0);
    } finally {
      beacon.close();
    }
  }, 120_000);
});

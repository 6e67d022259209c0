// The locked node_modules of a Node project (issue 30): build --vendor carries the npm lock's
// tarballs, each checked against its integrity; exec installs node_modules through arborist (npm
// ci semantics, install scripts never run) from them with the registry gone, caches it, and the
// entry point sees it as the project's node_modules. Without vendored tarballs arborist fetches
// from the registry, checking integrity itself. Tarballs that do not match the lock are refused.
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DOCKER_NODE_IMAGE, DOCKER_REASON, SKIP_DOCKER_NODE } from '../helpers/docker.js';
import { packageLock, startNpmRegistry, type NpmRegistry } from '../helpers/npm-registry.js';
import { makeProject, tempDir } from '../helpers/project.js';
import { SYSTEM_PY } from '../helpers/python-project.js';

const marker = path.join(tempDir(), 'postinstall-ran');
const PACKAGES = [
  { name: 'tiny-ms', version: '2.1.3', files: { 'index.js': 'module.exports = (s) => s * 1000;\n' } },
  {
    name: '@demo/greet',
    version: '1.0.0',
    dependencies: { 'tiny-ms': '2.1.3' },
    files: { 'index.js': "const ms = require('tiny-ms');\nmodule.exports = (who) => `hello ${who} after ${ms(2)} ms`;\n" },
    // An install script that would write on the host: it never runs.
    scripts: { postinstall: `node -e "require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')"` },
  },
];

describe('the locked node_modules', () => {
  let registry: NpmRegistry | null = null;
  afterEach(async () => {
    await registry?.close();
    registry = null;
  });

  async function project(reg: NpmRegistry, extraLock?: (lock: Record<string, unknown>) => void): Promise<string> {
    const deps = { '@demo/greet': '1.0.0', 'tiny-ms': '2.1.3' };
    const lock = JSON.parse(packageLock('node-demo', deps, reg)) as Record<string, unknown>;
    extraLock?.(lock);
    return makeProject({
      'package.json': JSON.stringify({ name: 'node-demo', version: '1.0.0', dependencies: deps }, null, 2),
      'package-lock.json': JSON.stringify(lock, null, 2),
      'repro.yaml': 'name: node-demo\nversion: 1.0.0\nentry_points:\n  main:\n    command: node main.js\n',
      'main.js': "console.log(require('@demo/greet')('repro'));\nconsole.log('tiny-ms', require('tiny-ms')(3));\n",
    });
  }

  it('the image installs node_modules from the bundle\'s tarballs with no network: exec --backend docker with the registry gone', async () => {
    if (!DOCKER_NODE_IMAGE) {
      if (SKIP_DOCKER_NODE) return expect(DOCKER_REASON).toBeTruthy();
      throw new Error(`CI has no Docker test Node image: ${DOCKER_REASON}`);
    }
    registry = await startNpmRegistry(PACKAGES);
    const root = await project(registry);
    const built = await runCli(['build', root, '--vendor', '--base-image', DOCKER_NODE_IMAGE, '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(built.code, built.stderr).toBe(0);
    expect(built.json().result.dockerfile.notes.join('\n')).toContain("with npm ci --offline from the bundle's tarballs (/vendor/node, each checked by npm against the lock's integrity): the image build needs no network");
    await registry.close();
    registry = null;
    // exec builds the image with --network none: only the vendored tarballs can satisfy npm ci.
    const ran = await runCli(['exec', built.json().result.bundle, 'main', '--backend', 'docker', '--out', path.join(tempDir(), 'run'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(ran.code, ran.stderr.slice(-3000)).toBe(0);
    expect(ran.stderr).toContain('hello repro after 2000 ms');
    expect(ran.stderr).toContain('tiny-ms 3000');
  }, 300_000);

  it('build --vendor carries the tarballs; exec installs node_modules from them with the registry gone, no install script runs, then reuses it', async () => {
    registry = await startNpmRegistry(PACKAGES);
    const root = await project(registry);
    const built = await runCli(['build', root, '--vendor', '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(built.code, built.stderr).toBe(0);
    expect(built.json().result.vendorNode).toMatchObject({ lock: 'package-lock.json', tarballs: [{ file: '@demo+greet-1.0.0.tgz', name: '@demo/greet' }, { file: 'tiny-ms-2.1.3.tgz', name: 'tiny-ms' }] });
    expect(built.json().result.vendor).toBeNull();
    await registry.close();
    registry = null;
    const cache = tempDir();
    const first = await runCli(['exec', built.json().result.bundle, 'main', '--backend', 'local', '--out', path.join(tempDir(), 'r1'), '--json'], { env: { REPRO_CACHE: cache } });
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    expect(first.stderr).toMatch(/installing the locked node_modules from package-lock\.json .* \(2 packages, npm ci semantics through arborist, install scripts never run, from the bundle's vendored tarballs, no network\)/);
    expect(first.stderr).toContain('hello repro after 2000 ms');
    expect(first.stderr).toContain('tiny-ms 3000');
    expect(existsSync(marker)).toBe(false);
    // The run's own copy holds no node_modules of its own: it was a read-only mount, not an output.
    expect(first.json().result.outputs).toEqual([]);
    const second = await runCli(['exec', built.json().result.bundle, 'main', '--backend', 'local', '--out', path.join(tempDir(), 'r2'), '--json'], { env: { REPRO_CACHE: cache } });
    expect(second.code, second.stderr.slice(-2000)).toBe(0);
    expect(second.stderr).toMatch(/the locked node_modules sha256:[0-9a-f]{64} from package-lock\.json \(2 packages\), reused, its files checked/);
    // Unconfined (--no-sandbox): the same node_modules, through a link.
    const bare = await runCli(['exec', built.json().result.bundle, 'main', '--backend', 'local', '--no-sandbox', '--out', path.join(tempDir(), 'r3'), '--json'], { env: { REPRO_CACHE: cache } });
    expect(bare.code, bare.stderr.slice(-2000)).toBe(0);
    expect(bare.stderr).toContain('hello repro after 2000 ms');
  });

  it('without vendored tarballs: arborist installs from the registry the lock names', async () => {
    registry = await startNpmRegistry(PACKAGES);
    const root = await project(registry);
    const built = await runCli(['build', root, '--json']);
    const r = await runCli(['exec', built.json().result.bundle, 'main', '--backend', 'local', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toContain('from the registry, each tarball checked against its integrity');
    expect(r.stderr).toContain('hello repro after 2000 ms');
  });

  it('attack: a registry serving other bytes than the lock\'s integrity: build --vendor is exit 4 naming the package; exec from the registry is exit 4 too', async () => {
    registry = await startNpmRegistry(PACKAGES);
    const root = await project(registry);
    const plain = await runCli(['build', root, '--json']);
    registry.tamper('tiny-ms');
    const out = tempDir();
    const r = await runCli(['build', root, '--vendor', '-o', out, '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(r.code).toBe(4);
    expect(r.json().error.message).toMatch(/package-lock\.json: tiny-ms@2\.1\.3: the tarball the registry served does not match the lock \(expected sha512-.*, got sha512-.*\): nothing was written/);
    const ran = await runCli(['exec', plain.json().result.bundle, 'main', '--backend', 'local', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(ran.code, ran.stderr.slice(-2000)).toBe(4);
    expect(ran.stderr).not.toContain('hello repro');
  });

  it('attack: a lock naming a git dependency (no bytes to check) is refused by --vendor, exit 3', async () => {
    registry = await startNpmRegistry(PACKAGES);
    const root = await project(registry, (lock) => {
      (lock.packages as Record<string, unknown>)['node_modules/evil'] = { version: '1.0.0', resolved: 'git+ssh://git@example.com/evil.git#abc', integrity: undefined };
    });
    const r = await runCli(['build', root, '--vendor', '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(r.code).toBe(3);
    expect(r.json().error.message).toContain('package-lock.json: 1 package cannot be vendored and checked by integrity: evil@1.0.0 (git+ssh://example.com/evil.git#abc, no integrity)');
  });

  it('a project whose entry point is not Node (an ML repo with a frontend lock) is not installed: no registry is asked', async () => {
    registry = await startNpmRegistry(PACKAGES);
    const root = await project(registry);
    await fs.writeFile(path.join(root, 'repro.yaml'), 'name: node-demo\nversion: 1.0.0\nentry_points:\n  main:\n    command: echo not node\n');
    const built = await runCli(['build', root, '--json']);
    await registry.close();
    registry = null;
    const r = await runCli(['exec', built.json().result.bundle, 'main', '--backend', 'local', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).not.toContain('node_modules');
  });

  it('attack: a vendored tarball (its integrity in the lock: the bundle author made both) with a ../ member, an absolute one and a symlink out: nothing lands outside its package folder', async () => {
    const dir = tempDir();
    const evil = path.join(dir, 'evil.tgz');
    const outside = path.join(tempDir(), 'escaped.js');
    const make = `import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    def add(name, data):
        ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    add("package/package.json", b'{"name":"evil-tar","version":"1.0.0","main":"index.js"}')
    add("package/index.js", b"module.exports = 'evil loaded'")
    add("package/../../../../../../../../.." + sys.argv[2], b"pwned")
    add(sys.argv[2] + ".abs", b"pwned")
    ln = tarfile.TarInfo("package/out"); ln.type = tarfile.SYMTYPE; ln.linkname = sys.argv[3]; t.addfile(ln)
    add("package/out/through-link.js", b"pwned")
`;
    execFileSync(SYSTEM_PY, ['-c', make, evil, outside, path.dirname(outside)]);
    registry = await startNpmRegistry([{ name: 'evil-tar', version: '1.0.0', files: {}, tarball: readFileSync(evil) }]);
    const lock = packageLock('node-demo', { 'evil-tar': '1.0.0' }, registry);
    const root = await makeProject({
      'package.json': JSON.stringify({ name: 'node-demo', version: '1.0.0', dependencies: { 'evil-tar': '1.0.0' } }),
      'package-lock.json': lock,
      'repro.yaml': 'name: node-demo\nversion: 1.0.0\nentry_points:\n  main:\n    command: node main.js\n',
      'main.js': "console.log(require('evil-tar'));\n",
    });
    const built = await runCli(['build', root, '--vendor', '--json'], { env: { REPRO_CACHE: tempDir() } });
    expect(built.code, built.stderr).toBe(0);
    await registry.close();
    registry = null;
    const cache = tempDir();
    const r = await runCli(['exec', built.json().result.bundle, 'main', '--backend', 'local', '--out', path.join(tempDir(), 'r'), '--json'], { env: { REPRO_CACHE: cache } });
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(`${outside}.abs`)).toBe(false);
    expect(existsSync(path.join(path.dirname(outside), 'through-link.js'))).toBe(false);
    // Whatever arborist kept of the package stays inside the environment's node_modules.
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toContain('evil loaded');
  });
});

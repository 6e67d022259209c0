// The image installs the project's own lock for real: a small wheel made here, served by a
// PEP 503 package index on 127.0.0.1 (no public index is reachable in CI), named in a
// pip-compile style requirements.txt with its sha256, or in a uv.lock. `repro build --image
// --build-network host` runs `pip install --require-hashes` inside the image build; the entry
// point then imports the package. A wheel whose bytes differ from the lock is refused.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { DOCKER_BASE_IMAGE, DOCKER_REASON, SKIP_DOCKER } from '../../helpers/docker.js';
import { makeProject } from '../../helpers/project.js';

/** A pure-Python wheel `reprodemo` whose module says `word`. */
function makeWheel(dir: string, word: string): { file: string; sha256: string } {
  const file = path.join(dir, 'reprodemo-1.0.0-py3-none-any.whl');
  execFileSync('python3', ['-c', `
import base64, hashlib, sys, zipfile
files = {
  'reprodemo/__init__.py': 'WORD = ${JSON.stringify(word)}\\n',
  'reprodemo-1.0.0.dist-info/METADATA': 'Metadata-Version: 2.1\\nName: reprodemo\\nVersion: 1.0.0\\n',
  'reprodemo-1.0.0.dist-info/WHEEL': 'Wheel-Version: 1.0\\nGenerator: repro-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',
}
record = []
with zipfile.ZipFile(sys.argv[1], 'w') as z:
  for name, text in files.items():
    data = text.encode()
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
    z.writestr(info, data)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
    record.append(f'{name},sha256={digest},{len(data)}')
  record.append('reprodemo-1.0.0.dist-info/RECORD,,')
  z.writestr(zipfile.ZipInfo('reprodemo-1.0.0.dist-info/RECORD', date_time=(2000, 1, 1, 0, 0, 0)), '\\n'.join(record) + '\\n')
`, file]);
  return { file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the package index at ${url} did not answer`);
}

const MAIN = 'import reprodemo\nprint("word:", reprodemo.WORD)\n';

describe.skipIf(SKIP_DOCKER)(`the image installs the project's lock with pip --require-hashes (real Docker)${SKIP_DOCKER ? `: skipped, ${DOCKER_REASON}` : ''}`, () => {
  let server: ChildProcess | null = null;
  let index = '';
  let wheel = { file: '', sha256: '' };
  let otherSha = '';
  let indexDir = '';

  beforeAll(async () => {
    // Made here, not with tempDir(): that one is removed after each test, and the index serves them all.
    const root = (indexDir = mkdtempSync(path.join(os.tmpdir(), 'repro-index-')));
    mkdirSync(path.join(root, 'simple', 'reprodemo'), { recursive: true });
    mkdirSync(path.join(root, 'other'));
    wheel = makeWheel(root, 'reproduced');
    otherSha = makeWheel(path.join(root, 'other'), 'tampered').sha256;
    writeFileSync(path.join(root, 'simple', 'reprodemo', 'index.html'), `<!DOCTYPE html><html><body><a href="../../${path.basename(wheel.file)}#sha256=${wheel.sha256}">${path.basename(wheel.file)}</a></body></html>\n`);
    writeFileSync(path.join(root, 'simple', 'index.html'), '<!DOCTYPE html><html><body><a href="reprodemo/">reprodemo</a></body></html>\n');
    const port = await freePort();
    server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', root], { stdio: 'ignore' });
    index = `http://127.0.0.1:${port}/simple/`;
    await waitFor(`${index}reprodemo/`);
  });

  afterAll(() => {
    server?.kill();
    if (indexDir) rmSync(indexDir, { recursive: true, force: true });
  });

  const base = () => {
    if (!DOCKER_BASE_IMAGE) throw new Error(`CI has no Docker test environment: ${DOCKER_REASON}`);
    return DOCKER_BASE_IMAGE;
  };

  async function buildAndRun(files: Record<string, string>) {
    const root = await makeProject({ 'main.py': MAIN, ...files });
    const built = await runCli(['build', root, '--image', '--build-network', 'host', '--base-image', base(), '--json', '--no-progress'], { env: { DOCKER_HOST: undefined } });
    return { root, built };
  }

  it('requirements.txt from pip-compile --generate-hashes: pip installs it in the image build, checked by hash, and the entry point imports it', async () => {
    const { built } = await buildAndRun({ 'requirements.txt': `--index-url ${index}\nreprodemo==1.0.0 \\\n    --hash=sha256:${wheel.sha256}\n` });
    expect(built.code, built.stderr.slice(-3000)).toBe(0);
    const r = built.json().result;
    expect(r.dockerfile.lock).toBe('requirements.txt');
    expect(built.stderr).toContain('--require-hashes -r requirements.txt');
    expect(built.stderr).toMatch(/Successfully installed reprodemo-1\.0\.0/);
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', r.image.tag, 'python3 main.py']).toString();
    expect(out.trim()).toBe('word: reproduced');
  });

  it('uv.lock: exported to a hashed requirements file in the bundle, installed the same way', async () => {
    const uvLock = `version = 1
requires-python = ">=3.8"

[[package]]
name = "demo-app"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "reprodemo" }]

[[package]]
name = "reprodemo"
version = "1.0.0"
source = { registry = "${index}" }
wheels = [{ url = "${index}../reprodemo-1.0.0-py3-none-any.whl", hash = "sha256:${wheel.sha256}", size = 1 }]
`;
    const { root, built } = await buildAndRun({ 'uv.lock': uvLock, 'pyproject.toml': '[project]\nname = "demo-app"\nversion = "0.1.0"\ndependencies = ["reprodemo"]\n' });
    // repro dockerfile -o writes the same Dockerfile and, beside it, the export it installs from.
    const outDir = path.join(root, 'out');
    const df = await runCli(['dockerfile', root, '--base-image', base(), '-o', path.join(outDir, 'Dockerfile'), '--json']);
    expect(df.code, df.stderr).toBe(0);
    expect(df.json().result.lock).toBe('uv.lock');
    expect(readFileSync(path.join(outDir, 'Dockerfile'), 'utf8')).toContain('--require-hashes -r /repro.requirements.txt');
    expect(readFileSync(path.join(outDir, 'repro.requirements.txt'), 'utf8')).toContain(`reprodemo==1.0.0 \\\n    --hash=sha256:${wheel.sha256}`);
    expect(readFileSync(path.join(outDir, 'repro.requirements.txt'), 'utf8')).toContain(`--index-url ${index}`);
    expect(built.code, built.stderr.slice(-3000)).toBe(0);
    const r = built.json().result;
    expect(r.dockerfile.lock).toBe('uv.lock');
    expect(r.dockerfile.notes.join('\n')).toContain('exported with their hashes to repro.requirements.txt');
    expect(built.stderr).toMatch(/Successfully installed reprodemo-1\.0\.0/);
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', r.image.tag, 'python3 main.py']).toString();
    expect(out.trim()).toBe('word: reproduced');
  });

  it('hash mismatch: a wheel whose bytes differ from the hash the lock pins is refused by the image build', async () => {
    const { built } = await buildAndRun({ 'requirements.txt': `--index-url ${index}\nreprodemo==1.0.0 --hash=sha256:${otherSha}\n` });
    expect(built.code).toBe(5);
    expect(built.json().error.message).toMatch(/docker build failed/);
    expect(built.stderr).toMatch(/THESE PACKAGES DO NOT MATCH THE HASHES/);
  });
});

// A registry that wants TLS and a password (Debian's docker-registry with a test CA's
// certificate and an htpasswd file, on loopback): repro trusts it through NODE_EXTRA_CA_CERTS,
// finds the password where docker keeps it ($DOCKER_CONFIG/config.json), never prints it, and
// says where it looked when there is none.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { DOCKER_REASON, SKIP_DOCKER } from '../../helpers/docker.js';
import { makeProject } from '../../helpers/project.js';

const PASSWORD = 'tr0ub4dor-and-3';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts Debian's docker-registry on a free loopback port with these `http:` extras and `auth:` section; waits until it listens. */
async function startRegistry(dir: string, httpExtra: string, auth: string): Promise<{ registry: string; proc: ChildProcess }> {
  const port = await freePort();
  const registry = `127.0.0.1:${port}`;
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'config.yml'), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\nhttp:\n  addr: ${registry}\n${httpExtra}auth:\n${auth}`);
  const proc = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.end(), r(true)));
      s.on('error', () => r(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { registry, proc };
}

describe.skipIf(SKIP_DOCKER)(`a registry with TLS and a password${SKIP_DOCKER ? `: skipped, ${DOCKER_REASON}` : ''}`, () => {
  let dir = '';
  let server: ChildProcess | null = null;
  let registry = '';
  let bundle = '';

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'repro-tls-registry-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=repro test CA');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
    const hash = execFileSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))', PASSWORD]).toString().trim();
    writeFileSync(path.join(dir, 'htpasswd'), `ci:${hash}\n`);
    ({ registry, proc: server } = await startRegistry(dir, `  tls:\n    certificate: ${path.join(dir, 'server.pem')}\n    key: ${path.join(dir, 'server.key')}\n`, `  htpasswd:\n    realm: repro-test\n    path: ${path.join(dir, 'htpasswd')}\n`));
    const root = await makeProject({ 'repro.yaml': 'name: tls\nversion: 1.0.0\nentry_points:\n  main:\n    command: "true"\n' });
    const built = await runCli(['build', root, '-o', path.join(dir, 'out'), '--json', '--no-progress']);
    bundle = built.json().result.bundle;
  });

  afterAll(() => {
    server?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function dockerConfig(auths: object): string {
    const d = mkdtempSync(path.join(dir, 'docker-config-'));
    writeFileSync(path.join(d, 'config.json'), JSON.stringify({ auths }));
    return d;
  }

  it('with the password in docker config.json and the CA trusted: push and pull work over TLS, and the password is never printed', async () => {
    const env = { DOCKER_CONFIG: dockerConfig({ [registry]: { auth: Buffer.from(`ci:${PASSWORD}`).toString('base64') } }), NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem'), REPRO_CACHE: path.join(dir, 'cache') };
    const pushed = await runCli(['push', bundle, `${registry}/team/tls:v1`, '--json'], { env });
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    const pulled = await runCli(['pull', `${registry}/team/tls@${pushed.json().result.digest}`, '-o', path.join(dir, 'pulled'), '--json'], { env });
    expect(pulled.code, pulled.stdout + pulled.stderr).toBe(0);
    expect(readFileSync(pulled.json().result.bundle).equals(readFileSync(bundle))).toBe(true);
    for (const r of [pushed, pulled]) expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('bug: a private base image behind TLS and a password is pinned by repro dockerfile with the credentials push uses', async () => {
    // Before: dockerfile/pin.ts had a registry client of its own (plain HTTP for loopback, no
    // credentials, no CA, 5 s): the image push could reach, dockerfile could not pin.
    const env = { DOCKER_CONFIG: dockerConfig({ [registry]: { auth: Buffer.from(`ci:${PASSWORD}`).toString('base64') } }), NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem'), REPRO_CACHE: path.join(dir, 'cache') };
    const pushed = await runCli(['push', bundle, `${registry}/team/base:1`, '--json'], { env });
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    const root = await makeProject({ 'train.py': 'print(1)\n' });
    const r = await runCli(['dockerfile', root, '--base-image', `${registry}/team/base:1`, '--json'], { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json().result).toMatchObject({ baseImage: `${registry}/team/base:1@${pushed.json().result.digest}`, digestSource: 'registry' });
    expect(r.json().result.dockerfile).toContain(`FROM ${registry}/team/base:1@${pushed.json().result.digest}`);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    const without = await runCli(['dockerfile', root, '--base-image', `${registry}/team/base:1`, '--json'], { env: { ...env, DOCKER_CONFIG: dockerConfig({}) } });
    expect(without.code).toBe(5);
    expect(without.json().error.details.tried.join('\n')).toMatch(/unauthorized/);
  });

  it('without credentials: unauthorized (exit 5), naming the registry and where credentials were looked for', async () => {
    const config = dockerConfig({});
    const r = await runCli(['push', bundle, `${registry}/team/tls:v2`, '--json'], { env: { DOCKER_CONFIG: config, NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem') } });
    expect(r.code).toBe(5);
    expect(r.json().error.message).toContain(`the registry ${registry} refused`);
    expect(r.json().error.hint).toContain(path.join(config, 'config.json'));
  });

  it('a wrong password is refused the same way, and is not printed', async () => {
    const r = await runCli(['pull', `${registry}/team/tls:v1`, '--json'], { env: { DOCKER_CONFIG: dockerConfig({ [registry]: { auth: Buffer.from('ci:not-the-password').toString('base64') } }), NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem') } });
    expect(r.code).toBe(5);
    expect(r.stdout + r.stderr).not.toContain('not-the-password');
  });

  it('a certificate the machine does not trust: no quiet downgrade to plain HTTP; the error names the registry and the fix (exit 5)', async () => {
    const r = await runCli(['pull', `${registry}/team/tls:v1`, '--json'], { env: { DOCKER_CONFIG: dockerConfig({ [registry]: { auth: Buffer.from(`ci:${PASSWORD}`).toString('base64') } }) } });
    expect(r.code).toBe(5);
    expect(r.json().error.message).toContain(registry);
    expect(r.json().error.message).toMatch(/certificate/);
    expect(r.json().error.hint).toContain('NODE_EXTRA_CA_CERTS');
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });
});

describe.skipIf(SKIP_DOCKER)(`a registry with bearer-token auth (a token server the test runs)${SKIP_DOCKER ? `: skipped, ${DOCKER_REASON}` : ''}`, () => {
  let dir = '';
  let registryProc: ChildProcess | null = null;
  let tokenServer: import('node:http').Server | null = null;
  let registry = '';
  let bundle = '';
  const issued: string[] = [];

  beforeAll(async () => {
    const http = await import('node:http');
    const crypto = await import('node:crypto');
    dir = mkdtempSync(path.join(os.tmpdir(), 'repro-token-registry-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'signer.key', '-out', 'signer.pem', '-days', '2', '-subj', '/CN=repro test token signer'], { cwd: dir, stdio: 'pipe' });
    const key = readFileSync(path.join(dir, 'signer.key'));
    const der = new crypto.X509Certificate(readFileSync(path.join(dir, 'signer.pem'))).raw.toString('base64');
    const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');
    // The token server: Basic credentials in, a JWT (RS256, x5c chain) granting what the scope asks.
    tokenServer = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const [user, pass] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
      if (user !== 'ci' || pass !== PASSWORD) {
        res.writeHead(401).end('{"details":"bad credentials"}');
        return;
      }
      const access = url.searchParams.getAll('scope').map((s) => {
        const [type, name, actions] = s.split(':');
        return { type, name, actions: (actions ?? '').split(',') };
      });
      const now = Math.floor(Date.now() / 1000);
      const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c: [der] }));
      const payload = b64url(JSON.stringify({ iss: 'repro-test-issuer', sub: 'ci', aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: crypto.randomUUID(), access }));
      const token = `${header}.${payload}.${b64url(crypto.sign('sha256', Buffer.from(`${header}.${payload}`), key))}`;
      issued.push(token);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
    });
    await new Promise<void>((r) => tokenServer!.listen(0, '127.0.0.1', () => r()));
    const tokenPort = (tokenServer.address() as net.AddressInfo).port;
    ({ registry, proc: registryProc } = await startRegistry(dir, '', `  token:\n    realm: http://127.0.0.1:${tokenPort}/token\n    service: repro-test-registry\n    issuer: repro-test-issuer\n    rootcertbundle: ${path.join(dir, 'signer.pem')}\n`));
    const root = await makeProject({ 'repro.yaml': 'name: tok\nversion: 1.0.0\nentry_points:\n  main:\n    command: "true"\n' });
    bundle = (await runCli(['build', root, '-o', path.join(dir, 'out'), '--json', '--no-progress'])).json().result.bundle;
  });

  afterAll(() => {
    registryProc?.kill();
    tokenServer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers the Bearer challenge with a token from the realm, asked with the credentials from config.json; push and pull work', async () => {
    const config = mkdtempSync(path.join(dir, 'docker-config-'));
    writeFileSync(path.join(config, 'config.json'), JSON.stringify({ auths: { [registry]: { auth: Buffer.from(`ci:${PASSWORD}`).toString('base64') } } }));
    const env = { DOCKER_CONFIG: config, REPRO_CACHE: path.join(dir, 'cache') };
    const pushed = await runCli(['push', bundle, `${registry}/team/tok:v1`, '--json'], { env });
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    expect(issued.length).toBeGreaterThan(0);
    const pulled = await runCli(['pull', `${registry}/team/tok@${pushed.json().result.digest}`, '-o', path.join(dir, 'pulled'), '--json'], { env });
    expect(pulled.code, pulled.stdout + pulled.stderr).toBe(0);
    expect(readFileSync(pulled.json().result.bundle).equals(readFileSync(bundle))).toBe(true);
    for (const r of [pushed, pulled]) {
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      for (const t of issued) expect(r.stdout + r.stderr).not.toContain(t);
    }
  });

  it('without credentials the token server refuses: unauthorized (exit 5), naming where credentials were looked for', async () => {
    const config = mkdtempSync(path.join(dir, 'docker-config-'));
    const r = await runCli(['pull', `${registry}/team/tok:v1`, '--json'], { env: { DOCKER_CONFIG: config } });
    expect(r.code).toBe(5);
    expect(r.json().error.message).toContain('unauthorized');
    expect(r.json().error.hint).toContain(config);
  });
});

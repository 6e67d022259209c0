// Secrets never reach a snapshot: 22 planted forms (environment variables by secret-like name,
// credentials inside URL values, git remotes, index URLs in every lockfile format, an .npmrc
// token), and none of their values may appear in the snapshot file, stdout or stderr.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { git, makeProject, tempDir } from '../helpers/project.js';

const S = {
  github: 'ghp_R3alLook1ngGitHubT0kenValue000000001',
  aws: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY02',
  dbPassword: 'correct-horse-battery-staple-03',
  openai: 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx04',
  hf: 'hf_AbCdEfGhIjKlMnOpQrStUvWxYz05',
  privateKey: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAAS06',
  npmEnv: 'npm_AbCdEfGhIjKlMnOpQrStUvWxYz0007',
  askedByName: 'sauce-recipe-is-secret-08',
  pipIndexUser: 'pipuser09',
  pipIndexPass: 'pip-index-password-10',
  dbUrlPass: 'db-url-password-11',
  gitRemote: 'git-remote-token-12',
  gitlabRemote: 'glpat-GitLabPersonalToken13',
  reqIndex: 'req-index-token-14',
  reqExtra: 'req-extra-index-token-15',
  poetry: 'poetry-source-token-16',
  pipfile: 'pipfile-source-token-17',
  npmResolved: 'npm-resolved-password-18',
  npmrc: 'npm_NpmrcAuthTokenValue00000019',
  pnpm: 'pnpm-tarball-token-20',
  uv: 'uv-registry-token-21',
  authHeader: 'Bearer-abcdef-auth-header-22',
};

describe('secrets are never captured', () => {
  it('none of 22 planted secret values appears in the snapshot, stdout or stderr', async () => {
    const root = await makeProject(
      {
        'train.py': 'print(1)\n',
        'requirements.txt': `--index-url https://ci:${S.reqIndex}@pypi.corp.example/simple\n--extra-index-url https://x:${S.reqExtra}@extra.corp.example/simple\nnumpy==1.26.4\n`,
        'poetry.lock': `[[package]]\nname = "p"\nversion = "1.0"\nfiles = []\n\n[package.source]\ntype = "legacy"\nurl = "https://deploy:${S.poetry}@pkgs.example/simple"\nreference = "corp"\n\n[metadata]\nlock-version = "2.1"\n`,
        'Pipfile.lock': JSON.stringify({ _meta: { sources: [{ name: 'corp', url: `https://u:${S.pipfile}@pkgs.example/simple`, verify_ssl: true }] }, default: { p: { hashes: [], index: 'corp', version: '==1.0' } }, develop: {} }),
        'package.json': JSON.stringify({ name: 'secrets-test', version: '1.0.0', dependencies: { leftpad: '1.0.0' } }),
        'package-lock.json': JSON.stringify({ name: 'secrets-test', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'secrets-test', version: '1.0.0', dependencies: { leftpad: '1.0.0' } }, 'node_modules/leftpad': { version: '1.0.0', resolved: `https://builder:${S.npmResolved}@npm.corp.example/leftpad/-/leftpad-1.0.0.tgz`, integrity: 'sha512-AAAA' } } }),
        '.npmrc': `//npm.corp.example/:_authToken=${S.npmrc}\n`,
        'pnpm-lock.yaml': `lockfileVersion: '9.0'\npackages:\n  leftpad@1.0.0:\n    resolution: {tarball: 'https://t:${S.pnpm}@npm.corp.example/leftpad-1.0.0.tgz'}\n`,
        'uv.lock': `version = 1\nrevision = 3\n\n[[package]]\nname = "p"\nversion = "1.0"\nsource = { registry = "https://u:${S.uv}@pkgs.example/simple" }\n`,
      },
      { git: true },
    );
    git(root, 'remote', 'add', 'origin', `https://ci-user:${S.gitRemote}@github.com/acme/model.git`);
    git(root, 'remote', 'add', 'mirror', `https://oauth2:${S.gitlabRemote}@gitlab.com/acme/model.git`);
    const out = path.join(root, 'snap.json');
    const run = await runCli(
      ['snapshot', root, '-o', out, '--no-import', '--json', '--env', 'SECRET_SAUCE', 'PIP_INDEX_URL', 'DATABASE_URL', 'AUTH_HEADER', 'GITHUB_TOKEN'],
      {
        env: {
          GITHUB_TOKEN: S.github,
          AWS_SECRET_ACCESS_KEY: S.aws,
          DB_PASSWORD: S.dbPassword,
          OPENAI_API_KEY: S.openai,
          HF_TOKEN: S.hf,
          MY_PRIVATE_KEY: S.privateKey,
          NPM_TOKEN: S.npmEnv,
          SECRET_SAUCE: S.askedByName,
          PIP_INDEX_URL: `https://${S.pipIndexUser}:${S.pipIndexPass}@pypi.corp.example/simple`,
          DATABASE_URL: `postgres://admin:${S.dbUrlPass}@db.example/ml`,
          AUTH_HEADER: S.authHeader,
        },
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const file = await fs.readFile(out, 'utf8');
    const everything = `${file}\n${run.stdout}\n${run.stderr}`;
    const leaked = Object.entries(S).filter(([, value]) => everything.includes(value)).map(([form]) => form);
    expect(leaked).toEqual([]);
    // What was asked for is recorded as present-and-redacted, not silently dropped.
    const env = JSON.parse(file).identity.env;
    for (const name of ['SECRET_SAUCE', 'PIP_INDEX_URL', 'DATABASE_URL', 'AUTH_HEADER', 'GITHUB_TOKEN']) expect(env[name]).toEqual({ redacted: true });
    expect(JSON.parse(file).identity.git.remotes).toEqual({ mirror: 'https://gitlab.com/acme/model.git', origin: 'https://github.com/acme/model.git' });
  });
});

/** Every file under `dir` (recursively, symlinks not followed), as text. */
async function allFiles(dir: string, skip: Set<string> = new Set()): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (skip.has(p)) continue;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push([p, (await fs.readFile(p)).toString('latin1')]);
    }
  };
  await walk(dir);
  return out;
}

const T = {
  envToken: 'ghp_Pipeline0GitHubTokenValue0000000001',
  hfToken: 'hf_PipelineHuggingFaceToken00000002',
  gitRemote: 'pipeline-git-remote-token-03',
  reqIndex: 'pipeline-req-index-token-04',
  reqExtra: 'pipeline-req-extra-token-05',
  npmrcToken: 'npm_PipelineNpmrcAuthToken00000006',
  npmrcAuth: 'cGlwZWxpbmU6bnBtcGFzczA3', // base64 of user:password, as npm's _auth holds it
  pipConf: 'pipeline-pip-conf-password-08',
  pypirc: 'pipeline-pypirc-password-09',
  dockerAuth: 'cGlwZWxpbmU6ZG9ja2VycGFzczEw', // "pipeline:dockerpass10" as docker's config.json holds it
  dockerAuthEnv: 'pipeline-docker-auth-config-11',
  yarnToken: 'pipeline-yarn-npm-auth-token-12',
};

describe('secrets never leave: the whole pipeline', () => {
  it('snapshot, build --with-run, verify, exec: no planted secret in any file written, the bundle, or any stream', async () => {
    const home = tempDir('repro-home-');
    await fs.mkdir(path.join(home, '.docker'));
    await fs.writeFile(path.join(home, '.docker', 'config.json'), JSON.stringify({ auths: { '127.0.0.1:5000': { auth: T.dockerAuth } } }));
    const planted = {
      'train.py': 'import os, json\nos.makedirs("out", exist_ok=True)\njson.dump({"ok": 1}, open("out/m.json", "w"))\n',
      'repro.yaml': 'name: pipeline\nversion: 1.0.0\nentry_points:\n  main:\n    command: python3 train.py\noutputs:\n  - out/m.json\n',
      'requirements.txt': `--index-url https://ci:${T.reqIndex}@pypi.corp.example/simple\n--extra-index-url https://x:${T.reqExtra}@extra.corp.example/simple\nnumpy==1.26.4\n`,
      '.npmrc': `//npm.corp.example/:_authToken=${T.npmrcToken}\n_auth=${T.npmrcAuth}\nregistry=https://npm.corp.example/\n`,
      'pip.conf': `[global]\nindex-url = https://deploy:${T.pipConf}@pypi.corp.example/simple\n`,
      '.pypirc': `[pypi]\nusername = __token__\npassword = ${T.pypirc}\n`,
      '.yarnrc.yml': `npmRegistryServer: "https://npm.corp.example"\nnpmAuthToken: "${T.yarnToken}"\n`,
    };
    const root = await makeProject(planted, { git: true });
    git(root, 'remote', 'add', 'origin', `https://ci:${T.gitRemote}@github.com/acme/model.git`);
    const work = tempDir('repro-pipeline-');
    const env = { HOME: home, REPRO_CACHE: path.join(work, 'cache'), GITHUB_TOKEN: T.envToken, HF_TOKEN: T.hfToken, DOCKER_AUTH_CONFIG: T.dockerAuthEnv };
    const streams: string[] = [];
    const cli = async (args: string[]) => {
      const r = await runCli(args, { env, cwd: work });
      streams.push(r.stdout, r.stderr);
      expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
      return r;
    };
    await cli(['snapshot', root, '--no-import', '--env', 'GITHUB_TOKEN', 'HF_TOKEN', 'DOCKER_AUTH_CONFIG']);
    await cli(['exec', (await cli(['build', root, '-o', path.join(work, 'b0'), '--json'])).json().result.bundle, '--backend', 'local', '--out', path.join(work, 'ref')]);
    const built = await cli(['build', root, '-o', path.join(work, 'b1'), '--with-run', path.join(work, 'ref'), '--verify', '--no-lock', '--json']);
    const r = built.json().result;
    expect(r.credentialsRemoved.map((c: { path: string }) => c.path).sort()).toEqual(['.npmrc', '.pypirc', '.yarnrc.yml', 'pip.conf', 'requirements.txt']);
    await cli(['verify', r.bundle, '--json']);
    await cli(['exec', r.bundle, '--backend', 'local', '--out', path.join(work, 'rerun'), '--expect-reproduced', '--json']);
    const diff = await runCli(['diff', path.join(root, 'repro.snapshot.json'), r.bundle, '--json'], { env, cwd: work });
    streams.push(diff.stdout, diff.stderr);
    expect([0, 1]).toContain(diff.code);

    const sources = new Set(Object.keys(planted).map((f) => path.join(root, f)));
    const files = [...(await allFiles(root, new Set([...sources, path.join(root, '.git')]))), ...(await allFiles(work))];
    const tar = zlib.zstdDecompressSync(await fs.readFile(r.bundle)).toString('latin1');
    const haystacks: Array<[string, string]> = [...files, ['bundle (uncompressed tar)', tar], ...streams.map((t, i) => [`stream ${i}`, t] as [string, string])];
    const leaks = Object.entries(T).flatMap(([form, value]) => haystacks.filter(([, text]) => text.includes(value)).map(([where]) => `${form} in ${where}`));
    expect(leaks).toEqual([]);
    expect(files.length).toBeGreaterThan(8); // snapshot, lock, bundles, run records, cache...
    // The bundle still carries the files, credentials cut, so they install with NPM_TOKEN set.
    expect(tar).toContain('//npm.corp.example/:_authToken=${NPM_TOKEN}');
    expect(tar).toContain('--index-url https://pypi.corp.example/simple');
  });
});

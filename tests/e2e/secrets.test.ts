// Secrets never reach a snapshot: 22 planted forms (environment variables by secret-like name,
// credentials inside URL values, git remotes, index URLs in every lockfile format, an .npmrc
// token), and none of their values may appear in the snapshot file, stdout or stderr.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { git, makeProject } from '../helpers/project.js';

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

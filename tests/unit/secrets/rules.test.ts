// Every form the credential rules catch, and every look-alike they must keep, in one table per
// rule. A rule changed in src/secrets/rules.ts changes snapshots, lockfile records, bundled
// config copies and run records alike; this table is where that change shows.
import { describe, expect, it } from 'vitest';
import { cutUrlUserInfo, isSecretName, looksLikeCredential, stripCredentials } from '../../../src/secrets/rules.js';
import { scrubCredentials } from '../../../src/secrets/files.js';
import { scrubSecrets, REDACTED } from '../../../src/secrets/values.js';

describe('URL user-info: caught', () => {
  it.each([
    ['https://user:pass@host/x', 'https://host/x', 1],
    ['https://TOKEN@host/x', 'https://host/x', 1],
    ['git+https://u:p@github.com/o/r.git', 'git+https://github.com/o/r.git', 1],
    ['ssh://git@host:22/r', 'ssh://host:22/r', 1],
    ['--index-url https://u:p@a.example/simple', '--index-url https://a.example/simple', 1],
    ['"https://u:p@host/x"', '"https://host/x"', 1],
    ["'https://u:p@host/x'", "'https://host/x'", 1],
    ['HTTPS://U:P@HOST/', 'HTTPS://HOST/', 1],
    ['https://u:p@ss@host/x', 'https://host/x', 1], // unencoded @ in the password: cut whole
    ['https://u:p#ss@host/x', 'https://host/x', 1], // unencoded # in the password
    ['https://u:p?ss@host/x', 'https://host/x', 1], // unencoded ? in the password
    ['https://u:%40p@host', 'https://host', 1],
    ['a https://u:p@x/ b http://t@y/', 'a https://x/ b http://y/', 2],
    ['https://u:p@host', 'https://host', 1], // no path
  ])('%s', (input, output, removed) => {
    expect(cutUrlUserInfo(input)).toEqual({ text: output, removed });
    expect(stripCredentials(input)).toBe(output);
    expect(looksLikeCredential(input)).toBe(true);
  });
});

describe('URL user-info: look-alikes kept', () => {
  it.each([
    'https://host/path@v1.2',           // @ in the path
    'https://host/x?email=a@b.example', // @ in the query, after the path
    'git@github.com:o/r.git',           // scp-like remote: the user is not a secret
    'user@example.com',                 // a mail address
    'pkg @ https://host/pkg.whl',       // PEP 508 direct reference
    'https://host:8443/x',
    'numpy==1.26.4 --hash=sha256:abcd',
    '"https://host/a" "b@c"',           // a quote ends the URL
    'https://host a@b',                 // whitespace ends the URL
  ])('%s', (input) => {
    expect(cutUrlUserInfo(input)).toEqual({ text: input, removed: 0 });
    expect(looksLikeCredential(input)).toBe(false);
  });
});

describe('secret environment variable names', () => {
  it.each([
    'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'HF_TOKEN', 'NPM_TOKEN', 'DB_PASSWORD', 'PGPASSWD', 'GPG_PASSPHRASE',
    'API_KEY', 'OPENAI_APIKEY', 'SSH_KEY', 'KEY', 'PRIVATE_KEY_PATH', 'GOOGLE_APPLICATION_CREDENTIALS', 'AUTH',
    'BASIC_AUTH_HEADER', 'SESSION_ID', 'COOKIE_JAR', 'REQUEST_SIGNATURE', 'GITLAB_PAT', 'SENTRY_DSN',
    'DB_CONNECTION_STRING', 'PG_CONNSTR', 'wandb_api_key',
  ])('%s is secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });
  it.each([
    'PATH', 'HOME', 'CUDA_VISIBLE_DEVICES', 'PYTHONHASHSEED', 'CUBLAS_WORKSPACE_CONFIG', 'OMP_NUM_THREADS',
    'KEYBOARD', 'MONKEY_MODE', 'PATCH_LEVEL', 'LANG', 'TZ', 'SOURCE_DATE_EPOCH',
  ])('%s is not', (name) => {
    expect(isSecretName(name)).toBe(false);
  });
  // Caught on the safe side: a prefix rule (AUTH, AUTHORIZATION) cannot tell these apart.
  it.each(['AUTHOR', 'GIT_AUTHOR_NAME', 'AUTHORIZATION'])('%s is treated as secret (prefix AUTH)', (name) => {
    expect(isSecretName(name)).toBe(true);
  });
});

describe('token shapes under innocent names', () => {
  const t20 = 'A1b2C3d4E5f6G7h8I9j0';
  it.each([
    `ghp_${t20}`, `gho_${t20}`, `ghs_${t20}`, `glpat-${t20}`, 'xoxb-1234567890-abc', 'AKIAIOSFODNN7EXAMPLE',
    `hf_${t20}`, `sk-${t20}`, `npm_${t20}`, `prefix ghp_${t20} suffix`,
  ])('%s is caught', (value) => {
    expect(looksLikeCredential(value)).toBe(true);
  });
  it.each(['ghp_short', 'sk-1', 'AKIA123', 'hf_tiny', 'npm_install', 'risk-assessment-2024-report', 'main'])('%s is kept', (value) => {
    expect(looksLikeCredential(value)).toBe(false);
  });
});

describe('config lines in bundled copies', () => {
  it.each([
    ['.npmrc', '//r.example/:_authToken=npm_abc', '//r.example/:_authToken=${NPM_TOKEN}'],
    ['.npmrc', '_auth = "dXNlcjpw"', '_auth = "REDACTED-BY-REPRO"'],
    ['.npmrc', '_password=cGFzcw==', '_password=REDACTED-BY-REPRO'],
    ['.yarnrc.yml', 'npmAuthToken: "abc"', 'npmAuthToken: "${NPM_TOKEN}"'],
    ['.yarnrc.yml', "npmAuthIdent: 'u:p'", "npmAuthIdent: 'REDACTED-BY-REPRO'"],
    ['.pypirc', 'password = pypi-XYZ', 'password = REDACTED-BY-REPRO'],
    ['pip.conf', 'token: abc', 'token: REDACTED-BY-REPRO'],
    ['.condarc', 'api_key: abc', 'api_key: REDACTED-BY-REPRO'],
    ['.netrc', 'machine h login u password s3cret', 'machine h login u password REDACTED-BY-REPRO'],
    ['requirements.txt', '--extra-index-url https://tok@b.example/s', '--extra-index-url https://b.example/s'],
  ])('%s: %s', (file, line, cut) => {
    const r = scrubCredentials(file, line);
    expect(r.text).toBe(cut);
    expect(r.removed).toBe(1);
  });
  it.each([
    ['.npmrc', '//r.example/:_authToken=${NPM_TOKEN}'],
    ['.npmrc', 'registry=https://r.example/'],
    ['.npmrc', 'always-auth=true'],
    ['.yarnrc.yml', 'npmAuthToken: "${NPM_TOKEN}"'],
    ['.pypirc', 'username = __token__'],
    ['.pypirc', 'password = REDACTED-BY-REPRO'],
    ['.netrc', 'machine h login u'],
    ['pyproject.toml', 'authors = ["A <a@b.example>"]'],
    ['requirements.txt', 'numpy==1.26.4'],
  ])('%s: %s is kept', (file, line) => {
    expect(scrubCredentials(file, line)).toEqual({ text: line, removed: 0 });
  });
});

describe('secret values anywhere in a record', () => {
  it('replaces the value of every secret-named variable (6 characters or more) and cuts URL user-info', () => {
    const env = { HF_TOKEN: 'hf-secret-value', SHORT_KEY: 'abc', HOME: '/root' };
    const record = { note: 'used hf-secret-value at https://u:p@host/x', home: '/root', [`k-hf-secret-value`]: ['abc'] };
    expect(scrubSecrets(record, env)).toEqual({ note: `used ${REDACTED} at https://host/x`, home: '/root', [`k-${REDACTED}`]: ['abc'] });
  });
});

import { describe, expect, it } from 'vitest';
import { carriesCredentials, identityBytes, scrubCredentials } from '../../../src/secrets/files.js';

describe('carriesCredentials', () => {
  it.each(['.npmrc', 'sub/.npmrc', 'requirements.txt', 'requirements-dev.in', 'constraints.txt', 'pip.conf', '.pypirc', 'poetry.lock', 'package-lock.json', '.yarnrc.yml', 'environment.yml', '.netrc'])('%s: yes', (p) => {
    expect(carriesCredentials(p)).toBe(true);
  });
  it.each(['train.py', 'repro.yaml', 'MLproject', 'data/requirements.csv', 'README.md'])('%s: no', (p) => {
    expect(carriesCredentials(p)).toBe(false);
  });
});

describe('scrubCredentials', () => {
  it('cuts user-info from URLs anywhere in a line, and counts each', () => {
    const r = scrubCredentials('requirements.txt', '--index-url https://u:p@a.example/simple\n--extra-index-url https://tok@b.example/s\nx==1\n');
    expect(r).toEqual({ text: '--index-url https://a.example/simple\n--extra-index-url https://b.example/s\nx==1\n', removed: 2 });
  });

  it('replaces npm and yarn tokens with ${NPM_TOKEN}, other secrets with a marker, quotes kept', () => {
    const npmrc = scrubCredentials('.npmrc', '//r.example/:_authToken=npm_abc\n_auth = "dXNlcjpw"\n_password=cGFzcw==\nregistry=https://r.example/\n');
    expect(npmrc.text).toBe('//r.example/:_authToken=${NPM_TOKEN}\n_auth = "REDACTED-BY-REPRO"\n_password=REDACTED-BY-REPRO\nregistry=https://r.example/\n');
    expect(npmrc.removed).toBe(3);
    expect(scrubCredentials('.yarnrc.yml', 'npmAuthToken: "abc"\n').text).toBe('npmAuthToken: "${NPM_TOKEN}"\n');
    expect(scrubCredentials('.pypirc', '[pypi]\npassword = pypi-XYZ\n').text).toBe('[pypi]\npassword = REDACTED-BY-REPRO\n');
    expect(scrubCredentials('.netrc', 'machine h login u password s3cret\n').text).toBe('machine h login u password REDACTED-BY-REPRO\n');
  });

  it('leaves placeholders, plain config and files without credentials alone (idempotent)', () => {
    const clean = '//r.example/:_authToken=${NPM_TOKEN}\nregistry=https://r.example/\n';
    expect(scrubCredentials('.npmrc', clean)).toEqual({ text: clean, removed: 0 });
    const once = scrubCredentials('.npmrc', '_authToken=abc\n').text;
    expect(scrubCredentials('.npmrc', once)).toEqual({ text: once, removed: 0 });
  });
});

describe('identityBytes', () => {
  it('is the scrubbed text for credential-bearing files, the bytes as they are otherwise', () => {
    expect(identityBytes('requirements.txt', Buffer.from('--index-url https://u:p@a/s\n')).toString()).toBe('--index-url https://a/s\n');
    const bin = Buffer.from([0xff, 0xfe, 0x40]);
    expect(identityBytes('requirements.txt', bin)).toBe(bin);
    const plain = Buffer.from('https://u:p@a/s');
    expect(identityBytes('train.py', plain)).toBe(plain);
  });
});

// DSSE envelopes: the pre-authentication encoding as the spec defines it, signatures made with
// ECDSA P-256 and Ed25519 keys that Debian's openssl verifies on its own, and envelopes changed
// in one byte that no longer verify.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEnvelope, pae, signEnvelope, verifyEnvelope } from '../../../src/attestation/dsse.js';
import { keyIdOf, loadPublicKey, loadSigningKey } from '../../../src/attestation/keys.js';
import { tempDir } from '../../helpers/project.js';

function keyFile(kind: 'ed25519' | 'p256' | 'p384' | 'rsa'): string {
  const dir = tempDir('repro-keys-');
  const pair = kind === 'ed25519' ? generateKeyPairSync('ed25519') : kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: kind === 'p256' ? 'prime256v1' : 'secp384r1' });
  const file = path.join(dir, 'key.pem');
  writeFileSync(file, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(path.join(dir, 'key.pub.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return file;
}

describe('PAE', () => {
  it('is the spec\'s encoding (DSSE protocol.md test vector)', () => {
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('counts bytes, not characters', () => {
    expect(pae('t', Buffer.from('ü')).toString()).toBe('DSSEv1 1 t 2 ü');
  });
});

describe.each(['ed25519', 'p256'] as const)('a %s key', (kind) => {
  const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}\n');

  it('signs an envelope that openssl verifies with the public key alone', async () => {
    const file = keyFile(kind);
    const key = await loadSigningKey(file, '/', {});
    const env = signEnvelope('application/vnd.in-toto+json', payload, key);
    expect(isEnvelope(env)).toBe(true);
    expect(env.signatures[0]!.keyid).toBe(keyIdOf(key.publicKey));
    const dir = path.dirname(file);
    writeFileSync(path.join(dir, 'pae.bin'), pae(env.payloadType, Buffer.from(env.payload, 'base64')));
    writeFileSync(path.join(dir, 'sig.bin'), Buffer.from(env.signatures[0]!.sig, 'base64'));
    const args = kind === 'ed25519'
      ? ['pkeyutl', '-verify', '-pubin', '-inkey', 'key.pub.pem', '-rawin', '-in', 'pae.bin', '-sigfile', 'sig.bin']
      : ['dgst', '-sha256', '-verify', 'key.pub.pem', '-signature', 'sig.bin', 'pae.bin'];
    expect(execFileSync('openssl', args, { cwd: dir, encoding: 'utf8' })).toMatch(/Verified OK|Signature Verified Successfully/);
    // and openssl refuses the same signature over a payload changed in one byte
    const changed = Buffer.from(payload);
    changed[5] ^= 1;
    writeFileSync(path.join(dir, 'pae.bin'), pae(env.payloadType, changed));
    expect(() => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })).toThrow();
  });

  it('verifies with its public key; not after one byte of payload, type or signature changes; not with another key', async () => {
    const file = keyFile(kind);
    const key = await loadSigningKey(file, '/', {});
    const pub = await loadPublicKey(path.join(path.dirname(file), 'key.pub.pem'), '/', {});
    const env = signEnvelope('application/vnd.in-toto+json', payload, key);
    expect(verifyEnvelope(env, pub)).not.toBeNull();
    const p = Buffer.from(env.payload, 'base64');
    p[3] ^= 1;
    expect(verifyEnvelope({ ...env, payload: p.toString('base64') }, pub)).toBeNull();
    expect(verifyEnvelope({ ...env, payloadType: 'application/vnd.in-toto+jsoN' }, pub)).toBeNull();
    const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
    sig[sig.length - 1] ^= 1;
    expect(verifyEnvelope({ ...env, signatures: [{ keyid: key.keyid, sig: sig.toString('base64') }] }, pub)).toBeNull();
    const other = await loadPublicKey(keyFile(kind), '/', {});
    expect(verifyEnvelope(env, other)).toBeNull();
  });
});

describe('keys', () => {
  it('reads a key from an environment variable (env:NAME), for CI secrets', async () => {
    const file = keyFile('ed25519');
    const pem = execFileSync('cat', [file], { encoding: 'utf8' });
    expect((await loadSigningKey('env:SIGNING_KEY', '/', { SIGNING_KEY: pem })).kind).toBe('ed25519');
    await expect(loadSigningKey('env:SIGNING_KEY', '/', {})).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('SIGNING_KEY is not set') });
  });

  it.each(['p384', 'rsa'] as const)('refuses a %s key, naming what it is and what repro signs with', async (kind) => {
    await expect(loadSigningKey(keyFile(kind), '/', {})).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringMatching(/ECDSA P-256 or Ed25519/) });
  });

  it('never quotes the key text in an error', async () => {
    const secret = '-----BEGIN PRIVATE KEY-----\nnot-really-a-key-but-secret\n-----END PRIVATE KEY-----\n';
    const err = await loadSigningKey('env:K', '/', { K: secret }).catch((e) => e);
    expect(err.code).toBe('E_INPUT');
    expect(JSON.stringify({ m: err.message, d: err.details, h: err.hint })).not.toContain('not-really-a-key');
  });
});

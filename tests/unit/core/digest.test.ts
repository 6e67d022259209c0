// The one digest grammar (core/digest.ts): what it accepts, what it refuses, and the one hasher.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hexOf, isSha256Digest, PINNED_IMAGE, sha256Digest, SHA256_HEX } from '../../../src/core/digest.js';

const HEX = 'ab'.repeat(32);

describe('the digest grammar', () => {
  it.each([
    [`sha256:${HEX}`, true],
    [`sha256:${HEX.toUpperCase()}`, false],
    [`sha256:${HEX}0`, false],
    [`sha512:${HEX}`, false],
    [`sha256:${HEX}\n`, false],
    [` sha256:${HEX}`, false],
    [HEX, false],
    [42, false],
  ])('%s -> %s', (value, ok) => {
    expect(isSha256Digest(value)).toBe(ok);
  });

  it('a manifest sha256 is the hex alone', () => {
    expect(SHA256_HEX.test(HEX)).toBe(true);
    expect(SHA256_HEX.test(`sha256:${HEX}`)).toBe(false);
  });

  it('a pinned image ends in @sha256:<hex>, captured', () => {
    expect(PINNED_IMAGE.exec(`python:3.11@sha256:${HEX}`)?.[1]).toBe(HEX);
    expect(PINNED_IMAGE.test(`python:3.11@sha256:${HEX} `)).toBe(false);
  });

  it('sha256Digest hashes its parts as one; hexOf drops the prefix', () => {
    const want = `sha256:${createHash('sha256').update('abc').digest('hex')}`;
    expect(sha256Digest('a', Buffer.from('b'), new Uint8Array([0x63]))).toBe(want);
    expect(hexOf(want)).toBe(want.slice(7));
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha512Integrity, StreamHasher } from '../../../src/core/stream-hasher.js';

describe('StreamHasher', () => {
  it('gives the digests of the whole stream, in order, whatever the chunking', async () => {
    const data = randomBytes(20 << 20);
    const h = new StreamHasher(['sha256', 'sha512']);
    for (let i = 0; i < data.length; i += 777_777) await h.update(data.subarray(i, i + 777_777));
    const d = await h.digest();
    expect(d.sha256!.toString('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect(sha512Integrity(d.sha512!)).toBe(`sha512-${createHash('sha512').update(data).digest('base64')}`);
  });

  it('hashes an empty stream', async () => {
    const d = await new StreamHasher(['sha256']).digest();
    expect(d.sha256!.toString('hex')).toBe(createHash('sha256').digest('hex'));
  });

  it('asks the producer to wait once the 16 MiB ring is full', () => {
    const h = new StreamHasher(['sha256']);
    expect(h.update(Buffer.alloc(1 << 20))).toBeUndefined();
    expect(h.update(Buffer.alloc(16 << 20))).toBeInstanceOf(Promise);
    h.abort();
  });
});

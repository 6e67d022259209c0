// Property: any random mutation of a valid bundle either verifies as the identical bundle (same
// content digest) or is refused with a coded error (E_INTEGRITY, E_UNSAFE_ENTRY, E_LIMIT);
// never an internal error, never a hang. Checked for verify and for exec's extraction, which
// must also leave no cache entry behind when it refuses.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Codec } from '../../../src/bundle/compress.js';
import { verifyBundle } from '../../../src/bundle/verify.js';
import { isReproError } from '../../../src/core/errors.js';
import { openCachedBundle } from '../../../src/exec/cache.js';
import { baseSpecs, dir, file, honestBundle, symlink } from '../../helpers/craft.js';
import { tempDir } from '../../helpers/project.js';

const REFUSALS = new Set(['E_INTEGRITY', 'E_UNSAFE_ENTRY', 'E_LIMIT']);
const HANG_MS = 10_000;

type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'overwrite'; at: number; bytes: number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'copy-block'; from: number; to: number }
  | { kind: 'swap-blocks'; a: number; b: number };

// Positions are fractions of the length, so one arbitrary serves bundles of any size.
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const bytes = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 24 });
const mutation: fc.Arbitrary<{ kind: Mutation['kind']; p: number; q: number; n: number; b: number[] }> = fc.record({
  kind: fc.constantFrom('flip', 'overwrite', 'truncate', 'insert', 'delete', 'copy-block', 'swap-blocks'),
  p: unit,
  q: unit,
  n: fc.integer({ min: 1, max: 255 }),
  b: bytes,
});

/** A block other than the one at fraction p (when there is more than one). */
function other(p: number, q: number, blocks: number): number {
  const first = Math.floor(p * blocks);
  return blocks < 2 ? first : (first + 1 + Math.floor(q * (blocks - 1))) % blocks;
}

function apply(original: Buffer, m: { kind: Mutation['kind']; p: number; q: number; n: number; b: number[] }): Buffer {
  const len = original.length;
  const at = Math.floor(m.p * len);
  const blocks = Math.floor(len / 512);
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(original);
      out[at] = out[at]! ^ m.n;
      return out;
    }
    case 'overwrite': {
      const out = Buffer.from(original);
      Buffer.from(m.b).copy(out, at);
      return out;
    }
    case 'truncate':
      return original.subarray(0, at);
    case 'insert':
      return Buffer.concat([original.subarray(0, at), Buffer.from(m.b), original.subarray(at)]);
    case 'delete':
      return Buffer.concat([original.subarray(0, at), original.subarray(Math.min(len, at + m.n))]);
    case 'copy-block': {
      const out = Buffer.from(original);
      const from = Math.floor(m.p * blocks) * 512;
      const to = other(m.p, m.q, blocks) * 512;
      original.copy(out, to, from, from + 512);
      return out;
    }
    case 'swap-blocks': {
      const out = Buffer.from(original);
      const a = Math.floor(m.p * blocks) * 512;
      const b = other(m.p, m.q, blocks) * 512;
      original.copy(out, b, a, a + 512);
      original.copy(out, a, b, b + 512);
      return out;
    }
  }
}

function richSpecs() {
  return [
    ...baseSpecs(),
    file('project/run.sh', '#!/bin/sh\nexec python3 train.py\n', 0o755),
    symlink('project/latest.csv', 'data/x.csv'),
    dir(`project/${'d'.repeat(120)}`),
    file(`project/${'d'.repeat(120)}/deep.txt`, 'a PAX path\n'),
    file('project/empty', ''),
    file('project/data/big.bin', Buffer.alloc(3000, 7)),
  ];
}

async function outcome<T>(work: () => Promise<T>): Promise<{ ok: T } | { code: string }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms (hang)`)), HANG_MS);
  });
  try {
    return { ok: await Promise.race([work(), hang]) };
  } catch (err) {
    if (!isReproError(err)) throw err; // an internal error: the property fails, naming it
    return { code: err.code };
  } finally {
    clearTimeout(timer);
  }
}

describe.each(['none', 'gzip', 'zstd'] as const)('random mutations of a valid bundle (%s)', (codec: Codec) => {
  it('verify and extraction either accept the identical bundle or refuse with a coded error', async () => {
    const original = await honestBundle(codec, richSpecs());
    const work = tempDir('repro-mutate-');
    const reference = path.join(work, `ref.bundle`);
    await fs.writeFile(reference, original);
    const { contentDigest } = await verifyBundle(reference);
    let refused = 0;
    let accepted = 0;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const mutated = apply(original, m);
        const target = path.join(work, `m${n++}.bundle`);
        await fs.writeFile(target, mutated);
        const v = await outcome(() => verifyBundle(target));
        const cache = path.join(work, `cache${n}`);
        const x = await outcome(() => openCachedBundle(target, cache));
        if ('ok' in v) {
          accepted++;
          // Stronger than "the same content": every byte of a bundle is checked (headers in
          // canonical form, padding, end marker, the compressed payload's CRC-32 + length), so
          // the only mutations that verify are those that changed nothing.
          expect(mutated.equals(original), `a changed bundle verified: ${JSON.stringify(m)}`).toBe(true);
          expect(v.ok.contentDigest).toBe(contentDigest);
          expect('ok' in x && x.ok.contentDigest).toBe(contentDigest);
        } else {
          refused++;
          expect(REFUSALS.has(v.code), `verify refused with ${v.code}`).toBe(true);
          expect('code' in x && REFUSALS.has(x.code), `extraction: ${JSON.stringify(x)}`).toBe(true);
          expect(await fs.readdir(path.join(cache, 'bundles')).catch(() => [])).toEqual([]);
        }
        await fs.rm(target, { force: true });
        await fs.rm(cache, { recursive: true, force: true });
      }),
      { numRuns: 250, seed: Number(process.env.REPRO_FC_SEED ?? 20261122) },
    );
    // Some mutations change nothing (a block copied onto itself or onto an equal block):
    // those, and only those, verified; every other case was refused.
    console.info(`mutations (${codec}): ${refused} refused with a coded error, ${accepted} changed nothing and verified`);
    expect(refused + accepted).toBe(250);
    expect(refused).toBeGreaterThan(150);
  }, 300_000);
});

// A set of entry names kept as hashes in typed arrays, not as strings: the entry guard must
// remember every name it has seen (duplicates, case and Unicode twins), and 100,000 path
// strings held twice cost a verify ~30 MB that grew with every entry. Here a name costs 32
// bytes at most (16-byte slots, never more than half full), whatever its length.
//
// Each name is stored under a 64-bit hash of its case-folded form, with a 32-bit hash of the
// exact name and the caller's ordinal beside it. Equal names always hash equal, so nothing
// that should be refused gets through; two different names that share all 64 bits (about one
// chance in 10^9 for a million names) would make a sound bundle look like one with twins, the
// safe direction. The seeds are random per table, so no list of colliding names can be
// prepared in advance.
import { randomFillSync } from 'node:crypto';

const EMPTY = 0;

function hash32(s: string, seed: number): number {
  let h = (seed ^ s.length) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export interface NameMatch {
  /** The ordinal stored with the earlier name. */
  ordinal: number;
  /** Whether the earlier name is exactly this one (a duplicate), not only its twin. */
  exact: boolean;
}

export class NameTable {
  readonly #seeds = randomFillSync(new Uint32Array(3));
  /** Per slot: folded hash high, folded hash low, exact hash, ordinal + 1 (0: empty). */
  #slots = new Uint32Array(4 * 1024);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The earlier name whose folded form equals `folded` (the folded form of `name`), if any. */
  find(name: string, folded: string): NameMatch | null {
    const hi = hash32(folded, this.#seeds[0]!);
    const lo = hash32(folded, this.#seeds[1]!);
    const slot = this.#probe(hi, lo);
    const s = this.#slots;
    if (s[slot + 3] === EMPTY) return null;
    return { ordinal: s[slot + 3]! - 1, exact: s[slot + 2] === hash32(name, this.#seeds[2]!) };
  }

  /** Adds `name` (folded form `folded`) with `ordinal`; a name already there keeps its first ordinal. */
  add(name: string, folded: string, ordinal: number): void {
    if ((this.#size + 1) * 2 > this.#slots.length / 4) this.#grow();
    const hi = hash32(folded, this.#seeds[0]!);
    const lo = hash32(folded, this.#seeds[1]!);
    const slot = this.#probe(hi, lo);
    const s = this.#slots;
    if (s[slot + 3] !== EMPTY) return;
    s[slot] = hi;
    s[slot + 1] = lo;
    s[slot + 2] = hash32(name, this.#seeds[2]!);
    s[slot + 3] = ordinal + 1;
    this.#size++;
  }

  /** The slot holding (hi, lo), or the empty slot where it would go (linear probing). */
  #probe(hi: number, lo: number, slots = this.#slots): number {
    const mask = slots.length / 4 - 1;
    let i = (hi ^ Math.imul(lo, 0x9e3779b1)) & mask;
    for (;;) {
      const at = i * 4;
      if (slots[at + 3] === EMPTY || (slots[at] === hi && slots[at + 1] === lo)) return at;
      i = (i + 1) & mask;
    }
  }

  #grow(): void {
    const old = this.#slots;
    const next = new Uint32Array(old.length * 2);
    for (let at = 0; at < old.length; at += 4) {
      if (old[at + 3] === EMPTY) continue;
      const to = this.#probe(old[at]!, old[at + 1]!, next);
      next.set(old.subarray(at, at + 4), to);
    }
    this.#slots = next;
  }
}

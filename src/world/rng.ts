// Seeded PRNG for the world: sfc32 (fast, 128-bit state, passes PractRand to 2^40+) seeded through
// a murmur3-style hash. Every random choice in src/world flows from one of these; Math.random is never used.

/** murmur3 fmix32: a bijective avalanche on 32-bit integers. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash any mix of numbers and strings to an unsigned 32-bit seed (order-sensitive). */
export function hashSeed(...parts: readonly (number | string)[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    if (typeof part === 'number') {
      // Numbers hash by their low and high 32-bit words so 2^32 + 1 ≠ 1.
      const lo = part >>> 0;
      const hi = Math.floor(part / 4294967296) >>> 0;
      h = mix32(h ^ lo) + 0x6d2b79f5;
      h = mix32(h ^ hi ^ 0x1b873593);
    } else {
      h = mix32(h ^ 0x27d4eb2f ^ part.length);
      for (let i = 0; i < part.length; i++) h = Math.imul(h ^ part.charCodeAt(i), 0x01000193);
      h = mix32(h);
    }
  }
  return h >>> 0;
}

export class Rng {
  /** The seed this generator was created from; fork() derives from it, not from the current state. */
  readonly seed: number;
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.a = hashSeed(this.seed, 1);
    this.b = hashSeed(this.seed, 2);
    this.c = hashSeed(this.seed, 3);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** sfc32 step: a uniformly distributed unsigned 32-bit integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new RangeError(`Rng.int: n must be >= 1, got ${n}`);
    return Math.floor(this.float() * Math.floor(n));
  }

  /** Uniform integer in [lo, hi] (both inclusive). */
  intIn(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty list');
    return items[this.int(items.length)]!;
  }

  /** Fisher–Yates; returns a new array. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  }

  /** k distinct items in random order (k clamped to the list length). */
  sample<T>(items: readonly T[], k: number): T[] {
    return this.shuffle(items).slice(0, Math.max(0, Math.min(k, items.length)));
  }

  /**
   * An independent sub-stream named by `label`. It depends only on this generator's seed and the
   * label, never on how many numbers were drawn, so adding a draw elsewhere does not shift it.
   */
  fork(label: number | string): Rng {
    return new Rng(hashSeed(this.seed, 'fork', label));
  }
}

export function rng(seed: number): Rng {
  return new Rng(seed);
}

// Seeded randomness for the models layer. Nothing here is global: callers pass an RandomSource in.

/** The only randomness interface the models consume: uniform floats in [0, 1). */
export interface RandomSource {
  float(): number;
}

/** mulberry32: a tiny 32-bit seeded PRNG, good enough for sampling and weight init. */
export function seededRng(seed: number): RandomSource {
  let state = seed >>> 0;
  return {
    float(): number {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** n samples of N(0, std²) by Box–Muller; deterministic for a given rng state on every backend. */
export function normalArray(n: number, std: number, rng: RandomSource): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = Math.max(rng.float(), 1e-12);
    const u2 = rng.float();
    const radius = Math.sqrt(-2 * Math.log(u1)) * std;
    out[i] = radius * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = radius * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

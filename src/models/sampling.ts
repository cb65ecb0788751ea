// Next-token choice from one row of logits, in plain JS (logits come back from the device each step
// anyway, and a seeded RandomSource must drive every random choice).
import type { RandomSource } from './rng';

export interface SamplingOptions {
  temperature: number; // 0 = greedy
  topK: number; // 0 = off
  topP: number; // 1 = off
}

/**
 * Pick a token from logits[offset .. offset+vocab). Returns the id and its log-probability under the
 * untruncated softmax(logits / T) — T = 1 when greedy — which is what a teacher-forced pass at the same
 * temperature recomputes (top-k / top-p only restrict the choice, as in TRL's GRPO).
 */
export function sampleToken(
  logits: ArrayLike<number>,
  offset: number,
  vocab: number,
  opts: SamplingOptions,
  rng: RandomSource,
): { id: number; logprob: number } {
  const greedy = opts.temperature <= 0;
  const invT = greedy ? 1 : 1 / opts.temperature;
  const scaled = new Float64Array(vocab);
  let maxZ = -Infinity;
  let argmax = 0;
  for (let v = 0; v < vocab; v++) {
    const z = logits[offset + v]! * invT;
    scaled[v] = z;
    if (z > maxZ) {
      maxZ = z;
      argmax = v;
    }
  }
  let sumExp = 0;
  for (let v = 0; v < vocab; v++) sumExp += Math.exp(scaled[v]! - maxZ);
  const logZ = maxZ + Math.log(sumExp);
  if (greedy) return { id: argmax, logprob: scaled[argmax]! - logZ };

  // Candidates: all ids, or the top-k / nucleus by descending probability.
  let candidates: number[];
  const restrictK = opts.topK > 0 && opts.topK < vocab;
  if (restrictK || opts.topP < 1) {
    candidates = Array.from({ length: vocab }, (_, v) => v).sort((a, b) => scaled[b]! - scaled[a]!);
    if (restrictK) candidates = candidates.slice(0, opts.topK);
    if (opts.topP < 1) {
      let kept = 0;
      let mass = 0;
      for (const v of candidates) {
        mass += Math.exp(scaled[v]! - logZ);
        kept++;
        if (mass >= opts.topP) break;
      }
      candidates = candidates.slice(0, Math.max(1, kept));
    }
  } else {
    candidates = [];
    for (let v = 0; v < vocab; v++) candidates.push(v);
  }
  let total = 0;
  for (const v of candidates) total += Math.exp(scaled[v]! - maxZ);
  let u = rng.float() * total;
  let chosen = candidates[candidates.length - 1]!;
  for (const v of candidates) {
    u -= Math.exp(scaled[v]! - maxZ);
    if (u < 0) {
      chosen = v;
      break;
    }
  }
  return { id: chosen, logprob: scaled[chosen]! - logZ };
}

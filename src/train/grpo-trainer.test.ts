import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { Reasoner, REASONER_PRESETS } from '../models/reasoner';
import { seededRng } from '../models/rng';
import { syntheticIds, syntheticImageInput } from '../models/testdata';
import { Embedder } from '../models/embedder';
import { ScheduledAdam } from './grad';
import { copyWeights, grpoStep, grpoUpdate, rolloutRewards } from './grpo-trainer';
import { ormFromSimilarities, similarity } from './rewards';
import { embedItemFor } from '../models/inputs';
import { VOCAB } from '../tcot/default';
import { Rng } from '../world/rng';
import { PRESETS } from './presets';
import { topBlocks } from './stage-hooks';

let policy: Reasoner;
beforeAll(async () => {
  await initTestBackend();
  policy = new Reasoner(REASONER_PRESETS.tiny);
});
afterAll(() => policy.dispose());

describe('GRPO update on a tiny Reasoner', () => {
  test('raises the log-probs of high-advantage rollouts and lowers the low-advantage ones', async () => {
    const inputs = [
      { visual: syntheticImageInput(1, 32), promptIds: syntheticIds(3, 5, 2, 64) },
      { promptIds: syntheticIds(4, 4, 2, 64) },
    ];
    const n = 4;
    const gen = await policy.generate(inputs, { n, maxNewTokens: 6, temperature: 1, rng: seededRng(7) });
    const advantages = Float32Array.from([1.2, -0.4, 0.5, -1.3, -1, 1, -1, 1]);
    const sum = (lp: Float32Array) => lp.reduce((a, b) => a + b, 0);
    const before = (await policy.logprobsData(inputs, gen.tokens, { groupSize: n })).map(sum);
    const ref = await policy.logprobsData(inputs, gen.tokens, { groupSize: n });
    const optimizer = new ScheduledAdam(1e-2);
    const after0 = tf.memory().numTensors;
    let diag = { loss: 0, kl: 0, clipFrac: 0, gradNorm: 0 };
    for (let k = 0; k < 3; k++)
      diag = await grpoUpdate(policy, optimizer, inputs, gen.tokens, gen.logprobs, ref, advantages, {
        n,
        temperature: 1,
        clipEps: 0.2,
        klCoef: 0.01,
        gradClip: 1,
        lr: 1e-2,
      });
    const after = (await policy.logprobsData(inputs, gen.tokens, { groupSize: n })).map(sum);
    advantages.forEach((a, r) => {
      if (a > 0) expect(after[r]!, `row ${r}`).toBeGreaterThan(before[r]!);
      else expect(after[r]!, `row ${r}`).toBeLessThan(before[r]!);
    });
    expect(diag.kl).toBeGreaterThan(0);
    expect(diag.gradNorm).toBeGreaterThan(0);
    // the optimizer's moments exist after the first update; later updates add no tensors
    const stable = tf.memory().numTensors;
    await grpoUpdate(policy, optimizer, inputs, gen.tokens, gen.logprobs, ref, advantages, {
      n,
      temperature: 1,
      clipEps: 0.2,
      klCoef: 0.01,
      gradClip: 1,
      lr: 1e-2,
    });
    expect(tf.memory().numTensors).toBe(stable);
    expect(stable).toBeGreaterThan(after0 - 1);
    optimizer.dispose();
  });
});

describe('GRPO update of the top blocks only (trainBlocks)', () => {
  test('moves the top block, the final norm and the heads; the input tables and lower blocks stay as they were', async () => {
    const model = new Reasoner(REASONER_PRESETS.tiny);
    const L = model.config.nLayers;
    expect(L).toBeGreaterThan(1);
    const vars = topBlocks(model.params.vars, L, 1);
    const names = [...vars.keys()];
    expect(names.some((n) => n.startsWith(`h${L - 1}.`))).toBe(true);
    expect(names.some((n) => /^h\d+\./.test(n) && !n.startsWith(`h${L - 1}.`))).toBe(false);
    expect(names).toContain('ln_f_g');
    expect(names).not.toContain('tok_emb');
    expect(topBlocks(model.params.vars, L, L)).toBe(model.params.vars);
    const inputs = [{ visual: syntheticImageInput(2, 32), promptIds: syntheticIds(5, 5, 2, 64) }];
    const n = 4;
    const gen = await model.generate(inputs, { n, maxNewTokens: 6, temperature: 1, rng: seededRng(3) });
    const ref = await model.logprobsData(inputs, gen.tokens, { groupSize: n });
    const snapshot = () => new Map([...model.params.vars].map(([k, v]) => [k, Array.from(v.dataSync())]));
    const before = snapshot();
    const optimizer = new ScheduledAdam(1e-2);
    await grpoUpdate(model, optimizer, inputs, gen.tokens, gen.logprobs, ref, Float32Array.from([1, -1, 0.5, -0.5]), {
      n,
      temperature: 1,
      clipEps: 0.2,
      klCoef: 0.01,
      gradClip: 1,
      lr: 1e-2,
      trainBlocks: 1,
    });
    const after = snapshot();
    for (const [name, values] of before) {
      const moved = values.some((v, i) => v !== after.get(name)![i]);
      if (!vars.has(name)) expect(moved, name).toBe(false);
    }
    expect([...vars.keys()].some((name) => before.get(name)!.some((v, i) => v !== after.get(name)![i]))).toBe(true);
    optimizer.dispose();
    model.dispose();
  });
});

describe('similarity', () => {
  test('row-major dot products', () => {
    const s = similarity([Float32Array.of(1, 0), Float32Array.of(0, 1)], [Float32Array.of(0.6, 0.8)]);
    expect(Array.from(s)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
  });
});

describe('grpoStep on plain media (the in-browser fine-tuner path)', () => {
  test('rewards both sides, updates the policy, is deterministic per seed and leaks nothing', async () => {
    const rgbaImage = (seed: number) => syntheticImageInput(seed, 48);
    const preset = PRESETS.test;
    const embedder = new Embedder(preset.embedderConfig);
    const make = () => new Reasoner(preset.reasonerConfig);
    const [a, b, ref] = [make(), make(), make()];
    // Two user pairs: a text query for an image, an image query for an image (no world specs involved).
    const pairs = [
      {
        query: { text: 'a red circle' },
        positive: { visual: rgbaImage(1) },
        instruction: 'find an image that matches the caption',
      },
      { query: { visual: rgbaImage(2) }, positive: { visual: rgbaImage(3) } },
    ];
    const stage = { ...preset.grpo, maxNewTokens: 10 };
    const run = async (policy: Reasoner) => {
      const optimizer = new ScheduledAdam(stage.lr);
      const stats = await grpoStep(policy, ref, embedder, optimizer, pairs, stage, 1e-2, { rollout: 42, prm: 43 });
      optimizer.dispose();
      return stats;
    };
    const before = Array.from(a.params.vars.get('tok_emb')!.dataSync());
    const first = await run(a);
    expect(Number.isFinite(first.reward.mean)).toBe(true);
    for (const key of ['format', 'orm', 'prm', 'acc', 'kl', 'entropy', 'tokens'] as const)
      expect(Number.isFinite(first[key])).toBe(true);
    expect(first.kl).toBeGreaterThanOrEqual(0);
    expect(Array.from(a.params.vars.get('tok_emb')!.dataSync())).not.toEqual(before);
    // Same start, same seed → the same step.
    const again = await run(b);
    expect(again).toEqual(first);
    // Another step leaks no tensors.
    copyWeights(ref, b);
    await run(b);
    const tensors = tf.memory().numTensors;
    await run(b);
    expect(tf.memory().numTensors).toBe(tensors);
    [a, b, ref, embedder].forEach((m) => m.dispose());
  });

  test("ormAgainst 'greedy' and 'candidates': rollouts scored against greedy T-CoTs — other ORMs, deterministic, no leaks", async () => {
    const preset = PRESETS.test;
    const embedder = new Embedder(preset.embedderConfig);
    const make = () => new Reasoner(preset.reasonerConfig);
    const [a, b, c, d, ref] = [make(), make(), make(), make(), make()];
    const image = (seed: number) => ({ visual: syntheticImageInput(seed, 48) });
    const pairs = [1, 3, 5].map((k) => ({ query: image(k), positive: image(k + 1), others: [image(k + 10)] }));
    const stage = { ...preset.grpo, maxNewTokens: 10 };
    const run = async (policy: Reasoner, ormAgainst: 'rollouts' | 'greedy' | 'candidates') => {
      const optimizer = new ScheduledAdam(stage.lr);
      const stats = await grpoStep(policy, ref, embedder, optimizer, pairs, { ...stage, ormAgainst }, 1e-2, {
        rollout: 7,
        prm: 8,
      });
      optimizer.dispose();
      return stats;
    };
    const plain = await run(a, 'rollouts');
    const anchored = await run(b, 'greedy');
    expect(Number.isFinite(anchored.orm) && Number.isFinite(anchored.acc)).toBe(true);
    expect(anchored.orm).not.toBe(plain.orm); // the same rollouts (same seed), scored against other T-CoTs
    expect(anchored.format).toBe(plain.format);
    expect(await run(c, 'greedy')).toEqual(anchored);
    const tensors = tf.memory().numTensors;
    await run(c, 'greedy');
    expect(tf.memory().numTensors).toBe(tensors);
    // 'candidates' (each pair's other candidates decoded too): another ORM again, the same rollouts, no leaks.
    const own = await run(d, 'candidates');
    expect(Number.isFinite(own.orm) && own.orm !== anchored.orm && own.format === plain.format).toBe(true);
    const before = tf.memory().numTensors;
    await run(d, 'candidates');
    expect(tf.memory().numTensors).toBe(before);
    [a, b, c, d, ref, embedder].forEach((m) => m.dispose());
  });

  test("ormHardNegatives: a query's rollouts also compete with its pair's hard negative; the positives' do not", async () => {
    const preset = PRESETS.test;
    const embedder = new Embedder(preset.embedderConfig);
    const image = (seed: number) => ({ visual: syntheticImageInput(seed, 48) });
    const pairs = [1, 4, 7].map((k) => ({ query: image(k), positive: image(k + 1), hardNegative: image(k + 2) }));
    const n = 2;
    const tokens = Array.from({ length: 2 * pairs.length * n }, (_, r) => syntheticIds(20 + r, 8, 2, 64));
    const anchors = Array.from({ length: 3 * pairs.length }, (_, r) => syntheticIds(60 + r, 8, 2, 64));
    const stage = { weights: preset.grpo.weights, orm: preset.grpo.orm };
    const plain = await rolloutRewards(embedder, pairs, tokens, n, stage, new Rng(1), anchors.slice(0, 6));
    const hard = await rolloutRewards(embedder, pairs, tokens, n, stage, new Rng(1), anchors);
    const m = pairs.length * n;
    for (let r = 0; r < m; r++) expect(hard.acc[r]!, `query rollout ${r}`).toBeLessThanOrEqual(plain.acc[r]!); // one more rival
    expect(Array.from(hard.orm.slice(m))).toEqual(Array.from(plain.orm.slice(m))); // positives: the same anchors
    expect(Array.from(hard.orm.slice(0, m))).not.toEqual(Array.from(plain.orm.slice(0, m)));
    embedder.dispose();
  });

  test("ormAgainst 'candidates': each rollout is ranked among its own item's candidates, as evaluation ranks it", async () => {
    const preset = PRESETS.test;
    const embedder = new Embedder(preset.embedderConfig);
    const image = (seed: number) => ({ visual: syntheticImageInput(seed, 48) });
    // Pair 0 has two other candidates, pair 1 one, pair 2 none (it falls back to the other pairs' anchors).
    const pairs = [
      { query: image(1), positive: image(2), others: [image(3), image(4)] },
      { query: image(5), positive: image(6), others: [image(7)] },
      { query: image(8), positive: image(9) },
    ];
    const n = 2;
    const m = pairs.length * n;
    const tokens = Array.from({ length: 2 * m }, (_, r) => syntheticIds(20 + r, 8, 2, 64));
    const anchors = Array.from({ length: 2 * pairs.length + 3 }, (_, r) => syntheticIds(60 + r, 8, 2, 64));
    const stage = { weights: preset.grpo.weights, orm: preset.grpo.orm, ormAgainst: 'candidates' as const };
    const got = await rolloutRewards(embedder, pairs, tokens, n, stage, new Rng(1), anchors);
    // By hand: the same embeddings, evaluation's ranking of pair 0 (positive first, then its other candidates).
    const side = (parts: { visual: ReturnType<typeof syntheticImageInput> }, ids: Int32Array) =>
      embedItemFor(VOCAB, { ...parts, tcotIds: ids });
    const [q0, p0, o1, o2, ...rollouts] = await embedder.embedData([
      side(pairs[0]!.query, anchors[0]!),
      side(pairs[0]!.positive, anchors[3]!),
      side(pairs[0]!.others![0]!, anchors[6]!),
      side(pairs[0]!.others![1]!, anchors[7]!),
      side(pairs[0]!.query, tokens[1]!),
      side(pairs[0]!.positive, tokens[m + 1]!),
    ]);
    const cos = (a: Float32Array, b: Float32Array) => similarity([a], [b])[0]!;
    const [qr, pr] = rollouts as [Float32Array, Float32Array];
    const queryOrm = ormFromSimilarities([cos(qr, p0!), cos(qr, o1!), cos(qr, o2!)], [0], { combine: stage.orm });
    const positiveOrm = ormFromSimilarities([cos(q0!, pr), cos(q0!, o1!), cos(q0!, o2!)], [0], { combine: stage.orm });
    expect(got.orm[1]!).toBeCloseTo(queryOrm.orm, 5);
    expect(got.acc[1]!).toBe(queryOrm.acc);
    expect(got.orm[m + 1]!).toBeCloseTo(positiveOrm.orm, 5);
    // Another pair's candidates do not move pair 0's rewards; pair 2 (no other candidates) still gets finite ones.
    const moved = anchors.map((ids, r) => (r === 8 ? syntheticIds(99, 8, 2, 64) : ids));
    const other = await rolloutRewards(embedder, pairs, tokens, n, stage, new Rng(1), moved);
    expect(Array.from(other.orm.slice(0, n))).toEqual(Array.from(got.orm.slice(0, n)));
    expect(other.orm[2]!).not.toBe(got.orm[2]!);
    for (const r of [4, 5, m + 4, m + 5]) expect(Number.isFinite(got.orm[r]!)).toBe(true);
    embedder.dispose();
  });
});

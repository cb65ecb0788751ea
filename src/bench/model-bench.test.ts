// tfjs-core before ../tf/testing: the first copy of tfjs-core to load owns the global engine,
// and the deep ESM imports in tf/tf-setup.ts would otherwise win (their tensors lack an op handler).
import '@tensorflow/tfjs-core';
import { beforeAll, expect, test } from 'vitest';
import { initTestBackend } from '../tf/testing';
import { formatBenchTable, runModelBench } from './model-bench';
import { EMBEDDER_PRESETS } from '../models/embedder';
import { REASONER_PRESETS } from '../models/reasoner';

beforeAll(async () => {
  await initTestBackend();
});

test('runModelBench (tiny configs) returns a complete JSON-able result and a table', async () => {
  const labels: string[] = [];
  const result = await runModelBench({
    embedder: { ...EMBEDDER_PRESETS.tiny, vocabSize: 512, maxLen: 320 },
    reasoner: { ...REASONER_PRESETS.tiny, vocabSize: 512, maxLen: 160 },
    tcotLength: 4,
    decodeBatches: [1, 2],
    embedBatch: 2,
    repeats: 1,
    onProgress: (label) => labels.push(label),
  });
  const roundTrip = JSON.parse(JSON.stringify(result)) as typeof result;
  expect(roundTrip.decode.map((d) => [d.batch, d.cache])).toEqual([
    [1, true],
    [1, false],
    [2, true],
    [2, false],
  ]);
  expect(roundTrip.decode.every((d) => d.tokensPerSec > 0)).toBe(true);
  expect(roundTrip.embed.map((e) => `${e.input}/${e.evidence}`)).toEqual([
    'image/false',
    'image/true',
    'clip/false',
    'clip/true',
  ]);
  expect(roundTrip.teacherForced.forwardBackwardMs).not.toBeNull(); // tests register gradients
  expect(roundTrip.weightBytes.reasoner.int8).toBeLessThan(roundTrip.weightBytes.reasoner.float32 / 2);
  expect(roundTrip.load.length).toBe(4);
  expect(labels.length).toBeGreaterThan(5);
  expect(formatBenchTable(result)).toMatch(/batch 2, KV cache, 4 tokens/);
});

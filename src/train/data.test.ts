import { describe, expect, test } from 'vitest';
import { trainingStream } from '../world/suite';
import { answerKey, byTask, prepareData, streamItem, taskBatch } from './data';

describe('training data', () => {
  const data = prepareData({ seed: 5, pairs: 66 });

  test('stream items are the training stream’s pairs', () => {
    const stream = trainingStream({ seed: 5 });
    for (let n = 0; n < 12; n++) {
      const pair = stream.next().value!;
      const item = streamItem(5, n);
      expect(item.id).toBe(pair.id);
      expect(item.candidates[item.positiveIndex]).toEqual(pair.positive);
    }
  });

  test('the judge splits the pairs: matched → contrastive, unmatched → RL pool', () => {
    expect(data.contrastive.length + data.rl.length).toBe(66);
    expect(data.contrastive.every((p) => p.match)).toBe(true);
    expect(data.rl.every((p) => !p.match)).toBe(true);
    expect(data.stats.matchRate).toBeGreaterThan(0.6);
    expect(data.stats.matchRate).toBeLessThan(0.95);
  });

  test('every other pair is annotated with the answer visible; T-CoTs end in <eos>; hard negatives come along', () => {
    const all = [...data.contrastive, ...data.rl];
    expect(all.filter((p) => p.answerVisible).length).toBe(33);
    expect(all.every((p) => p.query.tcotIds[p.query.tcotIds.length - 1] === 2)).toBe(true);
    expect(all.filter((p) => p.hardNegative).length).toBeGreaterThan(50);
  });

  test('deterministic, and batches are one task each and reproducible per step', () => {
    expect(prepareData({ seed: 5, pairs: 66 }).stats).toEqual(data.stats);
    const groups = byTask(data.contrastive);
    const a = taskBatch(groups, 3, 2, 9, 'x');
    expect(a.items.every((p) => p.task === a.task)).toBe(true);
    expect(taskBatch(groups, 3, 2, 9, 'x').items.map((p) => p.id)).toEqual(a.items.map((p) => p.id));
  });

  test('distinct batches never repeat a positive answer (no false in-batch negatives)', () => {
    const groups = byTask(prepareData({ seed: 6, pairs: 440 }).contrastive);
    for (let step = 0; step < 11; step++) {
      const { items } = taskBatch(groups, step, 6, 1, 'y', answerKey);
      expect(new Set(items.map(answerKey)).size).toBe(items.length);
    }
  });
});

import { describe, expect, test } from 'vitest';
import { TASKS } from '../world/types';
import { answerKey, prepareData } from './data';
import { poolSource, streamSource } from './stream';

describe('pair sources', () => {
  test('a same-task stream: one task per step round-robin, matched pairs only, distinct answers, never a repeated pair; seeded', () => {
    const src = streamSource(5, { region: 0, want: 'match', sameTask: true, distinct: answerKey });
    const ids = new Set<string>();
    for (let step = 0; step < 22; step++) {
      const { task, items } = src.batch(step, 4);
      expect(task).toBe(TASKS[step % TASKS.length]);
      expect(items.length).toBeGreaterThan(0);
      for (const p of items) {
        expect(p.task).toBe(task);
        expect(p.match).toBe(true);
        expect(ids.has(p.id)).toBe(false);
        ids.add(p.id);
      }
      expect(new Set(items.map(answerKey)).size).toBe(items.length);
    }
    expect(src.seen()).toBe(ids.size);
    const again = streamSource(5, { region: 0, want: 'match', sameTask: true, distinct: answerKey });
    expect(again.batch(7, 4).items.map((p) => p.id)).toEqual(src.batch(7, 4).items.map((p) => p.id));
  });

  test('regions do not share pairs; a mismatch batch is filled with other pairs of its task when short', () => {
    const a = streamSource(5, { region: 0, want: 'any', sameTask: true })
      .batch(3, 6)
      .items.map((p) => p.id);
    const b = streamSource(5, { region: 1000, want: 'any', sameTask: true })
      .batch(3, 6)
      .items.map((p) => p.id);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    const rl = streamSource(5, { region: 0, want: 'mismatch', sameTask: true }).batch(2, 6).items;
    expect(rl).toHaveLength(6);
    expect(rl.some((p) => !p.match)).toBe(true);
  });

  test('a mixed stream takes consecutive tasks; a pool source draws as taskBatch did', () => {
    const mixed = streamSource(5, { region: 0, want: 'match', sameTask: false }).batch(0, 8).items;
    expect(new Set(mixed.map((p) => p.task)).size).toBeGreaterThan(4);
    const data = prepareData({ seed: 5, pairs: 66 });
    const pool = poolSource(data.contrastive, 5, 'test');
    const { task, items } = pool.batch(1, 3);
    expect(items.every((p) => p.task === task)).toBe(true);
    expect(pool.seen()).toBe(items.length);
    expect(() => poolSource(data.contrastive.slice(0, 1), 5, 'few', { minPerTask: 2 })).toThrow(/2 or more pairs/);
  });
});

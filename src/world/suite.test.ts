import { describe, expect, it } from 'vitest';
import { imageCaptionHolds } from './text';
import { builtinCollection, buildSuite, itemSeed, splitOfSeed, trainingStream } from './suite';
import { ABILITIES, DETAILS, TASKS } from './types';

describe('suites', () => {
  it('same seed → identical suite; another seed → a different one', () => {
    const a = JSON.stringify(buildSuite({ seed: 4, split: 'heldout', perTask: 10 }));
    const b = JSON.stringify(buildSuite({ seed: 4, split: 'heldout', perTask: 10 }));
    const c = JSON.stringify(buildSuite({ seed: 5, split: 'heldout', perTask: 10 }));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('covers every task (perTask items each), every ability and every hard-negative detail', () => {
    const s = buildSuite({ seed: 1, split: 'heldout', perTask: 60 });
    for (const t of TASKS) expect(s.items.filter((it) => it.task === t).length).toBe(60);
    for (const a of ABILITIES) expect(s.items.filter((it) => it.abilities.includes(a)).length).toBeGreaterThan(20);
    for (const d of DETAILS) expect(s.items.some((it) => it.hardNegatives.some((h) => h.differsIn === d))).toBe(true);
    for (const it of s.items) expect(it.hardNegatives.length + 1).toBeLessThan(it.candidates.length + 1);
  });

  it('train and held-out streams are disjoint: split bit in every item seed, no shared query', () => {
    for (let i = 0; i < 500; i++) {
      expect(splitOfSeed(itemSeed(7, 'train', 'image-t2i', i))).toBe('train');
      expect(splitOfSeed(itemSeed(7, 'heldout', 'image-t2i', i))).toBe('heldout');
    }
    const train = buildSuite({ seed: 7, split: 'train', perTask: 40 });
    const held = buildSuite({ seed: 7, split: 'heldout', perTask: 40 });
    const key = (q: unknown) => JSON.stringify(q);
    const seen = new Set(train.items.filter((it) => it.query.modality !== 'text').map((it) => key(it.query)));
    for (const it of held.items) if (it.query.modality !== 'text') expect(seen.has(key(it.query))).toBe(false);
    const stream = trainingStream({ seed: 7 });
    const streamQueries = new Set<string>();
    for (let k = 0; k < 300; k++) streamQueries.add(key(stream.next().value!.query));
    for (const it of held.items) if (it.query.modality !== 'text') expect(streamQueries.has(key(it.query))).toBe(false);
  });

  it('the training stream is unbounded, round-robin over tasks, and resumable', () => {
    const s = trainingStream({ seed: 2 });
    const first = Array.from({ length: TASKS.length * 3 }, () => s.next().value!);
    expect(first.map((p) => p.task)).toEqual([...TASKS, ...TASKS, ...TASKS]);
    const resumed = trainingStream({ seed: 2, start: TASKS.length * 2 }).next().value!;
    expect(resumed).toEqual(first[TASKS.length * 2]);
  });

  it('the built-in collection has the requested sizes and true captions', () => {
    const lib = builtinCollection({ seed: 1, images: 60, clips: 20 });
    expect(lib.images.length).toBe(60);
    expect(lib.clips.length).toBe(20);
    expect(new Set(lib.images.map((i) => i.id)).size).toBe(60);
    for (const im of lib.images) expect(im.caption.startsWith('there ')).toBe(true);
    for (const c of lib.clips) expect(c.caption.length).toBeGreaterThan(10);
    expect(
      imageCaptionHolds({ clauses: [{ kind: 'count', n: lib.images[0]!.scene.objects.length }] }, lib.images[0]!.scene),
    ).toBe(true);
  });
});

import { describe, expect, test } from 'vitest';
import { heldOutIds, PAIR_SPLIT_SEED } from '../media/pairs';
import { builtinCollection } from '../world/suite';
import {
  collectionInput,
  collectionItems,
  LESSON_SETTINGS,
  LESSONS,
  lessonById,
  lessonPairs,
  splitLesson,
} from './lesson';
import { settingsProblems } from './finetune';

const collection = builtinCollection({ seed: 1, images: 300, clips: 80 });
const items = collectionItems(collection);

describe('built-in lesson', () => {
  test('each concept draws distinct captions of its own items, deterministic in the seed', () => {
    for (const concept of LESSONS) {
      const a = lessonPairs(concept, items, { seed: 1, count: 20 });
      expect(a.length).toBeGreaterThanOrEqual(4);
      expect(new Set(a.map((p) => p.query.text)).size).toBe(a.length);
      for (const p of a) {
        const item = items.find((i) => i.id === p.targetId)!;
        expect(concept.selects(item)).toBe(true);
        expect(p.query.text).toBe(item.caption); // the caption of the very item: a ✓ pair
        expect(p.match).toBe(true);
        expect(p.instruction).toBe(concept.instruction);
      }
      expect(lessonPairs(concept, items, { seed: 1, count: 20 })).toEqual(a);
      expect(lessonPairs(concept, items, { seed: 2, count: 20 }).map((p) => p.id)).not.toEqual(a.map((p) => p.id));
    }
    expect(
      lessonById('one-object').selects({
        id: 'x',
        kind: 'image',
        caption: 'there are two objects , a red star and a blue ring',
      }),
    ).toBe(false);
    expect(() => lessonById('nope')).toThrow(/unknown lesson/);
    expect(() =>
      lessonPairs(
        lessonById('clip-events'),
        items.filter((i) => i.kind === 'image'),
        { seed: 1, count: 20 },
      ),
    ).toThrow(/found only 0/);
  });

  test('the split is the Fine-tune view’s: held-out pairs are never trained on, each ranks its own target among every target', () => {
    const pairs = lessonPairs(lessonById('one-object'), items, { seed: 3, count: 30 });
    const split = splitLesson(pairs, LESSON_SETTINGS.heldOut, collectionInput(collection));
    expect([...split.heldIds].sort()).toEqual(
      [
        ...heldOutIds(
          pairs.map((p) => p.id),
          PAIR_SPLIT_SEED,
          LESSON_SETTINGS.heldOut,
          new Set(pairs.map((p) => p.id)),
        ),
      ].sort(),
    );
    expect(split.heldQueries.length).toBeGreaterThan(0);
    expect(split.train.length + split.heldQueries.length).toBe(pairs.length);
    for (const t of split.train) expect(split.heldIds.has(t.id)).toBe(false);
    expect(split.candidates).toHaveLength(pairs.length);
    for (const q of split.heldQueries) {
      const pair = pairs.find((p) => p.id === q.id)!;
      expect(split.candidateIds[q.target]).toBe(pair.targetId);
      expect(q.query.text).toBe(pair.query.text);
    }
    for (const c of split.candidates) expect(c.visual?.kind).toBe('image');
    expect(settingsProblems(LESSON_SETTINGS)).toEqual([]);
  });
});

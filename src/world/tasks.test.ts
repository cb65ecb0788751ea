import { describe, expect, it } from 'vitest';
import { goldAnswer, objectsInCrop } from './annotator';
import { diffClips } from './clip';
import { diffScenes } from './scene';
import { buildSuite } from './suite';
import { DETAILS, type ClipSpec, type TaskItem, type WorldInput } from './types';
import { WORD_GROUP, tokenizeWords } from './vocab';

const suite = buildSuite({ seed: 21, split: 'heldout', perTask: 80 });

/** Which single detail separates a hard negative from the positive, judged from the specs. */
function detailOf(pos: WorldInput, neg: WorldInput, item: TaskItem, index: number): string {
  if (pos.modality === 'text' && neg.modality === 'text') {
    const a = tokenizeWords(pos.text);
    const b = tokenizeWords(neg.text);
    if (a.length !== b.length) return `length ${pos.text} | ${neg.text}`;
    const at = a.map((w, i) => (w !== b[i] ? i : -1)).filter((i) => i >= 0);
    if (at.length !== 1) return `words ${pos.text} | ${neg.text}`;
    const g1 = WORD_GROUP.get(a[at[0]!]!);
    const g2 = WORD_GROUP.get(b[at[0]!]!);
    return g1 === g2 ? String(g1) : `groups ${g1}/${g2}`;
  }
  if (pos.modality === 'image' && neg.modality === 'image') {
    if (pos.crop && neg.crop) {
      expect(neg.scene).toBe(pos.scene);
      const t = pos.scene.objects[item.candidateFocus[item.positiveIndex]!.objects![0]!]!;
      const o = pos.scene.objects[item.candidateFocus[index]!.objects![0]!]!;
      const keys = (['shape', 'color', 'size', 'texture'] as const).filter((k) => t[k] !== o[k]);
      return keys.length === 1 ? keys[0]! : `attrs ${keys.join(',')}`;
    }
    const d = diffScenes(pos.scene, neg.scene);
    if (d.length === 1 && d[0] === 'count') return 'count';
    if (d.length === 1 && d[0]!.endsWith('.position')) return 'relation';
    return d.length === 1 ? d[0]!.split('.')[1]! : `diff ${d.join(',')}`;
  }
  if (pos.modality === 'video' && neg.modality === 'video') {
    if (pos.segment && neg.segment)
      return neg.clip === pos.clip && pos.segment[0] !== neg.segment[0] ? 'segment' : 'bad segment';
    return clipDetail(pos.clip, neg.clip);
  }
  return 'modality';
}

function clipDetail(a: ClipSpec, b: ClipSpec): string {
  const d = diffClips(a, b);
  const objAttrs = d.filter((x) => /^\d+\.(shape|color|size|texture)$/.test(x));
  if (d.length === 1 && objAttrs.length === 1) return objAttrs[0]!.split('.')[1]!;
  const kinds = d.filter((x) => x.endsWith('.kind'));
  if (kinds.length === 1 && d.every((x) => x.endsWith('.kind') || /^\d+\.(visible|size|moving)$/.test(x)))
    return 'event';
  // Order / timing: compare events by identity (object, kind).
  const key = (c: ClipSpec) => new Map(c.events.map((e) => [`${e.obj}:${e.kind}:${e.color ?? ''}`, e.frame]));
  const ka = key(a);
  const kb = key(b);
  if (JSON.stringify(a.objects) !== JSON.stringify(b.objects) || ka.size !== kb.size) return `clip ${d.join(',')}`;
  const moved = [...ka].filter(([k, f]) => kb.get(k) !== f);
  if (moved.length === 2) {
    const [[k1, f1], [k2, f2]] = moved as [[string, number], [string, number]];
    return kb.get(k1) === f2 && kb.get(k2) === f1 ? 'order' : 'bad order';
  }
  return moved.length === 1 ? 'timing' : `clip ${d.join(',')}`;
}

describe('task items', () => {
  it('have exactly one positive, distinct candidates and valid hard-negative indices', () => {
    for (const it of suite.items) {
      expect(it.positiveIndex).toBeGreaterThanOrEqual(0);
      expect(it.positiveIndex).toBeLessThan(it.candidates.length);
      const keys = it.candidates.map((c) => JSON.stringify(c));
      expect(new Set(keys).size).toBe(keys.length);
      expect(it.candidateFocus.length).toBe(it.candidates.length);
      for (const h of it.hardNegatives) {
        expect(h.index).not.toBe(it.positiveIndex);
        expect(DETAILS).toContain(h.differsIn);
      }
      expect(new Set(it.hardNegatives.map((h) => h.index)).size).toBe(it.hardNegatives.length);
    }
  });

  it('every hard negative differs from the positive in exactly the one detail it claims', () => {
    const wrong: string[] = [];
    for (const it of suite.items) {
      const pos = it.candidates[it.positiveIndex]!;
      for (const h of it.hardNegatives) {
        const d = detailOf(pos, it.candidates[h.index]!, it, h.index);
        if (d !== h.differsIn) wrong.push(`${it.id}: claims ${h.differsIn}, found ${d}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the oracle (gold T-CoT answers) tells the positive from every hard negative', () => {
    for (const it of suite.items) {
      const q = goldAnswer(it.query, it.queryFocus);
      expect(goldAnswer(it.candidates[it.positiveIndex]!, it.candidateFocus[it.positiveIndex])).toBe(q);
      for (const h of it.hardNegatives) {
        expect(goldAnswer(it.candidates[h.index]!, it.candidateFocus[h.index])).not.toBe(q);
      }
    }
  });

  it('grounding crops contain their object; moment positives contain the queried change', () => {
    for (const it of suite.items) {
      if (it.task === 'image-grounding') {
        it.candidates.forEach((c, i) => {
          if (c.modality !== 'image' || !c.crop) throw new Error('grounding candidate without crop');
          expect(objectsInCrop(c.scene, c.crop)).toContain(it.candidateFocus[i]!.objects![0]);
        });
      }
      if (it.task === 'video-moment') {
        const pos = it.candidates[it.positiveIndex]!;
        if (pos.modality !== 'video' || !pos.segment || it.query.modality !== 'text')
          throw new Error('bad moment item');
        expect(goldAnswer(pos, {})).toContain(it.query.text);
      }
    }
  });
});

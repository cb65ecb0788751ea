import { describe, expect, test } from 'vitest';
import { VOCAB } from '../tcot/default';
import { encodeTCoT } from '../tcot/encode';
import { buildSuite } from '../world/suite';
import { CLIP_SIZE, IMAGE_SIZE, type WorldInput } from '../world/types';
import {
  cutRgba,
  embedItemFor,
  evidenceFor,
  readTcot,
  reasonerInputFor,
  worldEmbedItem,
  worldReasonerInput,
  worldVisual,
} from './inputs';
import { syntheticClip, syntheticImageInput } from './testdata';

const tcotIds = (evidence: Parameters<typeof encodeTCoT>[1]['evidence']) =>
  Int32Array.from(
    encodeTCoT(VOCAB, {
      thinking: 'i look at two objects .',
      evidence,
      rethink: 'the boxes show what the text names .',
      answer: 'a small red star',
    }).ids,
  );

describe('generic layer (any RGBA input)', () => {
  test('boxes become crops of the full-resolution image; evidence follows </thinking>', () => {
    const visual = syntheticImageInput(1, 200);
    const ids = tcotIds({
      key: 'bbox_2d',
      boxes: [
        [100, 100, 300, 250],
        [0, 0, 20, 20],
      ],
    });
    const item = embedItemFor(VOCAB, { visual, instruction: 'find the region that the text refers to', tcotIds: ids });
    expect(item.evidence).toHaveLength(2);
    const [a, b] = item.evidence!;
    expect(a!.kind).toBe('crop');
    // 0–1000 box on a 200-px image: x 20..60, y 20..50 (pixels of the original, not of the model's view).
    expect(a!.kind === 'crop' && a!.region).toEqual({ x: 20, y: 20, w: 40, h: 30 });
    expect(a!.image.width).toBe(200);
    // the 4-px box grows to the 12-px minimum, kept inside the image.
    expect(b!.kind === 'crop' && b!.region).toMatchObject({ x: 0, y: 0, w: 12, h: 12 });
    expect(item.evidenceAt).toBe(ids.indexOf(VOCAB.id('</thinking>')) + 1);
    expect(item.instructionIds!.length).toBe(8);
  });

  test('key frames become frames of the clip (0-based, deduplicated, in range)', () => {
    const clip = syntheticClip(2, 16, 64);
    const ev = evidenceFor(clip, { frames: [15, 3, 3, 40] });
    expect(ev.map((e) => e.kind === 'frame' && e.frameIndex)).toEqual([3, 15]);
    expect(clip.kind === 'clip' && ev[0]!.image.rgba).toBe(clip.kind === 'clip' ? clip.frames[3] : null);
  });

  test('no T-CoT → the baseline item; a text input gets no pixel evidence', () => {
    expect(embedItemFor(VOCAB, { visual: syntheticImageInput(3), text: 'a red star' }).tcotIds).toBeUndefined();
    const textItem = embedItemFor(VOCAB, {
      text: 'a red star',
      tcotIds: tcotIds({ key: 'text_keywords', keywords: ['red', 'star'] }),
    });
    expect(textItem.evidence).toEqual([]);
  });

  test('readTcot never throws, drops what follows <eos> and reports the format', () => {
    const ids = tcotIds({ key: 'key_frames', frames: [2, 3] });
    const view = readTcot(VOCAB, [...ids, 40, 41], 'key_frames');
    expect(view.ids.length).toBe(ids.length);
    expect(view.formatOk).toBe(true);
    expect(view.pointers.frames).toEqual([2, 3]);
    expect(readTcot(VOCAB, [7, 7, 7]).formatOk).toBe(false);
    expect(readTcot(VOCAB, []).evidenceAt).toBe(0);
  });

  test('reasoner prompt = instruction <sep> text', () => {
    const input = reasonerInputFor(VOCAB, { instruction: 'answer the question', text: 'what colour is it ?' });
    const sep = VOCAB.id('<sep>');
    expect(Array.from(input.promptIds)).toContain(sep);
    expect(input.promptIds.indexOf(sep)).toBe(3);
    expect(reasonerInputFor(VOCAB, { instruction: 'classify the image' }).promptIds.includes(sep)).toBe(false);
  });
});

describe('world layer', () => {
  const suite = buildSuite({ seed: 3, split: 'heldout', perTask: 2, tasks: ['image-grounding', 'video-moment'] });
  /** The first candidate of the task's first item that is a part (a crop or a segment) of its media. */
  const candidateWith = (task: string, part: 'crop' | 'segment'): WorldInput =>
    suite.items.find((i) => i.task === task)!.candidates.find((c) => part in c && c[part as keyof typeof c])!;

  test('a grounding candidate is the crop of the full-resolution scene', () => {
    const cand = candidateWith('image-grounding', 'crop') as Extract<WorldInput, { modality: 'image' }>;
    const [v, full] = [worldVisual(cand)!, worldVisual({ ...cand, crop: undefined })!];
    expect(full.width).toBe(IMAGE_SIZE);
    expect(v.width).toBe(
      Math.ceil((cand.crop![2] / 1000) * IMAGE_SIZE) - Math.floor((cand.crop![0] / 1000) * IMAGE_SIZE),
    );
    // the crop's top-left pixel is the full image's pixel at the crop origin.
    const x0 = Math.floor((cand.crop![0] / 1000) * IMAGE_SIZE);
    const y0 = Math.floor((cand.crop![1] / 1000) * IMAGE_SIZE);
    if (v.kind === 'image' && full.kind === 'image')
      expect(Array.from(v.rgba.subarray(0, 4))).toEqual(
        Array.from(full.rgba.subarray((y0 * IMAGE_SIZE + x0) * 4, (y0 * IMAGE_SIZE + x0) * 4 + 4)),
      );
  });

  test('a moment candidate is its segment; key frames count from the segment start', () => {
    const cand = candidateWith('video-moment', 'segment') as Extract<WorldInput, { modality: 'video' }>;
    const [v, full] = [worldVisual(cand)!, worldVisual({ ...cand, segment: undefined })!];
    const [s, e] = cand.segment!;
    expect(v.kind === 'clip' && v.frames.length).toBe(e - s + 1);
    expect(v.width).toBe(CLIP_SIZE);
    const item2 = worldEmbedItem(VOCAB, cand, { tcotIds: tcotIds({ key: 'key_frames', frames: [1] }) });
    if (full.kind === 'clip') expect(item2.evidence![0]!.image.rgba).toBe(full.frames[s + 1]);
  });

  test('renders are cached per spec; reasoner input carries instruction and text', () => {
    const q = suite.items[0]!.query;
    expect(worldVisual(q)?.kind === 'image' && (worldVisual(q) as { rgba: Uint8Array }).rgba).toBe(
      (worldVisual(q) as { rgba: Uint8Array }).rgba,
    );
    const r = worldReasonerInput(VOCAB, q, suite.items[0]!.instruction);
    expect(r.promptIds.length).toBeGreaterThan(3);
  });

  test('cutRgba keeps at least one pixel', () => {
    const img = { rgba: new Uint8Array(10 * 10 * 4).fill(9), width: 10, height: 10 };
    expect(cutRgba(img, [500, 500, 500, 500])).toMatchObject({ width: 1, height: 1 });
  });
});

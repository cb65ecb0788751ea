// The simulated annotator: the stand-in for the paper's teacher VLM (SPEC "Training stages"). It
// writes a T-CoT for any WorldInput from the world's exact annotations and a Focus (what the task is
// about), with controlled imperfection in 'noisy' mode and none in 'gold' mode. judgeMatch is the
// filter that splits query/positive pairs into contrastive data (match) and RL data (no match).

import { clipStates, eventFrames, eventTiming } from './clip';
import { boxIoU, objectBox } from './raster';
import { hashSeed, Rng } from './rng';
import { bestRelation, sceneBoxes } from './scene';
import type { TCoT } from './tcot-types';
import {
  CLIP_FRAMES,
  COLORS,
  IMAGE_SIZE,
  type Box,
  type ClipSpec,
  type Focus,
  type SceneObject,
  type SceneSpec,
  type WorldInput,
  OPPOSITE_EVENT,
} from './types';
import {
  EVENT_LABEL,
  NUMBER_WORDS,
  RELATION_TEXT,
  clipCaptionText,
  countPhrase,
  describeEvent,
  eventPhrase,
  eventVerbPhrase,
  lookPhrase,
  type ClipCaption,
  type EventDesc,
} from './text';
import { contentWords, tokenizeWords } from './vocab';

/**
 * Noise rates of the 'noisy' annotator. Defaults are chosen so that ≈ 80 % of query/positive
 * T-CoT pairs match under judgeMatch (measured by `npm run world -- stats`; the test pins the band
 * 0.72–0.88), mirroring the paper's 80/20 contrastive/RL split.
 */
export interface AnnotatorNoise {
  /** image: probability that one relevant object is swapped for a distractor (its box and words). */
  distractor: number;
  /** image: probability that each box is jittered (harmless to the answer). */
  jitter: number;
  /** image: maximum jitter per coordinate, 0–1000 units. */
  jitterAmount: number;
  /** video: probability that one event's key frames are missed (shifted 3–5 frames away and the event misread). */
  missEvent: number;
  /** video: probability that all key frames shift by one frame (harmless to the answer). */
  shiftFrames: number;
  /** text: probability that one keyword is dropped (from the keywords and from the answer). */
  dropKeyword: number;
  /** with the answer visible the three answer-changing rates above are multiplied by this. */
  visibleFactor: number;
}

export const DEFAULT_NOISE: AnnotatorNoise = {
  distractor: 0.22,
  jitter: 0.5,
  jitterAmount: 25,
  missEvent: 0.22,
  shiftFrames: 0.25,
  dropKeyword: 0.15,
  visibleFactor: 0.4,
};

export interface AnnotateOptions {
  mode: 'noisy' | 'gold';
  seed: number;
  /** annotate with the ground-truth answer visible (the paper does this for every other item). */
  answerVisible?: boolean;
  noise?: Partial<AnnotatorNoise>;
  /** what the task is about; without it the annotator describes the whole input. */
  focus?: Focus;
}

interface Noise {
  rng: Rng;
  rates: AnnotatorNoise;
  gold: boolean;
  scale: number;
}

function happens(n: Noise, p: number, label: string): boolean {
  return !n.gold && n.rng.fork(label).chance(p * n.scale);
}

const numberWord = (k: number) => NUMBER_WORDS[Math.min(k, NUMBER_WORDS.length - 1)]!;
const plural = (k: number, one: string, many: string) => `${numberWord(k)} ${k === 1 ? one : many}`;

/**
 * A candidate's focus as an annotator could know it without the query: what the task asks (a count, an attribute)
 * stays, what the query names (which objects, which events, a relation, a link or timing) goes; a text input keeps
 * its own text. This is what a Reasoner reasoning about a candidate on its own can be expected to write.
 */
export function queryBlindFocus(input: WorldInput, focus: Focus): Focus {
  if (input.modality === 'text') return focus;
  const { ask, count } = focus;
  return { ...(ask ? { ask } : {}), ...(count ? { count } : {}) };
}

/** The gold answer for an input under a focus (what a perfect annotator writes in <answer>). */
export function goldAnswer(input: WorldInput, focus: Focus = {}): string {
  return annotate(input, { mode: 'gold', seed: 0, focus }).answer;
}

// ---------------------------------------------------------------------------------------------
// text

function annotateText(text: string, focus: Focus, n: Noise): TCoT {
  const answerWords = tokenizeWords(focus.text ?? text);
  let keywords = contentWords(focus.text ?? text);
  let answer = answerWords;
  if (keywords.length >= 2 && happens(n, n.rates.dropKeyword, 'drop')) {
    const dropped = keywords[n.rng.fork('drop-which').int(keywords.length)]!;
    keywords = keywords.filter((k, i) => k !== dropped || keywords.indexOf(k) !== i);
    const at = answer.indexOf(dropped);
    answer = answer.filter((_, i) => i !== at);
  }
  return {
    thinking: 'the text names these words .',
    evidence: { key: 'text_keywords', keywords: Array.from(new Set(keywords)) },
    rethink: 'the keywords cover the query .',
    answer: answer.join(' '),
  };
}

// ---------------------------------------------------------------------------------------------
// image

/** How many attributes two objects share (the most confusable distractor shares the most). */
function similarity(a: SceneObject, b: SceneObject): number {
  return (['shape', 'color', 'size', 'texture'] as const).filter((k) => a[k] === b[k]).length;
}

/** Among `pool` minus `exclude`, an object most similar to the target (ties broken at random). */
function pickDistractor(
  scene: SceneSpec,
  target: number,
  pool: readonly number[],
  exclude: readonly number[],
  rng: Rng,
): number | null {
  const others = pool.filter((i) => i !== target && !exclude.includes(i));
  if (others.length === 0) return null;
  const t = scene.objects[target]!;
  const best = Math.max(...others.map((i) => similarity(scene.objects[i]!, t)));
  return rng.pick(others.filter((i) => similarity(scene.objects[i]!, t) === best));
}

function jitterBox(b: Box, amount: number, rng: Rng): Box {
  const d = () => Math.round(rng.range(-amount, amount));
  const x1 = Math.max(0, Math.min(990, b[0] + d()));
  const y1 = Math.max(0, Math.min(990, b[1] + d()));
  return [x1, y1, Math.max(x1 + 10, Math.min(1000, b[2] + d())), Math.max(y1 + 10, Math.min(1000, b[3] + d()))];
}

function imageAnswer(objs: SceneObject[], focus: Focus, scene: SceneSpec): string {
  const first = objs[0];
  switch (focus.ask ?? 'describe') {
    case 'color':
      return first ? first.color : 'nothing';
    case 'shape':
    case 'common-shape':
      return first ? first.shape : 'nothing';
    case 'size':
      return first ? first.size : 'nothing';
    case 'count':
      return numberWord(objs.length);
    default:
      if (objs.length === 0) return 'nothing';
      if (focus.count)
        return `${countPhrase(scene.objects.length)} , ${imageAnswer(objs, { ...focus, count: false }, scene)}`;
      if (focus.relation && objs.length === 2) {
        // The relation is read off the picture (so a mirrored scene reads differently).
        const rel = bestRelation(objs[0]!, objs[1]!, scene);
        if (rel) return `a ${lookPhrase(objs[0]!)} ${RELATION_TEXT[rel]} a ${lookPhrase(objs[1]!)}`;
      }
      return objs.map((o) => `a ${lookPhrase(o)}`).join(' and ');
  }
}

/** Objects described by default: all of them, at most four, left to right. */
function defaultObjects(scene: SceneSpec): number[] {
  return scene.objects
    .map((o, i) => ({ o, i }))
    .sort((p, q) => p.o.x - q.o.x)
    .slice(0, 4)
    .map((p) => p.i);
}

/** Objects whose box centre lies in the crop, the one nearest the crop centre first. */
export function objectsInCrop(scene: SceneSpec, crop: Box): number[] {
  const cx = (crop[0] + crop[2]) / 2;
  const cy = (crop[1] + crop[3]) / 2;
  return sceneBoxes(scene)
    .map((b, i) => ({ i, x: (b[0] + b[2]) / 2, y: (b[1] + b[3]) / 2 }))
    .filter((p) => p.x >= crop[0] && p.x <= crop[2] && p.y >= crop[1] && p.y <= crop[3])
    .sort((p, q) => Math.hypot(p.x - cx, p.y - cy) - Math.hypot(q.x - cx, q.y - cy))
    .map((p) => p.i);
}

/** A box in image coordinates re-expressed relative to a crop (clamped to it). */
function toCrop(b: Box, crop: Box): Box {
  const w = Math.max(1, crop[2] - crop[0]);
  const h = Math.max(1, crop[3] - crop[1]);
  const f = (v: number, o: number, s: number) => Math.max(0, Math.min(1000, Math.round(((v - o) / s) * 1000)));
  return [f(b[0], crop[0], w), f(b[1], crop[1], h), f(b[2], crop[0], w), f(b[3], crop[1], h)];
}

function annotateImage(scene: SceneSpec, crop: Box | undefined, focus: Focus, n: Noise): TCoT {
  let chosen: number[];
  if (crop) {
    const inside = objectsInCrop(scene, crop);
    const f = focus.objects?.[0];
    chosen = f !== undefined && inside.includes(f) ? [f] : inside.slice(0, 1);
  } else {
    chosen = focus.objects && focus.objects.length > 0 ? focus.objects.slice() : defaultObjects(scene);
  }
  const ask = focus.ask ?? 'describe';
  if (chosen.length > 0 && happens(n, n.rates.distractor, 'distractor')) {
    const pickRng = n.rng.fork('distractor-which');
    if (ask === 'count') {
      if (chosen.length >= 2) chosen.splice(pickRng.int(chosen.length), 1);
    } else {
      const k = pickRng.int(chosen.length);
      const pool = crop ? objectsInCrop(scene, crop) : scene.objects.map((_, i) => i);
      const d = pickDistractor(scene, chosen[k]!, pool, chosen, pickRng);
      if (d !== null) chosen[k] = d;
    }
  }
  const jitterRng = n.rng.fork('jitter');
  const boxes = chosen.map((i) => {
    let b = objectBox(scene.objects[i]!, IMAGE_SIZE);
    if (!n.gold && jitterRng.chance(n.rates.jitter)) b = jitterBox(b, n.rates.jitterAmount, jitterRng);
    return crop ? toCrop(b, crop) : b;
  });
  const objs = chosen.map((i) => scene.objects[i]!);
  return {
    thinking: `i look at ${plural(boxes.length, 'object', 'objects')} .`,
    evidence: { key: 'bbox_2d', boxes },
    rethink: ask === 'describe' ? 'the boxes show what the text names .' : 'the boxes answer the question .',
    answer: imageAnswer(objs, focus, scene),
  };
}

// ---------------------------------------------------------------------------------------------
// video

/** How a missed event is misread: the opposite change, or a wrong colour. */
function misread(d: EventDesc, rng: Rng): EventDesc {
  const opp = OPPOSITE_EVENT[d.kind];
  if (opp) return { ...d, kind: opp };
  return { ...d, to: rng.pick(COLORS.filter((c) => c !== d.to)) };
}

function videoAnswer(descs: EventDesc[], frames: number[], focus: Focus): string {
  const ask = focus.ask ?? 'describe';
  const first = descs[0];
  if (!first) return 'nothing happens';
  switch (ask) {
    case 'label':
      return EVENT_LABEL[first.kind];
    case 'color':
      return first.to ?? first.obj.color;
    case 'event':
      return eventVerbPhrase(first);
    case 'next-event':
      return descs[1] ? eventPhrase(descs[1]) : 'nothing happens';
    default: {
      // Timing and order are read off the clip, so a clip with the event moved reads differently.
      if (descs.length === 1) {
        const when = focus.when ? (eventTiming(frames[0]!) ?? undefined) : undefined;
        return clipCaptionText({ kind: 'one', ev: first, when });
      }
      if (descs.length === 2) {
        const link = focus.link ?? 'then';
        const inOrder = frames[0]! < frames[1]!;
        const c: ClipCaption =
          link === 'then'
            ? { kind: 'seq', first: inOrder ? first : descs[1]!, second: inOrder ? descs[1]! : first, link }
            : { kind: 'seq', first, second: descs[1]!, link: inOrder ? 'before' : 'after' };
        return clipCaptionText(c);
      }
      return descs.map(eventPhrase).join(' , then ');
    }
  }
}

function annotateVideo(clip: ClipSpec, segment: [number, number] | undefined, focus: Focus, n: Noise): TCoT {
  const states = clipStates(clip);
  let evs: number[];
  if (segment) {
    evs = clip.events
      .map((e, i) => ({ e, i }))
      .filter(({ e }) => e.frame - 1 >= segment[0] && e.frame <= segment[1])
      .map(({ i }) => i);
  } else {
    evs = focus.events && focus.events.length > 0 ? focus.events.slice() : clip.events.map((_, i) => i);
  }
  const descs = evs.map((i) => describeEvent(clip, states, i));
  const frameLists = evs.map((i) => eventFrames(clip.events[i]!) as number[]);
  if (evs.length > 0 && happens(n, n.rates.missEvent, 'miss')) {
    const missRng = n.rng.fork('miss-which');
    const k = missRng.int(evs.length);
    descs[k] = misread(descs[k]!, missRng);
    const off = missRng.intIn(3, 5) * (missRng.chance(0.5) ? 1 : -1);
    frameLists[k] = frameLists[k]!.map((f) => f + off);
  }
  const lo = segment ? segment[0] : 0;
  const hi = segment ? segment[1] : CLIP_FRAMES - 1;
  const shift =
    !n.gold && n.rng.fork('shift').chance(n.rates.shiftFrames) ? (n.rng.fork('shift-dir').chance(0.5) ? 1 : -1) : 0;
  const frames = Array.from(new Set(frameLists.flat().map((f) => Math.max(lo, Math.min(hi, f + shift)) - lo))).sort(
    (a, b) => a - b,
  );
  return {
    thinking: `i look at ${plural(frames.length, 'key frame', 'key frames')} .`,
    evidence: { key: 'key_frames', frames },
    rethink: 'the key frames show the events in order .',
    answer: videoAnswer(
      descs,
      evs.map((i) => clip.events[i]!.frame),
      focus,
    ),
  };
}

/** Write a T-CoT for an input. Deterministic in (input, options). */
export function annotate(input: WorldInput, opts: AnnotateOptions): TCoT {
  const rates = { ...DEFAULT_NOISE, ...opts.noise };
  const noise: Noise = {
    rng: new Rng(hashSeed(opts.seed, 'annotate')),
    rates,
    gold: opts.mode === 'gold',
    scale: opts.answerVisible ? rates.visibleFactor : 1,
  };
  const focus = opts.focus ?? {};
  switch (input.modality) {
    case 'text':
      return annotateText(input.text, focus, noise);
    case 'image':
      return annotateImage(input.scene, input.crop, focus, noise);
    case 'video':
      return annotateVideo(input.clip, input.segment, focus, noise);
  }
}

/** The answer's content as a judge compares it: lower-case words without articles. */
function normaliseAnswer(answer: string): string {
  return tokenizeWords(answer)
    .filter((w) => w !== 'a' && w !== 'an' && w !== 'the')
    .join(' ');
}

export interface JudgeOptions {
  /** also require image evidence to overlap (IoU ≥ this) when both sides are images; off by default. */
  minBoxIoU?: number;
}

/**
 * Do a query's and a positive's T-CoTs agree? They match when their answers state the same content
 * (same words in the same order, articles ignored) and, if asked, their boxes overlap.
 */
export function judgeMatch(query: TCoT, positive: TCoT, opts: JudgeOptions = {}): boolean {
  if (normaliseAnswer(query.answer) !== normaliseAnswer(positive.answer)) return false;
  if (opts.minBoxIoU !== undefined && query.evidence.key === 'bbox_2d' && positive.evidence.key === 'bbox_2d') {
    const qb = query.evidence.boxes;
    const pb = positive.evidence.boxes;
    if (qb.length !== pb.length) return false;
    return qb.every((b, i) => boxIoU(b, pb[i]!) >= opts.minBoxIoU!);
  }
  return true;
}

export interface PairAnnotation {
  query: TCoT;
  positive: TCoT;
  match: boolean;
}

/**
 * Annotate a query/positive pair the way the data pipeline does (both sides from one seed, the
 * sides on independent sub-streams) and judge it: match → contrastive data, no match → RL data.
 */
export function annotatePair(
  pair: { query: WorldInput; queryFocus: Focus; positive: WorldInput; positiveFocus: Focus },
  opts: Omit<AnnotateOptions, 'focus'>,
): PairAnnotation {
  const query = annotate(pair.query, { ...opts, seed: hashSeed(opts.seed, 'query'), focus: pair.queryFocus });
  const positive = annotate(pair.positive, {
    ...opts,
    seed: hashSeed(opts.seed, 'positive'),
    focus: pair.positiveFocus,
  });
  return { query, positive, match: judgeMatch(query, positive) };
}

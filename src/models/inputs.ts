// Inputs → model items, in one place: what the Embedder and the Reasoner read for an input, its
// instruction and (for the Embedder) its T-CoT and the evidence that T-CoT points at.
//
// Two layers:
// - generic (any RGBA image or clip, e.g. a user's own photo): `embedItemFor`, `reasonerInputFor`,
//   `evidenceFor`, `readTcot`. Evidence is cut from the *full-resolution* visual the caller passes
//   (SPEC "Evidence → Embedder": boxes → clamped crops, key frames → frames of the clip).
// - world convenience: `worldVisual` renders a WorldInput at full resolution (cached per spec object),
//   honouring `crop` (grounding candidates: the crop's pixels are the input, and its T-CoT's boxes are
//   relative to the crop) and `segment` (moment candidates: only the segment's frames, key frames
//   counted from the segment's first frame); `worldEmbedItem` / `worldReasonerInput` wrap the generic layer.
//
// This is the one file of src/models that reads src/tcot and src/world (data flows world → tcot → models).
import { cropRegions, keyFrameIndices, type CropPolicy } from '../tcot/evidence';
import { encodeWords } from '../tcot/encode';
import { parseTokens } from '../tcot/parse';
import type { EvidenceKey, Vocab } from '../tcot/vocab';
import { renderClip } from '../world/clip';
import { renderScene } from '../world/scene';
import { TASK_INSTRUCTIONS } from '../world/tasks';
import { CLIP_SIZE, IMAGE_SIZE, type Box, type ClipSpec, type SceneSpec, type WorldInput } from '../world/types';
import type { EmbedItem, Evidence } from './embedder';
import type { RgbaImage, VisualInput } from './preprocess';
import type { ReasonerInput } from './reasoner';

/** What a T-CoT points at, in the coordinates of the visual it was written for. */
export interface EvidencePointers {
  boxes?: Box[]; // 0–1000, x by width, y by height
  frames?: number[]; // 0-based frame indices of the clip
}

/** The evidence key a T-CoT for this visual must use (SPEC "T-CoT format"). */
export function expectedEvidenceKey(visual: VisualInput | undefined): EvidenceKey {
  return visual?.kind === 'image' ? 'bbox_2d' : visual?.kind === 'clip' ? 'key_frames' : 'text_keywords';
}

/** Crops / key frames one T-CoT feeds the Embedder (within its `maxEvidence` slots): the one setting everywhere. */
export const MAX_EVIDENCE = 3;

export interface EvidenceOptions {
  maxEvidence?: number; // MAX_EVIDENCE — crops / key frames fed (the Embedder's slots)
  cropPolicy?: Partial<CropPolicy>; // tcot/evidence.ts defaults (min 12 px, aspect ≤ 3)
}

/** Pointers → Embedder evidence cut from the full-resolution visual (nothing for text inputs). */
export function evidenceFor(
  visual: VisualInput | undefined,
  pointers: EvidencePointers,
  opts: EvidenceOptions = {},
): Evidence[] {
  const max = opts.maxEvidence ?? MAX_EVIDENCE;
  if (!visual || max <= 0) return [];
  if (visual.kind === 'image' && pointers.boxes && pointers.boxes.length > 0) {
    const image: RgbaImage = { rgba: visual.rgba, width: visual.width, height: visual.height };
    return cropRegions(pointers.boxes, visual.width, visual.height, { ...opts.cropPolicy, maxCrops: max }).map(
      (region) => ({ kind: 'crop' as const, image, region }),
    );
  }
  if (visual.kind === 'clip' && pointers.frames && pointers.frames.length > 0) {
    return keyFrameIndices(pointers.frames, visual.frames.length, max).map((f) => ({
      kind: 'frame' as const,
      image: { rgba: visual.frames[f]!, width: visual.width, height: visual.height },
      frameIndex: f,
    }));
  }
  return [];
}

/** A T-CoT token sequence as the Embedder consumes it. */
export interface TcotView {
  ids: Int32Array; // up to and including <eos> (what follows is dropped)
  evidenceAt: number; // evidence follows ids[0 .. evidenceAt): just after </thinking> (or the end)
  pointers: EvidencePointers;
  formatOk: boolean;
}

/** Parse a T-CoT (never throws) and locate where its evidence goes. */
export function readTcot(vocab: Vocab, ids: ArrayLike<number>, expectedKey?: EvidenceKey): TcotView {
  const eos = vocab.id('<eos>');
  let end = 0;
  while (end < ids.length && ids[end] !== eos) end++;
  const kept = Int32Array.from({ length: Math.min(ids.length, end + 1) }, (_, i) => ids[i]!);
  const parsed = parseTokens(vocab, kept, { expectedKey });
  const close = kept.indexOf(vocab.id('</thinking>'));
  const pointers: EvidencePointers = {};
  if (parsed.evidence?.key === 'bbox_2d') pointers.boxes = parsed.evidence.boxes;
  if (parsed.evidence?.key === 'key_frames') pointers.frames = parsed.evidence.frames;
  return { ids: kept, evidenceAt: close >= 0 ? close + 1 : kept.length, pointers, formatOk: parsed.formatOk };
}

/**
 * The Reasoner was trained with a task instruction on both sides; an input without one (a library item, a user's
 * pair with none chosen) is reasoned about as a candidate for caption queries: that task's first instruction.
 */
const CAPTION_INSTRUCTION = {
  image: TASK_INSTRUCTIONS['image-t2i'][0]!,
  clip: TASK_INSTRUCTIONS['video-t2v'][0]!,
} as const;
export const reasoningInstruction = (visual?: VisualInput): string =>
  CAPTION_INSTRUCTION[visual?.kind === 'clip' ? 'clip' : 'image'];

export interface ItemParts {
  visual?: VisualInput; // full resolution: the models downsample; evidence is cut from it
  text?: string; // the input's own text (a caption query, a VQA question, a referring expression)
  instruction?: string;
  tcotIds?: ArrayLike<number> | null; // absent / null: the no-reasoning baseline
}

const toIds = (vocab: Vocab, text: string | undefined) =>
  text ? Int32Array.from(encodeWords(vocab, text).ids) : undefined;

/** Embedder item: global view + text + instruction + T-CoT with its evidence cut from `visual`. */
export function embedItemFor(vocab: Vocab, parts: ItemParts, opts: EvidenceOptions = {}): EmbedItem {
  const item: EmbedItem = {
    visual: parts.visual,
    textIds: toIds(vocab, parts.text),
    instructionIds: toIds(vocab, parts.instruction),
  };
  if (parts.tcotIds) {
    const view = readTcot(vocab, parts.tcotIds, expectedEvidenceKey(parts.visual));
    item.tcotIds = view.ids;
    item.evidenceAt = view.evidenceAt;
    item.evidence = evidenceFor(parts.visual, view.pointers, opts);
  }
  return item;
}

/** Reasoner input: the visual and the prompt `instruction <sep> text` (either part may be absent). */
export function reasonerInputFor(vocab: Vocab, parts: Omit<ItemParts, 'tcotIds'>): ReasonerInput {
  const prompt = [...(toIds(vocab, parts.instruction) ?? [])];
  const text = toIds(vocab, parts.text);
  if (text && text.length > 0) prompt.push(vocab.id('<sep>'), ...text);
  return { visual: parts.visual, promptIds: Int32Array.from(prompt) };
}

// ---- the built-in world ------------------------------------------------------------------------

// Renders are pure functions of the spec objects, which suites and streams never mutate.
const sceneCache = new WeakMap<SceneSpec, Uint8Array>();
const clipCache = new WeakMap<ClipSpec, Uint8Array[]>();

function sceneRgba(scene: SceneSpec): Uint8Array {
  let rgba = sceneCache.get(scene);
  if (!rgba) sceneCache.set(scene, (rgba = renderScene(scene)));
  return rgba;
}

function clipFrames(clip: ClipSpec): Uint8Array[] {
  let frames = clipCache.get(clip);
  if (!frames) clipCache.set(clip, (frames = renderClip(clip)));
  return frames;
}

/** The pixels of a 0–1000 box of an RGBA image (rounded outwards to whole pixels, at least 1×1). */
export function cutRgba(img: RgbaImage, box: Box): RgbaImage {
  const px = (v: number, size: number) => Math.min(size, Math.max(0, (v / 1000) * size));
  const x0 = Math.min(img.width - 1, Math.floor(px(box[0], img.width)));
  const y0 = Math.min(img.height - 1, Math.floor(px(box[1], img.height)));
  const x1 = Math.max(x0 + 1, Math.ceil(px(box[2], img.width)));
  const y1 = Math.max(y0 + 1, Math.ceil(px(box[3], img.height)));
  const w = x1 - x0;
  const h = y1 - y0;
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    rgba.set(img.rgba.subarray(((y0 + y) * img.width + x0) * 4, ((y0 + y) * img.width + x1) * 4), y * w * 4);
  return { rgba, width: w, height: h };
}

/** A WorldInput's full-resolution visual (undefined for text). Crops and segments are applied. */
export function worldVisual(input: WorldInput): VisualInput | undefined {
  if (input.modality === 'image') {
    const full: RgbaImage = { rgba: sceneRgba(input.scene), width: IMAGE_SIZE, height: IMAGE_SIZE };
    const img = input.crop ? cutRgba(full, input.crop) : full;
    return { kind: 'image', ...img };
  }
  if (input.modality === 'video') {
    const frames = clipFrames(input.clip);
    const [start, end] = input.segment ?? [0, frames.length - 1];
    return {
      kind: 'clip',
      frames: frames.slice(Math.max(0, start), Math.min(frames.length - 1, end) + 1),
      width: CLIP_SIZE,
      height: CLIP_SIZE,
    };
  }
  return undefined;
}

/** The text a WorldInput carries (a text input's text, or the question/expression of an image/clip). */
export function worldText(input: WorldInput): string | undefined {
  return input.text;
}

/** Embedder item of a WorldInput, its instruction (query side) and optionally a T-CoT. */
export function worldEmbedItem(
  vocab: Vocab,
  input: WorldInput,
  opts: { instruction?: string; tcotIds?: ArrayLike<number> | null } & EvidenceOptions = {},
): EmbedItem {
  return embedItemFor(
    vocab,
    { visual: worldVisual(input), text: worldText(input), instruction: opts.instruction, tcotIds: opts.tcotIds },
    opts,
  );
}

/** Reasoner input of a WorldInput and its instruction. */
export function worldReasonerInput(vocab: Vocab, input: WorldInput, instruction?: string): ReasonerInput {
  return reasonerInputFor(vocab, { visual: worldVisual(input), text: worldText(input), instruction });
}

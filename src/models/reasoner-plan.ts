// The Reasoner's token plans: what its prefix holds (vision tokens — linear patches or the stem's views — the
// prompt and <bos>, left-padded so every row's <bos> sits at P − 1), the generated tokens after it, and which keys
// each row may attend to. Pure arrays (plan.ts embeds them); reasoner.ts runs them.
import { InputError } from './errors';
import { patchDimOf, PlanBuilder, type TokenPlan } from './plan';
import { clipFrame, imagePatches, sampleFrameIndices, type RgbaImage, type VisualInput } from './preprocess';
import type { ReasonerConfig } from './reasoner-config';
import { stemInput } from './vision';

/** Segment type ids (rows of type_emb). */
export const ReasonSegment = { pad: 0, image: 1, clip: 2, prompt: 3, bos: 4, generated: 5 } as const;
export const N_SEGMENTS = 6;

/** One input to condition on: an optional image or clip, and the prompt (instruction and/or input text). */
export interface ReasonerInput {
  visual?: VisualInput;
  promptIds: Int32Array;
}

/** `ids` unchanged, or an InputError naming the first id outside the vocabulary. */
export function checkIds(c: ReasonerConfig, ids: Int32Array): Int32Array {
  for (let i = 0; i < ids.length; i++) {
    if (ids[i]! < 0 || ids[i]! >= c.vocabSize)
      throw new InputError(`token id ${ids[i]} outside vocab [0, ${c.vocabSize})`);
  }
  return ids;
}

/** One image at size²: linear patches, or a view for the vision stem. */
function addView(
  c: ReasonerConfig,
  builder: PlanBuilder,
  image: RgbaImage,
  size: number,
  type: number,
  posOffset: number,
  frame: number | null,
): void {
  if (c.vision) builder.view(stemInput(image, size), size, (size / c.patch) ** 2, type, posOffset, frame);
  else builder.patches(imagePatches(image, size, c.patch), type, posOffset, frame);
}

/** Left-padded prefix plan, so every row's BOS sits at index P − 1. */
export function prefixPlan(c: ReasonerConfig, inputs: ReasonerInput[]): TokenPlan {
  const imageCells = (c.imageSize / c.patch) ** 2;
  const builder = new PlanBuilder(patchDimOf(c.patch));
  for (const input of inputs) {
    builder.startItem();
    if (input.visual?.kind === 'image') {
      addView(c, builder, input.visual, c.imageSize, ReasonSegment.image, 0, null);
    } else if (input.visual?.kind === 'clip') {
      const clip = input.visual;
      sampleFrameIndices(clip.frames.length, c.clipFrames).forEach((f, slot) => {
        addView(c, builder, clipFrame(clip, f), c.clipSize, ReasonSegment.clip, imageCells, slot);
      });
    }
    builder.text(checkIds(c, input.promptIds), ReasonSegment.prompt).text([c.bosId], ReasonSegment.bos);
  }
  return builder.build(true);
}

/** Plan of generated tokens following each row's prefix: row b's token t sits at position start[b] + t. */
export function suffixPlan(c: ReasonerConfig, rows: Int32Array[], start: Int32Array, length: number): TokenPlan {
  const batch = rows.length;
  const n = batch * length;
  const plan: TokenPlan = {
    batch,
    length,
    lengths: new Int32Array(batch),
    tokenIds: new Int32Array(n),
    textMask: new Float32Array(n).fill(1),
    typeIds: new Int32Array(n).fill(ReasonSegment.generated),
    posIds: new Int32Array(n),
    keyValid: new Uint8Array(n),
  };
  rows.forEach((ids, b) => {
    plan.lengths[b] = Math.min(ids.length, length);
    for (let t = 0; t < length; t++) {
      const r = b * length + t;
      plan.tokenIds[r] = t < ids.length ? ids[t]! : c.padId;
      plan.posIds[r] = Math.min(start[b]! + t, c.maxLen - 1);
      plan.keyValid[r] = t < ids.length ? 1 : 0;
    }
  });
  return plan;
}

/**
 * Which of `total` keys each row may attend to: row b's prefix is input rowInput[b]'s, then its suffix's tokens
 * (`suffix`), or — without one — every key after the prefix (decoding with a cache: all generated so far).
 */
export function rowKeyValid(
  prefix: TokenPlan,
  rowInput: ArrayLike<number>,
  total: number,
  suffix?: TokenPlan,
): Uint8Array {
  const P = prefix.length;
  const B = rowInput.length;
  const valid = new Uint8Array(B * total);
  if (!suffix) valid.fill(1);
  for (let b = 0; b < B; b++) {
    const i = rowInput[b]!;
    valid.set(prefix.keyValid.subarray(i * P, (i + 1) * P), b * total);
    if (suffix) valid.set(suffix.keyValid.subarray(b * suffix.length, (b + 1) * suffix.length), b * total + P);
  }
  return valid;
}

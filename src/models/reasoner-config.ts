// The Reasoner's configuration: every field with its default, the test presets, and validation. The shipped
// config (trained and in public/models) is shipped.ts `shippedReasonerConfig`, on the T-CoT vocabulary.
import { checkInt, checkThat, checkTransformerConfig } from './errors';
import { TINY_TRANSFORMER } from './layers';
import { validateAttrConfig, type AttrConfig } from './attr';
import { validateClipEventsConfig, type ClipEventsConfig } from './clip-events';
import { validateCopyConfig, type CopyConfig } from './copy';
import { validateFollowConfig, type FollowConfig } from './follow';
import { validateSceneConfig, type SceneConfig } from './scene';
import { validatePointerConfig, type PointerConfig } from './pointer';
import { checkVisionPatch, type VisionConfig } from './vision';

export interface ReasonerConfig {
  vocabSize: number; // 1024 — word + T-CoT token vocabulary (tags, location bins, frame tokens, specials)
  dModel: number; // 192
  nLayers: number; // 4
  nHeads: number; // 6 (head size 32)
  mlpRatio: number; // 4
  maxLen: number; // 320 — prefix (≤ 144 vision + prompt + BOS) plus generated tokens
  patch: number; // 8
  imageSize: number; // 96 — images are resized to imageSize² (144 tokens)
  clipFrames: number; // 16 — frames a clip is sampled to (frame-index rows)
  clipSize: number; // 24 — clip frames are resized to clipSize² (9 tokens each)
  bosId: number; // 1 — ends the prefix; the first T-CoT token is predicted from it
  padId: number; // 0 — fed for finished rows and padding (always masked or ignored)
  lnEps: number; // 1e-5
  seed: number; // 2 — weight init
  vision: VisionConfig | null; // null — linear patches; a config — the shared pre-trained vision stem (patch = 8·merge px per token)
  pointer: PointerConfig | null; // null — location / frame tokens from the tied head alone; a config — plus a pointer over the vision tokens (pointer.ts)
  attr?: AttrConfig | null; // absent / null — none; a config — answer words read the stem head at the attended object (attr.ts; needs a stem pointer)
  copy?: CopyConfig | null; // absent / null — no copying; a config — tokens may be copied from the input's text (copy.ts; needs a pointer)
  motion?: boolean; // absent / false — none; true — clip tokens and stem cells also see what changed since the frame before and until the frame after (motion.ts; needs a stem)
  clipEvents?: ClipEventsConfig | null; // absent / null — none; a config — a frozen event detector on the stem's cells points key frames and names events (clip-events.ts)
  scene?: SceneConfig | null; // absent / null — none; a config — the prompt's attribute words point at the named object, number words read the stem's count (scene.ts; needs attr)
  follow?: FollowConfig | null; // absent / null — none; a config — the answer's k-th object is read at the T-CoT's k-th box (follow.ts; needs attr)
}

export function defaultReasonerConfig(): ReasonerConfig {
  return {
    vocabSize: 1024,
    dModel: 192,
    nLayers: 4,
    nHeads: 6,
    mlpRatio: 4,
    maxLen: 320,
    patch: 8,
    imageSize: 96,
    clipFrames: 16,
    clipSize: 24,
    bosId: 1,
    padId: 0,
    lnEps: 1e-5,
    seed: 2,
    vision: null,
    pointer: null,
  };
}

const TINY: Partial<ReasonerConfig> = { ...TINY_TRANSFORMER, maxLen: 96, imageSize: 32, clipFrames: 4, clipSize: 16 };
const TINY_VISION: Partial<ReasonerConfig> = { ...TINY, patch: 16, vision: { width4: 8, width8: 16, convs8: 1 } };
const TINY_POINTER = { locStart: 10, locBins: 11, frameStart: 21, frames: 16, dk: 8, sigma: 60 };

/** Override objects on top of defaultReasonerConfig(). `tiny` is for tests and browser smoke runs; `tinyVision` reads a tiny vision stem, `tinyPointer` also points. */
export const REASONER_PRESETS: Record<
  'default' | 'tiny' | 'tinyVision' | 'tinyPointer' | 'tinyStemPointer',
  Partial<ReasonerConfig>
> = {
  default: {},
  tiny: TINY,
  tinyVision: TINY_VISION,
  tinyPointer: { ...TINY_VISION, pointer: TINY_POINTER },
  tinyStemPointer: {
    ...TINY_VISION,
    pointer: { ...TINY_POINTER, source: 'stem', stemHead: { out: 13, slots: 2, slotOut: 6 }, boxPrior: true },
  },
};

export function validateReasonerConfig(config: ReasonerConfig): void {
  checkTransformerConfig(config);
  checkInt(config, 'imageSize', config.patch, 512);
  checkThat(config.imageSize % config.patch === 0, 'imageSize', `must be a multiple of patch ${config.patch}`);
  checkInt(config, 'clipSize', config.patch, 512);
  checkThat(config.clipSize % config.patch === 0, 'clipSize', `must be a multiple of patch ${config.patch}`);
  checkInt(config, 'clipFrames', 1, 256);
  checkInt(config, 'bosId', 0, config.vocabSize - 1);
  checkInt(config, 'padId', 0, config.vocabSize - 1);
  checkVisionPatch(config.vision, config.patch);
  if (config.pointer !== null) {
    validatePointerConfig(config.pointer, config.vocabSize);
    checkThat(
      config.pointer.source !== 'stem' || config.vision !== null,
      'pointer.source',
      "'stem' needs a vision stem",
    );
  }
  if (config.attr)
    validateAttrConfig(
      config.attr,
      config.vocabSize,
      config.pointer?.source === 'stem' ? config.pointer.stemHead : undefined,
    );
  checkThat(config.motion === undefined || typeof config.motion === 'boolean', 'motion', 'must be true or false');
  checkThat(!config.motion || config.vision !== null, 'motion', 'reads the vision stem: it needs one');
  if (config.clipEvents)
    validateClipEventsConfig(config.clipEvents, config.vocabSize, config.pointer?.source === 'stem');
  if (config.scene) validateSceneConfig(config.scene, config.vocabSize, Boolean(config.attr));
  if (config.follow) validateFollowConfig(config.follow, config.vocabSize, Boolean(config.attr));
  if (config.copy) {
    checkThat(config.pointer !== null, 'copy', 'the copy head reads the pointer context: it needs a pointer');
    validateCopyConfig(config.copy, config.vocabSize);
  }
}

// Evidence extraction: which pixels and frames a T-CoT points at. Boxes become crop regions of the
// original full-resolution input (clamped to it, at least `minSize` pixels, aspect ratio at most
// `maxAspect`); key frames become valid frame indices. The models' preprocessing resizes the regions for
// the encoder (src/models/preprocess.ts `resizeArea(img, w, h, region)`).
import type { Box } from './parse';

/** A pixel rectangle of the full-resolution input. */
export interface PixelRegion {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface CropPolicy {
  /** Smallest crop side, in pixels of the original (a 2-px box would show nothing). Default 12. */
  minSize: number;
  /** Largest long/short side ratio; thinner boxes are widened around their centre. Default 3. */
  maxAspect: number;
  /** Most crops taken from one T-CoT (the Embedder's evidence slots). Default 3. */
  maxCrops: number;
}

export const DEFAULT_CROP_POLICY: CropPolicy = { minSize: 12, maxAspect: 3, maxCrops: 3 };

/**
 * A 0–1000 box → the pixel region to crop from a width×height image.
 * Order of operations: to pixels, clamp, grow to minSize, widen to maxAspect (each growth centred, then
 * shifted back inside the image). Always returns a non-empty region inside the image.
 */
export function boxToRegion(box: Box, width: number, height: number, policy: Partial<CropPolicy> = {}): PixelRegion {
  const { minSize, maxAspect } = { ...DEFAULT_CROP_POLICY, ...policy };
  const clamp01 = (v: number) => Math.min(1000, Math.max(0, Number.isFinite(v) ? v : 0));
  let x1 = (clamp01(Math.min(box[0], box[2])) / 1000) * width;
  const x2 = (clamp01(Math.max(box[0], box[2])) / 1000) * width;
  let y1 = (clamp01(Math.min(box[1], box[3])) / 1000) * height;
  const y2 = (clamp01(Math.max(box[1], box[3])) / 1000) * height;
  let w = Math.max(x2 - x1, Math.min(minSize, width));
  let h = Math.max(y2 - y1, Math.min(minSize, height));
  if (w > h * maxAspect) h = Math.min(height, w / maxAspect);
  if (h > w * maxAspect) w = Math.min(width, h / maxAspect);
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  x1 = Math.min(Math.max(0, cx - w / 2), width - w);
  y1 = Math.min(Math.max(0, cy - h / 2), height - h);
  return { x: x1, y: y1, w, h };
}

/** The crop regions for a T-CoT's boxes (at most maxCrops, in the order written). */
export function cropRegions(
  boxes: readonly Box[],
  width: number,
  height: number,
  policy: Partial<CropPolicy> = {},
): PixelRegion[] {
  const { maxCrops } = { ...DEFAULT_CROP_POLICY, ...policy };
  return boxes.slice(0, maxCrops).map((b) => boxToRegion(b, width, height, policy));
}

/**
 * Key frames → the frame indices to feed: in range [0, total), duplicates dropped, in time order, at
 * most `max`. (0-based everywhere, SPEC ★.)
 */
export function keyFrameIndices(frames: readonly number[], total: number, max: number): number[] {
  const valid = [...new Set(frames.filter((f) => Number.isInteger(f) && f >= 0 && f < total))];
  return valid.slice(0, max).sort((a, b) => a - b);
}

// Pixel preprocessing shared by both models: plain typed arrays in, normalised float patches out.
// Pure functions, no tensors: the models turn the resulting rows into tensors in one upload.
import { InputError } from './errors';

/** An RGBA8 image, row-major, 4 bytes per pixel (alpha is ignored). */
export interface RgbaImage {
  rgba: Uint8Array;
  width: number;
  height: number;
}

/** What a model can look at: one image, or a clip of equally sized RGBA frames. */
export type VisualInput =
  | { kind: 'image'; rgba: Uint8Array; width: number; height: number }
  | { kind: 'clip'; frames: Uint8Array[]; width: number; height: number };

/** A pixel rectangle inside an image (may be fractional; clamped to the image). */
export interface Region {
  x: number;
  y: number;
  w: number;
  h: number;
}

function checkImage(img: RgbaImage): void {
  if (img.rgba.length !== img.width * img.height * 4) {
    throw new InputError(`rgba length ${img.rgba.length} != ${img.width}x${img.height}x4`);
  }
}

/** For one axis: which source pixels cover output pixel i, and with what weight (weights sum to 1). */
function areaWeights(start: number, extent: number, outSize: number): { idx: number[]; w: number[] }[] {
  const scale = extent / outSize;
  const rows: { idx: number[]; w: number[] }[] = [];
  for (let i = 0; i < outSize; i++) {
    const lo = start + i * scale;
    const hi = lo + scale;
    const idx: number[] = [];
    const w: number[] = [];
    for (let s = Math.floor(lo); s < Math.ceil(hi - 1e-9); s++) {
      const cover = Math.min(hi, s + 1) - Math.max(lo, s);
      if (cover > 1e-9) {
        idx.push(s);
        w.push(cover / scale);
      }
    }
    rows.push({ idx, w });
  }
  return rows;
}

/**
 * Area-average resize of `img` (or of `region` inside it) to outW×outH, RGB normalised to
 * [-1, 1] as (v/255 − 0.5)·2. Returns Float32Array [outH, outW, 3]. Each output pixel is the exact
 * coverage-weighted mean of the source pixels under it, so downsampling never aliases small objects away.
 */
export function resizeArea(img: RgbaImage, outW: number, outH: number, region?: Region): Float32Array {
  checkImage(img);
  let { x, y, w, h } = region ?? { x: 0, y: 0, w: img.width, h: img.height };
  const x1 = Math.min(img.width, Math.max(0, x + w));
  const y1 = Math.min(img.height, Math.max(0, y + h));
  x = Math.min(img.width, Math.max(0, x));
  y = Math.min(img.height, Math.max(0, y));
  w = x1 - x;
  h = y1 - y;
  if (w <= 0 || h <= 0) throw new InputError(`empty region after clamping: ${JSON.stringify(region)}`);
  const colW = areaWeights(x, w, outW);
  const rowW = areaWeights(y, h, outH);
  const out = new Float32Array(outW * outH * 3);
  const src = img.rgba;
  for (let oy = 0; oy < outH; oy++) {
    const ry = rowW[oy]!;
    for (let ox = 0; ox < outW; ox++) {
      const rx = colW[ox]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let a = 0; a < ry.idx.length; a++) {
        const rowBase = ry.idx[a]! * img.width;
        const wy = ry.w[a]!;
        for (let c = 0; c < rx.idx.length; c++) {
          const p = (rowBase + rx.idx[c]!) * 4;
          const wgt = wy * rx.w[c]!;
          r += src[p]! * wgt;
          g += src[p + 1]! * wgt;
          b += src[p + 2]! * wgt;
        }
      }
      const o = (oy * outW + ox) * 3;
      out[o] = (r / 255 - 0.5) * 2;
      out[o + 1] = (g / 255 - 0.5) * 2;
      out[o + 2] = (b / 255 - 0.5) * 2;
    }
  }
  return out;
}

/**
 * Cut a [size, size, 3] float image into non-overlapping patch×patch squares.
 * Returns Float32Array [nPatches, patch·patch·3]: patches row-major over the grid, each patch
 * flattened as (dy, dx, channel) — the layout the patch projection's input rows expect.
 */
export function patchify(pixels: Float32Array, size: number, patch: number): Float32Array {
  if (size % patch !== 0) throw new InputError(`size ${size} not divisible by patch ${patch}`);
  const grid = size / patch;
  const rowLen = patch * patch * 3;
  const out = new Float32Array(grid * grid * rowLen);
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const base = (gy * grid + gx) * rowLen;
      for (let dy = 0; dy < patch; dy++) {
        const srcRow = ((gy * patch + dy) * size + gx * patch) * 3;
        out.set(pixels.subarray(srcRow, srcRow + patch * 3), base + dy * patch * 3);
      }
    }
  }
  return out;
}

/** `count` frame indices spread evenly over `total` frames (centre of each equal span), ascending. */
export function sampleFrameIndices(total: number, count: number): number[] {
  if (total <= 0) throw new InputError('clip has no frames');
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Math.min(total - 1, Math.floor(((i + 0.5) * total) / count)));
  return out;
}

/** Resize then patchify in one call: [nPatches, patch·patch·3]. */
export function imagePatches(img: RgbaImage, size: number, patch: number, region?: Region): Float32Array {
  return patchify(resizeArea(img, size, size, region), size, patch);
}

/** The frames of a clip as RgbaImages (views, no copies). */
export function clipFrame(clip: Extract<VisualInput, { kind: 'clip' }>, index: number): RgbaImage {
  const rgba = clip.frames[index];
  if (!rgba) throw new InputError(`clip frame ${index} out of range (${clip.frames.length} frames)`);
  return { rgba, width: clip.width, height: clip.height };
}

// Deterministic synthetic inputs for the models' tests and benchmark (no dependency on src/world).
import * as tf from '@tensorflow/tfjs-core';
import type { AttrConfig } from './attr';
import { TINY_TRANSFORMER, type ParamStore } from './layers';
import type { RgbaImage, VisualInput } from './preprocess';
import { seededRng } from './rng';

/** The tiny presets' vocabulary size: the models' tests draw token ids below it. */
export const V = TINY_TRANSFORMER.vocabSize;

/** A w×h RGBA image of smooth gradients plus a few solid squares, reproducible from `seed`. */
export function syntheticImage(seed: number, width = 96, height = 96): RgbaImage {
  const rng = seededRng(seed);
  const rgba = new Uint8Array(width * height * 4);
  const base = [rng.float() * 255, rng.float() * 255, rng.float() * 255];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      rgba[p] = (base[0]! + x * 2) % 256;
      rgba[p + 1] = (base[1]! + y * 2) % 256;
      rgba[p + 2] = (base[2]! + (x + y)) % 256;
      rgba[p + 3] = 255;
    }
  }
  for (let s = 0; s < 3; s++) {
    const size = 10 + Math.floor(rng.float() * 7);
    const x0 = Math.floor(rng.float() * (width - size));
    const y0 = Math.floor(rng.float() * (height - size));
    const color = [rng.float() * 255, rng.float() * 255, rng.float() * 255];
    for (let y = y0; y < y0 + size; y++) {
      for (let x = x0; x < x0 + size; x++) rgba.set([color[0]!, color[1]!, color[2]!, 255], (y * width + x) * 4);
    }
  }
  return { rgba, width, height };
}

export function syntheticImageInput(seed: number, size = 96): VisualInput {
  return { kind: 'image', ...syntheticImage(seed, size, size) };
}

/** A clip of `frames` frames: one image whose squares drift a little each frame. */
export function syntheticClip(seed: number, frames = 16, size = 64): VisualInput {
  const list: Uint8Array[] = [];
  for (let f = 0; f < frames; f++) list.push(syntheticImage(seed * 1000 + f, size, size).rgba);
  return { kind: 'clip', frames: list, width: size, height: size };
}

/** `length` token ids in [lo, hi), reproducible from `seed`. */
export function syntheticIds(seed: number, length: number, lo: number, hi: number): Int32Array {
  const rng = seededRng(seed);
  return Int32Array.from({ length }, () => lo + Math.floor(rng.float() * (hi - lo)));
}

/** Loss value and the gradient of every named parameter (Float32Array per name) — for tests. */
export async function gradientsOf(
  params: ParamStore,
  loss: () => tf.Scalar,
): Promise<{ value: number; grads: Map<string, Float32Array> }> {
  const names = [...params.vars.keys()];
  const { value, grads } = tf.variableGrads(loss, params.list());
  const out = new Map<string, Float32Array>();
  for (const name of names) {
    const g = grads[params.get(name).name];
    if (g) out.set(name, (await g.data()) as Float32Array);
  }
  const loss0 = (await value.data())[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  return { value: loss0, grads: out };
}

/** max |a − b| / max |b| over two gradient maps; names missing from either count as 1. */
export function maxRelativeGradDiff(
  a: Map<string, Float32Array>,
  b: Map<string, Float32Array>,
): { name: string; diff: number } {
  let worst = { name: '', diff: 0 };
  for (const [name, gb] of b) {
    const ga = a.get(name);
    let diff = 1;
    if (ga && ga.length === gb.length) {
      let scale = 1e-8;
      let maxAbs = 0;
      for (let i = 0; i < gb.length; i++) {
        scale = Math.max(scale, Math.abs(gb[i]!));
        maxAbs = Math.max(maxAbs, Math.abs(ga[i]! - gb[i]!));
      }
      diff = maxAbs / scale;
    }
    if (diff > worst.diff) worst = { name, diff };
  }
  return worst;
}

/** A stem head with slot blocks of 9 (centre, 2 colours, 2 shapes, box) and the attribute reader on it: words 40–45. */
export const TEST_STEM_HEAD = { out: 20, slots: 2, slotOut: 9 };
export const TEST_ATTR: AttrConfig = {
  families: [
    { offset: 1, ids: [40, 41] },
    { offset: 3, ids: [42, -1] },
  ],
  sizeIds: [44, 45],
  gateBias: 0,
};

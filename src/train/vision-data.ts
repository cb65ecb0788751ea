// Dense targets for the vision stage: views of the world's scenes, crops and clip frames, each with a
// target on every 8-px cell read off the exact annotations. Per cell and per size slot (small, large):
// is an object's centre here, its colour / shape / texture, and its box (centre offset in the cell,
// width and height as a share of the view); per cell: the colour of the topmost object covering the cell
// centre, or background. The stream is unbounded: view i of step s is a pure function of (seed, s, i).
import { CELL_PX, stemInput } from '../models/vision';
import { clipStates, generateClip, renderClip } from '../world/clip';
import { objectBox, shapeSdf } from '../world/raster';
import { hashSeed, Rng } from '../world/rng';
import { generateScene, renderScene } from '../world/scene';
import { boxToRegion, type PixelRegion } from '../tcot/evidence';
import {
  CLIP_SIZE,
  COLORS,
  IMAGE_SIZE,
  SHAPES,
  TEXTURES,
  type Box,
  type Color,
  type Shape,
  type Size,
  type Texture,
} from '../world/types';

/** An object as the targets need it: look, centre and radius in 0–1000 of its image. */
export interface ViewObject {
  shape: Shape;
  color: Color;
  size: Size;
  texture: Texture;
  x: number;
  y: number;
  r: number;
}

export interface CellTargets {
  cells: number; // g² cells of the view
  centre: Float32Array; // [cells, 2] 0/1
  color: Int32Array; // [cells, 2] class or −1
  shape: Int32Array; // [cells, 2]
  texture: Int32Array; // [cells, 2]
  box: Float32Array; // [cells, 2, 4]: dx, dy in the cell (0–1), w, h as a share of the view side
  cover: Int32Array; // [cells] colour class, or 8 for background
  boxes: { cell: number; slot: number; box: Box }[]; // the true boxes, in 0–1000 of the view
}

export interface View {
  kind: 'scene' | 'crop' | 'frame';
  size: number;
  stem: Float32Array; // stemInput rows
  targets: CellTargets;
}

/** Targets for a view of `region` (pixels of a srcSize² image holding `objects`, drawn in order) at size². */
export function cellTargets(
  objects: readonly ViewObject[],
  srcSize: number,
  region: PixelRegion,
  size: number,
): CellTargets {
  const g = size / CELL_PX;
  const cells = g * g;
  const t: CellTargets = {
    cells,
    centre: new Float32Array(cells * 2),
    color: new Int32Array(cells * 2).fill(-1),
    shape: new Int32Array(cells * 2).fill(-1),
    texture: new Int32Array(cells * 2).fill(-1),
    box: new Float32Array(cells * 8),
    cover: new Int32Array(cells).fill(COLORS.length),
    boxes: [],
  };
  const sx = size / region.w;
  const sy = size / region.h;
  const toView = (px: number, py: number): [number, number] => [(px - region.x) * sx, (py - region.y) * sy];
  objects.forEach((o) => {
    const [cx, cy] = toView((o.x / 1000) * srcSize, (o.y / 1000) * srcSize);
    const gx = Math.floor(cx / CELL_PX);
    const gy = Math.floor(cy / CELL_PX);
    if (gx < 0 || gy < 0 || gx >= g || gy >= g) return;
    const b = objectBox(o, srcSize);
    const [x1, y1] = toView((b[0] / 1000) * srcSize, (b[1] / 1000) * srcSize);
    const [x2, y2] = toView((b[2] / 1000) * srcSize, (b[3] / 1000) * srcSize);
    const clamp = (v: number) => Math.min(1000, Math.max(0, Math.round((v / size) * 1000)));
    const viewBox: Box = [clamp(x1), clamp(y1), clamp(x2), clamp(y2)];
    const slot = o.size === 'small' ? 0 : 1;
    const k = (gy * g + gx) * 2 + slot;
    t.centre[k] = 1; // a later object in the same cell and slot (drawn on top) wins
    t.color[k] = COLORS.indexOf(o.color);
    t.shape[k] = SHAPES.indexOf(o.shape);
    t.texture[k] = TEXTURES.indexOf(o.texture);
    t.box.set(
      [cx / CELL_PX - gx, cy / CELL_PX - gy, (viewBox[2] - viewBox[0]) / 1000, (viewBox[3] - viewBox[1]) / 1000],
      k * 4,
    );
    t.boxes = t.boxes.filter((e) => e.cell * 2 + e.slot !== k);
    t.boxes.push({ cell: gy * g + gx, slot, box: viewBox });
  });
  for (let gy = 0; gy < g; gy++) {
    for (let gx = 0; gx < g; gx++) {
      const px = region.x + ((gx + 0.5) * CELL_PX) / sx;
      const py = region.y + ((gy + 0.5) * CELL_PX) / sy;
      for (let i = objects.length - 1; i >= 0; i--) {
        const o = objects[i]!;
        const R = (o.r / 1000) * srcSize;
        if (shapeSdf(o.shape, px - (o.x / 1000) * srcSize, py - (o.y / 1000) * srcSize, R) < 0) {
          t.cover[gy * g + gx] = COLORS.indexOf(o.color);
          break;
        }
      }
    }
  }
  return t;
}

/** How a step's views are made: counts per kind and size (sizes are multiples of 8). */
export interface ViewMix {
  scenes: { size: number; count: number }[]; // whole scenes at these sizes (96 = full resolution)
  crops: number; // 32² crops around an object's (jittered) box, as evidence crops are cut
  frames: number; // 32² clip frames (64-px frames downsampled)
  cropSize: number; // 32
  frameSize: number; // 32
}

export const DEFAULT_MIX: ViewMix = {
  scenes: [
    { size: 96, count: 10 },
    { size: 48, count: 6 },
    { size: 32, count: 4 },
  ],
  crops: 8,
  frames: 10,
  cropSize: 32,
  frameSize: 32,
};

/** A small mix for tests and quick presets: 96² and 32² scenes, crops and clip frames. */
export const smallMix = (scenes96: number, scenes32: number, crops: number, frames: number): ViewMix => ({
  ...DEFAULT_MIX,
  scenes: [
    { size: 96, count: scenes96 },
    { size: 32, count: scenes32 },
  ],
  crops,
  frames,
});

const full = (size: number): PixelRegion => ({ x: 0, y: 0, w: size, h: size });

/** View `i` of step `step` of the stream labelled `label` ('train' or 'heldout' namespaces never meet). */
export function makeViews(seed: number, label: string, step: number, mix: ViewMix = DEFAULT_MIX): View[] {
  const views: View[] = [];
  let i = 0;
  const rngFor = () => new Rng(hashSeed(seed, `vision-${label}`, step, i++));
  for (const { size, count } of mix.scenes) {
    for (let k = 0; k < count; k++) {
      const scene = generateScene(rngFor());
      const img = { rgba: renderScene(scene), width: IMAGE_SIZE, height: IMAGE_SIZE };
      views.push({
        kind: 'scene',
        size,
        stem: stemInput(img, size),
        targets: cellTargets(scene.objects, IMAGE_SIZE, full(IMAGE_SIZE), size),
      });
    }
  }
  for (let k = 0; k < mix.crops; k++) {
    const rng = rngFor();
    const scene = generateScene(rng);
    const img = { rgba: renderScene(scene), width: IMAGE_SIZE, height: IMAGE_SIZE };
    const b = objectBox(rng.pick(scene.objects), IMAGE_SIZE);
    const jitter = () => Math.round(rng.range(-40, 40));
    const region = boxToRegion(
      [b[0] + jitter(), b[1] + jitter(), b[2] + jitter(), b[3] + jitter()],
      IMAGE_SIZE,
      IMAGE_SIZE,
    );
    views.push({
      kind: 'crop',
      size: mix.cropSize,
      stem: stemInput(img, mix.cropSize, region),
      targets: cellTargets(scene.objects, IMAGE_SIZE, region, mix.cropSize),
    });
  }
  for (let k = 0; k < mix.frames; k++) {
    const rng = rngFor();
    const clip = generateClip(rng);
    const f = rng.int(16);
    const objects = clipStates(clip)[f]!.filter((o) => o.visible);
    const img = { rgba: renderClip(clip)[f]!, width: CLIP_SIZE, height: CLIP_SIZE };
    views.push({
      kind: 'frame',
      size: mix.frameSize,
      stem: stemInput(img, mix.frameSize),
      targets: cellTargets(objects, CLIP_SIZE, full(CLIP_SIZE), mix.frameSize),
    });
  }
  return views;
}

/** Views grouped by size (one stem call each), in first-seen order. */
export function bySize(views: readonly View[]): Map<number, View[]> {
  const out = new Map<number, View[]>();
  for (const v of views) {
    const list = out.get(v.size) ?? [];
    list.push(v);
    out.set(v.size, list);
  }
  return out;
}

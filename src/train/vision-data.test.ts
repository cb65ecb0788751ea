import { describe, expect, test } from 'vitest';
import { objectBox } from '../world/raster';
import { Rng } from '../world/rng';
import { generateScene } from '../world/scene';
import { COLORS, IMAGE_SIZE, SHAPES, TEXTURES } from '../world/types';
import { COVER_CLASSES, HEAD_OUT, SLOT_OUT } from '../models/stem-head';
import { cellTargets, makeViews } from './vision-data';

describe('vision targets', () => {
  test('each object marks its centre cell in its size slot with its look and box', () => {
    const scene = generateScene(new Rng(7), { count: 4, separate: true });
    const t = cellTargets(scene.objects, IMAGE_SIZE, { x: 0, y: 0, w: IMAGE_SIZE, h: IMAGE_SIZE }, 96);
    expect(t.cells).toBe(144);
    expect(t.boxes).toHaveLength(scene.objects.length);
    for (const o of scene.objects) {
      const cell = Math.floor((o.y / 1000) * 12) * 12 + Math.floor((o.x / 1000) * 12);
      const k = cell * 2 + (o.size === 'small' ? 0 : 1);
      expect(t.centre[k]).toBe(1);
      expect(COLORS[t.color[k]!]).toBe(o.color);
      expect(SHAPES[t.shape[k]!]).toBe(o.shape);
      expect(TEXTURES[t.texture[k]!]).toBe(o.texture);
      expect(t.boxes.find((b) => b.cell === cell)!.box).toEqual(objectBox(o, IMAGE_SIZE));
      // the box target: centre offset inside the cell, width as a share of the view
      expect(t.box[k * 4]!).toBeGreaterThanOrEqual(0);
      expect(t.box[k * 4]!).toBeLessThan(1);
    }
    expect(t.centre.reduce((a, b) => a + b, 0)).toBe(scene.objects.length);
    // the cover colour at the centre of a solid circle/square is its colour; most cells are background
    const bg = Array.from(t.cover).filter((c) => c === COLORS.length).length;
    expect(bg).toBeGreaterThan(72);
  });

  test('a crop moves the targets into the crop; the stream is deterministic and unbounded', () => {
    const scene = generateScene(new Rng(3), { count: 1 });
    const o = scene.objects[0]!;
    const [x1, y1, x2, y2] = objectBox(o, IMAGE_SIZE).map((v) => (v / 1000) * IMAGE_SIZE);
    const t = cellTargets(scene.objects, IMAGE_SIZE, { x: x1!, y: y1!, w: x2! - x1!, h: y2! - y1! }, 32);
    expect(t.boxes).toHaveLength(1);
    const [bx1, by1, bx2, by2] = t.boxes[0]!.box;
    expect(bx1).toBeLessThanOrEqual(5);
    expect(by1).toBeLessThanOrEqual(5);
    expect(bx2).toBeGreaterThanOrEqual(995);
    expect(by2).toBeGreaterThanOrEqual(995);
    const a = makeViews(1, 'train', 4);
    const b = makeViews(1, 'train', 4);
    expect(a.map((v) => Array.from(v.stem.subarray(0, 20)))).toEqual(b.map((v) => Array.from(v.stem.subarray(0, 20))));
    const other = makeViews(1, 'heldout', 4);
    expect(Array.from(other[0]!.stem.subarray(0, 50))).not.toEqual(Array.from(a[0]!.stem.subarray(0, 50)));
    expect(HEAD_OUT).toBe(2 * SLOT_OUT + COVER_CLASSES);
  });
});

import { describe, expect, it } from 'vitest';
import {
  createCanvas,
  drawObject,
  fillBackground,
  objectBox,
  SHAPE_EXTENT,
  shapeSdf,
  toRGBA,
  type Drawable,
} from './raster';
import { Rng } from './rng';
import { SHAPES, TEXTURES, type Background } from './types';

const FLAT: Background = { kind: 'flat', a: [40, 40, 40], b: [40, 40, 40], angle: 0, period: 8, seed: 1 };

function renderAlone(o: Drawable, size: number): Uint8Array {
  const c = createCanvas(size);
  fillBackground(c, FLAT);
  drawObject(c, o);
  return toRGBA(c);
}

/** Pixels (x, y) that differ from the flat background. */
function inkPixels(rgba: Uint8Array, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < size * size; i++)
    if (rgba[i * 4] !== 40 || rgba[i * 4 + 1] !== 40 || rgba[i * 4 + 2] !== 40)
      out.push([i % size, Math.floor(i / size)]);
  return out;
}

describe('raster', () => {
  it('every shape, texture and size: the box covers every pixel the object touches, and is tight', () => {
    const rng = new Rng(3);
    for (const size of [96, 64]) {
      for (const shape of SHAPES) {
        for (const texture of TEXTURES) {
          for (let k = 0; k < 6; k++) {
            const r = rng.range(50, 210);
            const o: Drawable = {
              shape,
              texture,
              color: 'yellow',
              r,
              x: rng.range(r + 12, 988 - r),
              y: rng.range(r + 12, 988 - r),
            };
            const ink = inkPixels(renderAlone(o, size), size);
            expect(ink.length).toBeGreaterThan(0);
            const b = objectBox(o, size);
            const px = (v: number) => (v / 1000) * size;
            for (const [x, y] of ink) {
              expect(x + 0.5).toBeGreaterThanOrEqual(px(b[0]));
              expect(x + 0.5).toBeLessThanOrEqual(px(b[2]));
              expect(y + 0.5).toBeGreaterThanOrEqual(px(b[1]));
              expect(y + 0.5).toBeLessThanOrEqual(px(b[3]));
            }
            // Tight: the ink spans the box to within 1.5 px on each side.
            const xs = ink.map((p) => p[0]);
            const ys = ink.map((p) => p[1]);
            expect(Math.min(...xs) - px(b[0])).toBeLessThan(1.5);
            expect(px(b[2]) - (Math.max(...xs) + 1)).toBeLessThan(1.5);
            expect(Math.min(...ys) - px(b[1])).toBeLessThan(1.5);
            expect(px(b[3]) - (Math.max(...ys) + 1)).toBeLessThan(1.5);
          }
        }
      }
    }
  });

  it('anti-aliases edges (some pixels are partly covered)', () => {
    const rgba = renderAlone({ shape: 'circle', texture: 'solid', color: 'yellow', r: 200, x: 500, y: 500 }, 96);
    const reds = new Set<number>();
    for (let i = 0; i < 96 * 96; i++) reds.add(rgba[i * 4]!);
    const partial = [...reds].filter((v) => v > 45 && v < 235);
    expect(partial.length).toBeGreaterThan(5);
  });

  it('shape SDFs are negative at the centre (or on the ring band) and positive outside the extent', () => {
    for (const shape of SHAPES) {
      const inside = shape === 'ring' ? shapeSdf(shape, 10 * 0.76, 0, 10) : shapeSdf(shape, 0, 0, 10);
      expect(inside).toBeLessThan(0);
      const e = SHAPE_EXTENT[shape];
      expect(shapeSdf(shape, e[2] * 10 + 1, 0, 10)).toBeGreaterThan(0);
      expect(shapeSdf(shape, 0, e[1] * 10 - 1, 10)).toBeGreaterThan(0);
    }
  });
});

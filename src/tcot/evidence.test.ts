import { describe, expect, test } from 'vitest';
import { boxToRegion, cropRegions, keyFrameIndices } from './evidence';

describe('boxToRegion', () => {
  test('a box well inside the image maps to its pixels', () => {
    expect(boxToRegion([250, 500, 500, 750], 96, 96)).toEqual({ x: 24, y: 48, w: 24, h: 24 });
  });
  test('clamps to the image and keeps a minimum size', () => {
    const r = boxToRegion([990, 990, 1200, 1300], 96, 96, { minSize: 12 });
    expect(r.w).toBeCloseTo(12);
    expect(r.h).toBeCloseTo(12);
    expect(r.x + r.w).toBeLessThanOrEqual(96 + 1e-9);
    expect(r.y + r.h).toBeLessThanOrEqual(96 + 1e-9);
  });
  test('bounds the aspect ratio by widening the short side around the centre', () => {
    const r = boxToRegion([100, 480, 900, 520], 100, 100, { maxAspect: 3, minSize: 1 });
    expect(r.w).toBeCloseTo(80);
    expect(r.h).toBeCloseTo(80 / 3);
    expect(r.y + r.h / 2).toBeCloseTo(50);
  });
  test('swapped corners and non-finite values never give an empty or outside region', () => {
    for (const box of [
      [800, 800, 200, 200],
      [Number.NaN, 0, 10, 10],
      [0, 0, 0, 0],
    ] as [number, number, number, number][]) {
      const r = boxToRegion(box, 64, 48);
      expect(r.w).toBeGreaterThan(0);
      expect(r.h).toBeGreaterThan(0);
      expect(r.x).toBeGreaterThanOrEqual(0);
      expect(r.y).toBeGreaterThanOrEqual(0);
      expect(r.x + r.w).toBeLessThanOrEqual(64 + 1e-9);
      expect(r.y + r.h).toBeLessThanOrEqual(48 + 1e-9);
    }
  });
  test('cropRegions keeps at most maxCrops, in order', () => {
    const boxes = [
      [0, 0, 100, 100],
      [100, 100, 300, 300],
      [500, 500, 600, 600],
      [700, 700, 900, 900],
    ] as [number, number, number, number][];
    const rs = cropRegions(boxes, 100, 100, { maxCrops: 2, minSize: 1 });
    expect(rs).toHaveLength(2);
    expect(rs[1]).toEqual({ x: 10, y: 10, w: 20, h: 20 });
  });
});

describe('keyFrameIndices', () => {
  test('drops out-of-range and duplicate frames, sorts, caps', () => {
    expect(keyFrameIndices([5, 16, -1, 3, 5, 2.5, 9], 16, 3)).toEqual([3, 5, 9]);
    expect(keyFrameIndices([15, 0], 16, 4)).toEqual([0, 15]);
    expect(keyFrameIndices([], 16, 4)).toEqual([]);
  });
});

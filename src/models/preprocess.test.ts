import { describe, expect, test } from 'vitest';
import { imagePatches, patchify, resizeArea, sampleFrameIndices, type RgbaImage } from './preprocess';

function solid(width: number, height: number, rgb: [number, number, number]): RgbaImage {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([...rgb, 255], i * 4);
  return { rgba, width, height };
}
const norm = (v: number) => (v / 255 - 0.5) * 2;

describe('resizeArea', () => {
  test('same size is the identity (normalised to [-1, 1])', () => {
    const img = { rgba: Uint8Array.from({ length: 2 * 2 * 4 }, (_, i) => i * 10), width: 2, height: 2 };
    const out = resizeArea(img, 2, 2);
    expect(Array.from(out)).toEqual(
      [0, 10, 20, 40, 50, 60, 80, 90, 100, 120, 130, 140].map((v) => Math.fround(norm(v))),
    );
  });

  test('2× downsampling averages each 2×2 block exactly', () => {
    const rgba = new Uint8Array(4 * 4 * 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) rgba[(y * 4 + x) * 4] = y * 4 + x;
    const out = resizeArea({ rgba, width: 4, height: 4 }, 2, 2);
    expect(out[0]).toBeCloseTo(norm((0 + 1 + 4 + 5) / 4), 6);
    expect(out[9]).toBeCloseTo(norm((10 + 11 + 14 + 15) / 4), 6);
  });

  test('non-integer factors keep a constant image constant (weights sum to 1)', () => {
    const out = resizeArea(solid(64, 64, [200, 100, 50]), 24, 24);
    for (let i = 0; i < out.length; i += 3) {
      expect(out[i]).toBeCloseTo(norm(200), 5);
      expect(out[i + 1]).toBeCloseTo(norm(100), 5);
      expect(out[i + 2]).toBeCloseTo(norm(50), 5);
    }
  });

  test('a small object survives downsampling as its exact area fraction', () => {
    const img = solid(96, 96, [0, 0, 0]);
    for (let y = 0; y < 12; y++) for (let x = 0; x < 12; x++) img.rgba[((40 + y) * 96 + 40 + x) * 4] = 255;
    const out = resizeArea(img, 32, 32); // 3×3 source pixels per output pixel
    let sum = 0;
    for (let i = 0; i < out.length; i += 3) sum += (out[i]! / 2 + 0.5) * 255;
    expect(sum / 255).toBeCloseTo((12 * 12) / 9, 3);
  });

  test('region crops from full resolution and clamps to the image', () => {
    const img = solid(10, 10, [0, 0, 0]);
    img.rgba[(5 * 10 + 5) * 4 + 1] = 255;
    const crop = resizeArea(img, 1, 1, { x: 5, y: 5, w: 1, h: 1 });
    expect(crop[1]).toBeCloseTo(1, 6);
    const clamped = resizeArea(img, 1, 1, { x: 5, y: 5, w: 100, h: 100 }); // → 5×5 region
    expect(clamped[1]).toBeCloseTo(norm(255 / 25), 5);
    expect(() => resizeArea(img, 1, 1, { x: 20, y: 20, w: 5, h: 5 })).toThrow(/empty region/);
  });

  test('rejects a buffer of the wrong length', () => {
    expect(() => resizeArea({ rgba: new Uint8Array(10), width: 2, height: 2 }, 1, 1)).toThrow(/rgba length/);
  });
});

describe('patchify', () => {
  test('patches are row-major over the grid, each flattened (dy, dx, c)', () => {
    const size = 4;
    const pixels = Float32Array.from({ length: size * size * 3 }, (_, i) => i);
    const rows = patchify(pixels, size, 2); // 4 patches of 12 values
    expect(rows.length).toBe(48);
    // patch (0, 1): pixels (0,2), (0,3), (1,2), (1,3)
    const p01 = Array.from(rows.subarray(12, 24));
    const at = (y: number, x: number) => [0, 1, 2].map((c) => (y * size + x) * 3 + c);
    expect(p01).toEqual([...at(0, 2), ...at(0, 3), ...at(1, 2), ...at(1, 3)]);
    expect(() => patchify(pixels, size, 3)).toThrow(/not divisible/);
  });

  test('imagePatches = resize then patchify', () => {
    const img = solid(96, 96, [255, 0, 0]);
    const rows = imagePatches(img, 32, 8);
    expect(rows.length).toBe(16 * 8 * 8 * 3);
    expect(rows[0]).toBeCloseTo(1, 6);
    expect(rows[1]).toBeCloseTo(-1, 6);
  });
});

test('sampleFrameIndices spreads evenly and stays in range', () => {
  expect(sampleFrameIndices(16, 4)).toEqual([2, 6, 10, 14]);
  expect(sampleFrameIndices(16, 16)).toEqual(Array.from({ length: 16 }, (_, i) => i));
  expect(sampleFrameIndices(3, 6)).toEqual([0, 0, 1, 1, 2, 2]);
  expect(() => sampleFrameIndices(0, 2)).toThrow();
});

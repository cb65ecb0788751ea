import { afterEach, describe, expect, test, vi } from 'vitest';
import { checkBlob, decodeImage, downsample, evenFrameTimes, fitWithin } from './decode';
import { MediaError } from './errors';

describe('fitWithin', () => {
  test('keeps the aspect ratio, bounds the longer side and never upscales', () => {
    expect(fitWithin(2000, 1000, 512)).toEqual({ width: 512, height: 256 });
    expect(fitWithin(100, 300, 150)).toEqual({ width: 50, height: 150 });
    expect(fitWithin(40, 30, 512)).toEqual({ width: 40, height: 30 });
    expect(fitWithin(10000, 1, 100)).toEqual({ width: 100, height: 1 });
  });
});

describe('downsample', () => {
  test('averages the pixels each output pixel covers', () => {
    // 2×2 → 1×1: the mean of the four pixels
    const src = {
      width: 2,
      height: 2,
      rgba: new Uint8Array([0, 0, 0, 255, 100, 0, 0, 255, 0, 100, 0, 255, 100, 100, 200, 255]),
    };
    const out = downsample(src, 1);
    expect(out.width).toBe(1);
    expect(Array.from(out.rgba)).toEqual([50, 50, 50, 255]);
  });
  test('returns the input when it already fits', () => {
    const src = { width: 3, height: 2, rgba: new Uint8Array(24) };
    expect(downsample(src, 8)).toBe(src);
  });
});

describe('evenFrameTimes', () => {
  test('the centres of equal parts of the clip', () => {
    expect(evenFrameTimes(4, 4)).toEqual([0.5, 1.5, 2.5, 3.5]);
  });
  test('an unknown duration samples the first frame', () => {
    expect(evenFrameTimes(Number.NaN, 16)).toEqual([0]);
    expect(evenFrameTimes(Infinity, 16)).toEqual([0]);
  });
});

describe('checkBlob', () => {
  test('reads the head of a Blob and refuses empty and unknown files with MediaErrors', async () => {
    await expect(checkBlob('empty.png', new Blob([]))).rejects.toMatchObject({ code: 'empty' });
    const err = await checkBlob('notes.txt', new Blob(['hello world, not an image'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe('unsupported');
  });
  test('a 20,000 × 20,000 PNG header is refused before decoding', async () => {
    const head = new Uint8Array(33);
    head.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    new DataView(head.buffer).setUint32(16, 20000);
    new DataView(head.buffer).setUint32(20, 20000);
    await expect(checkBlob('huge.png', new Blob([head]))).rejects.toMatchObject({ code: 'too-large' });
  });
});

describe('decodeImage', () => {
  afterEach(() => vi.unstubAllGlobals());
  test('an image the browser cannot decode is named with its format; a failed AVIF may be damaged or unsupported', async () => {
    vi.stubGlobal('createImageBitmap', async () => {
      throw new DOMException('The source image could not be decoded.', 'InvalidStateError');
    });
    const blob = new Blob([new Uint8Array(8)]);
    await expect(decodeImage('a.png', blob, { type: 'png', kind: 'image' })).rejects.toThrow(
      /^a\.png: the PNG data is damaged and could not be decoded/,
    );
    const avif = await decodeImage('b.avif', blob, { type: 'avif', kind: 'image' }).catch((e: unknown) => e);
    expect(avif).toBeInstanceOf(MediaError);
    expect((avif as MediaError).message).toBe(
      'b.avif: the AVIF data is damaged, or this browser cannot decode AVIF images',
    );
  });
});

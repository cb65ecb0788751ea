import { describe, expect, test } from 'vitest';
import { MediaError } from './errors';
import { checkFile, sniff } from './sniff';

const bytes = (...parts: (number[] | string)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));
const be32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
const le32 = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];

const png = (w: number, h: number) =>
  bytes([0x89], 'PNG', [13, 10, 26, 10], be32(13), 'IHDR', be32(w), be32(h), [8, 6, 0, 0, 0]);
// SOI, an APP0 segment of length 16, then SOF0 with height 300 and width 400.
const jpeg = bytes(
  [0xff, 0xd8, 0xff, 0xe0, 0, 16],
  'JFIF',
  new Array(10).fill(0),
  [0xff, 0xc0, 0, 17, 8, 1, 44, 1, 144, 3],
);

describe('sniff', () => {
  test('reads the type and size from each image header', () => {
    expect(sniff(png(640, 480))).toEqual({ type: 'png', kind: 'image', width: 640, height: 480 });
    expect(sniff(jpeg)).toEqual({ type: 'jpeg', kind: 'image', width: 400, height: 300 });
    expect(sniff(bytes('GIF89a', [0x20, 0x03, 0x58, 0x02]))).toEqual({
      type: 'gif',
      kind: 'image',
      width: 800,
      height: 600,
    });
    expect(sniff(bytes('BM', new Array(16).fill(0), le32(1024), le32(-768 >>> 0)))).toEqual({
      type: 'bmp',
      kind: 'image',
      width: 1024,
      height: 768,
    });
    const vp8x = bytes('RIFF', le32(100), 'WEBPVP8X', le32(10), [0, 0, 0, 0], [0x3f, 0x01, 0x00], [0xef, 0x00, 0x00]);
    expect(sniff(vp8x)).toEqual({ type: 'webp', kind: 'image', width: 320, height: 240 });
  });
  test('recognises videos and AVIF by their containers', () => {
    expect(sniff(bytes([0x1a, 0x45, 0xdf, 0xa3, 0, 0]))).toEqual({ type: 'webm', kind: 'video' });
    expect(sniff(bytes(be32(24), 'ftypisom', be32(0)))).toEqual({ type: 'mp4', kind: 'video' });
    expect(sniff(bytes(be32(24), 'ftypavif', be32(0)))).toEqual({ type: 'avif', kind: 'image' });
  });
  test('anything else is unknown, and short or garbage input never throws', () => {
    expect(sniff(bytes('hello world, not an image'))).toBeNull();
    expect(sniff(new Uint8Array(0))).toBeNull();
    expect(sniff(bytes([0xff, 0xd8, 0xff]))).toEqual({ type: 'jpeg', kind: 'image' });
    for (let n = 0; n < 200; n++) {
      const junk = Uint8Array.from({ length: n }, (_, i) => (i * 7919 + n * 31) & 255);
      expect(() => sniff(junk)).not.toThrow();
    }
  });
});

describe('checkFile', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e instanceof MediaError ? e.code : 'other';
    }
    return 'ok';
  };
  test('empty, unsupported, huge and corrupt files get their own errors with the file name', () => {
    expect(code(() => checkFile('a.png', 0, new Uint8Array()))).toBe('empty');
    expect(code(() => checkFile('notes.txt', 12, bytes('just text...')))).toBe('unsupported');
    expect(code(() => checkFile('huge.png', 1000, png(20000, 20000)))).toBe('too-large');
    expect(code(() => checkFile('zero.png', 1000, png(0, 10)))).toBe('corrupt');
    expect(code(() => checkFile('big.webm', 2 ** 31, bytes([0x1a, 0x45, 0xdf, 0xa3])))).toBe('too-large');
    expect(() => checkFile('huge.png', 1000, png(20000, 20000))).toThrow(
      /huge\.png: the image is 20000×20000 \(400 megapixels\); the limit is \d+ megapixels/,
    );
  });
  test('a normal file passes', () => {
    expect(checkFile('ok.png', 5000, png(96, 96))).toMatchObject({ type: 'png', width: 96 });
  });
});

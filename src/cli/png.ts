// A tiny PNG encoder (RGBA8, no filtering, zlib from node) and a few drawing helpers for the
// contact sheets the world CLI writes: an RGBA image type, blit with integer upscaling, rectangles,
// and a 3×5 pixel font for captions.

import { deflateSync } from 'node:zlib';

export interface Image {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function encodePng(img: Image): Uint8Array {
  const { width, height, rgba } = img;
  const raw = new Uint8Array((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const sig = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);
  const parts = [sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  return concatBytes(parts);
}

/** The parts' bytes one after another. */
export function concatBytes(parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function createImage(width: number, height: number, fill: [number, number, number] = [20, 20, 24]): Image {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([fill[0], fill[1], fill[2], 255], i * 4);
  return { width, height, rgba };
}

export function setPixel(img: Image, x: number, y: number, c: readonly number[]): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const o = (y * img.width + x) * 4;
  img.rgba[o] = c[0]!;
  img.rgba[o + 1] = c[1]!;
  img.rgba[o + 2] = c[2]!;
  img.rgba[o + 3] = 255;
}

/** Copy a size×size RGBA tile into img at (x, y), upscaled by an integer factor (nearest). */
export function blit(img: Image, tile: Uint8Array, size: number, x: number, y: number, scale: number): void {
  for (let ty = 0; ty < size * scale; ty++) {
    for (let tx = 0; tx < size * scale; tx++) {
      const s = (Math.floor(ty / scale) * size + Math.floor(tx / scale)) * 4;
      setPixel(img, x + tx, y + ty, [tile[s]!, tile[s + 1]!, tile[s + 2]!]);
    }
  }
}

export function strokeRect(img: Image, x1: number, y1: number, x2: number, y2: number, c: readonly number[]): void {
  for (let x = x1; x <= x2; x++) {
    setPixel(img, x, y1, c);
    setPixel(img, x, y2, c);
  }
  for (let y = y1; y <= y2; y++) {
    setPixel(img, x1, y, c);
    setPixel(img, x2, y, c);
  }
}

export function fillRect(img: Image, x1: number, y1: number, x2: number, y2: number, c: readonly number[]): void {
  for (let y = y1; y <= y2; y++) for (let x = x1; x <= x2; x++) setPixel(img, x, y, c);
}

// 3×5 glyphs, rows top to bottom, '#' = ink.
const GLYPHS: Record<string, string> = {
  a: '.##,#.#,###,#.#,#.#',
  b: '##.,#.#,##.,#.#,##.',
  c: '.##,#..,#..,#..,.##',
  d: '##.,#.#,#.#,#.#,##.',
  e: '###,#..,##.,#..,###',
  f: '###,#..,##.,#..,#..',
  g: '.##,#..,#.#,#.#,.##',
  h: '#.#,#.#,###,#.#,#.#',
  i: '###,.#.,.#.,.#.,###',
  j: '..#,..#,..#,#.#,.#.',
  k: '#.#,#.#,##.,#.#,#.#',
  l: '#..,#..,#..,#..,###',
  m: '#.#,###,###,#.#,#.#',
  n: '##.,#.#,#.#,#.#,#.#',
  o: '.#.,#.#,#.#,#.#,.#.',
  p: '##.,#.#,##.,#..,#..',
  q: '.#.,#.#,#.#,##.,.##',
  r: '##.,#.#,##.,#.#,#.#',
  s: '.##,#..,.#.,..#,##.',
  t: '###,.#.,.#.,.#.,.#.',
  u: '#.#,#.#,#.#,#.#,.##',
  v: '#.#,#.#,#.#,.#.,.#.',
  w: '#.#,#.#,###,###,#.#',
  x: '#.#,#.#,.#.,#.#,#.#',
  y: '#.#,#.#,.#.,.#.,.#.',
  z: '###,..#,.#.,#..,###',
  '0': '###,#.#,#.#,#.#,###',
  '1': '.#.,##.,.#.,.#.,###',
  '2': '##.,..#,.#.,#..,###',
  '3': '##.,..#,.#.,..#,##.',
  '4': '#.#,#.#,###,..#,..#',
  '5': '###,#..,##.,..#,##.',
  '6': '.##,#..,###,#.#,###',
  '7': '###,..#,.#.,.#.,.#.',
  '8': '###,#.#,###,#.#,###',
  '9': '###,#.#,###,..#,##.',
  ',': '...,...,...,.#.,#..',
  '.': '...,...,...,...,.#.',
  '?': '##.,..#,.#.,...,.#.',
  ':': '...,.#.,...,.#.,...',
  '-': '...,...,###,...,...',
  '/': '..#,..#,.#.,#..,#..',
  '[': '##.,#..,#..,#..,##.',
  ']': '.##,..#,..#,..#,.##',
  '=': '...,###,...,###,...',
  '(': '.#.,#..,#..,#..,.#.',
  ')': '.#.,..#,..#,..#,.#.',
  '%': '#.#,..#,.#.,#..,#.#',
  '*': '...,#.#,.#.,#.#,...',
  '#': '#.#,###,#.#,###,#.#',
  _: '...,...,...,...,###',
  '+': '...,.#.,###,.#.,...',
};

/** Draw text with the 3×5 font at an integer scale; returns the x after the last glyph. */
export function drawText(img: Image, text: string, x: number, y: number, scale: number, c: readonly number[]): number {
  let cx = x;
  for (const ch of text.toLowerCase()) {
    const g = GLYPHS[ch];
    if (g) {
      g.split(',').forEach((row, ry) => {
        for (let rx = 0; rx < 3; rx++)
          if (row[rx] === '#')
            fillRect(img, cx + rx * scale, y + ry * scale, cx + (rx + 1) * scale - 1, y + (ry + 1) * scale - 1, c);
      });
    }
    cx += 4 * scale;
  }
  return cx;
}

/** Greedy word wrap to at most `maxChars` characters per line. */
export function wrap(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/)) {
    if (line && line.length + 1 + w.length > maxChars) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}

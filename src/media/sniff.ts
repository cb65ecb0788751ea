// What a file really is, from its first bytes (names and MIME types lie), and — for images — its size,
// read from the header so that a 20,000 × 20,000 picture is refused before anything is decoded.
import { MediaError } from './errors';

export type ImageType = 'png' | 'jpeg' | 'gif' | 'bmp' | 'webp' | 'avif';
export type VideoType = 'webm' | 'mp4';
export type MediaType = ImageType | VideoType;

export interface Sniffed {
  type: MediaType;
  kind: 'image' | 'video';
  /** Pixel size from the header, when the format states it (not for videos; AVIF is left to the decoder). */
  width?: number;
  height?: number;
}

const ascii = (b: Uint8Array, at: number, len: number) => String.fromCharCode(...b.subarray(at, at + len));

/** Identify a file from its leading bytes (≥ 64 KiB recommended for JPEG headers). Never throws. */
export function sniff(bytes: Uint8Array): Sniffed | null {
  const b = bytes;
  if (b.length >= 24 && b[0] === 0x89 && ascii(b, 1, 3) === 'PNG') {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return { type: 'png', kind: 'image', width: dv.getUint32(16), height: dv.getUint32(20) };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff)
    return { type: 'jpeg', kind: 'image', ...jpegSize(b) };
  if (b.length >= 10 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) {
    return { type: 'gif', kind: 'image', width: b[6] | (b[7] << 8), height: b[8] | (b[9] << 8) };
  }
  if (b.length >= 26 && ascii(b, 0, 2) === 'BM') {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return {
      type: 'bmp',
      kind: 'image',
      width: Math.abs(dv.getInt32(18, true)),
      height: Math.abs(dv.getInt32(22, true)),
    };
  }
  if (b.length >= 16 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP')
    return { type: 'webp', kind: 'image', ...webpSize(b) };
  if (b.length >= 12 && ascii(b, 4, 4) === 'ftyp') {
    const brand = ascii(b, 8, 4);
    if (brand === 'avif' || brand === 'avis') return { type: 'avif', kind: 'image' };
    return { type: 'mp4', kind: 'video' };
  }
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3)
    return { type: 'webm', kind: 'video' };
  return null;
}

function jpegSize(b: Uint8Array): { width?: number; height?: number } {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return {};
    const marker = b[i + 1];
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0xff) {
      i += marker === 0xff ? 1 : 2;
      continue;
    }
    const len = (b[i + 2] << 8) | b[i + 3];
    // Start-of-frame markers (baseline, progressive, …) carry the size; C4, C8 and CC are not frames.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8] };
    }
    i += 2 + len;
  }
  return {};
}

function webpSize(b: Uint8Array): { width?: number; height?: number } {
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8X' && b.length >= 30) {
    return { width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)) };
  }
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
  }
  if (chunk === 'VP8 ' && b.length >= 30)
    return { width: (b[26] | (b[27] << 8)) & 0x3fff, height: (b[28] | (b[29] << 8)) & 0x3fff };
  return {};
}

export interface Limits {
  /** Largest file accepted, in bytes. Default 512 MiB. */
  maxBytes: number;
  /** Largest image accepted, in pixels (width × height). Default 64 megapixels. */
  maxPixels: number;
}
export const DEFAULT_LIMITS: Limits = { maxBytes: 512 * 2 ** 20, maxPixels: 64e6 };

/** Check a file before decoding: empty, unsupported, implausible or too large → MediaError. */
export function checkFile(name: string, size: number, head: Uint8Array, limits: Limits = DEFAULT_LIMITS): Sniffed {
  if (size === 0) throw new MediaError('empty', 'the file is empty (0 bytes)', name);
  if (size > limits.maxBytes) {
    throw new MediaError(
      'too-large',
      `the file is ${(size / 2 ** 20).toFixed(0)} MiB; the limit is ${(limits.maxBytes / 2 ** 20).toFixed(0)} MiB`,
      name,
    );
  }
  const s = sniff(head);
  if (!s)
    throw new MediaError(
      'unsupported',
      'not an image or video this app can read (PNG, JPEG, WebP, GIF, BMP, AVIF, WebM, MP4)',
      name,
    );
  if (s.width !== undefined && s.height !== undefined) {
    if (s.width === 0 || s.height === 0)
      throw new MediaError('corrupt', `the ${s.type.toUpperCase()} header says ${s.width}×${s.height}`, name);
    if (s.width * s.height > limits.maxPixels) {
      throw new MediaError(
        'too-large',
        `the image is ${s.width}×${s.height} (${((s.width * s.height) / 1e6).toFixed(0)} megapixels); the limit is ${(limits.maxPixels / 1e6).toFixed(0)} megapixels`,
        name,
      );
    }
  }
  return s;
}

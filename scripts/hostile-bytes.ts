// The hostile corpus's byte builders (scripts/make-hostile.ts): valid PNG, JPEG, WebP, GIF, ISO BMFF and WebM
// files written byte by byte (deflate stored blocks, hand-built Huffman and LZW codes), and the broken ones made
// from them. Deterministic: no encoder, no randomness but a seeded generator.
import { concatBytes } from '../src/cli/png';
import { rng } from '../src/world/rng';

// ---- bytes ----

export const ascii = (s: string) => new TextEncoder().encode(s);
export const cat = (...parts: (Uint8Array | number[])[]) => concatBytes(parts);
export const be16 = (v: number) => [(v >>> 8) & 255, v & 255];
export const be32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
export const le16 = (v: number) => [v & 255, (v >>> 8) & 255];
export const le32 = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
/** Seeded garbage (the world's generator, so the corpus never changes). */
export const garbage = (n: number, seed: number) => {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => r.nextU32() & 255);
};

/** An LSB-first bit writer (WebP lossless) or MSB-first (JPEG, with 0xFF stuffing). */
class Bits {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;
  constructor(private readonly msbFirst: boolean) {}
  put(value: number, count: number) {
    for (let i = 0; i < count; i++) {
      const bit = this.msbFirst ? (value >>> (count - 1 - i)) & 1 : (value >>> i) & 1;
      this.acc = this.msbFirst ? (this.acc << 1) | bit : this.acc | (bit << this.n);
      if (++this.n === 8) this.flush();
    }
  }
  private flush() {
    this.bytes.push(this.acc & 255);
    if (this.msbFirst && (this.acc & 255) === 0xff) this.bytes.push(0); // JPEG byte stuffing
    this.acc = 0;
    this.n = 0;
  }
  done(): Uint8Array {
    if (this.n > 0) this.msbFirst ? this.put(0xff, 8 - this.n) : this.flush(); // JPEG pads with 1-bits
    return Uint8Array.from(this.bytes);
  }
}

// ---- PNG ----

export const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
export const crc32 = (b: Uint8Array) => {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 255]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
export const pngChunk = (type: string, data: Uint8Array) => {
  const body = cat(ascii(type), data);
  return cat(be32(data.length), body, be32(crc32(body)));
};
export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10];
export const ihdr = (w: number, h: number, bitDepth: number, colorType: number) =>
  pngChunk('IHDR', cat(be32(w), be32(h), [bitDepth, colorType, 0, 0, 0]));

/** A zlib stream of stored (uncompressed) deflate blocks: fixed bytes whatever zlib is installed. */
export function zlibStored(data: Uint8Array): Uint8Array {
  const blocks: (Uint8Array | number[])[] = [[0x78, 0x01]];
  for (let at = 0; at < data.length || at === 0; at += 65535) {
    const part = data.subarray(at, at + 65535);
    blocks.push([at + 65535 >= data.length ? 1 : 0, ...le16(part.length), ...le16(~part.length & 0xffff)], part);
    if (data.length === 0) break;
  }
  let a = 1;
  let b = 0;
  for (const x of data) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return cat(...blocks, be32(((b << 16) | a) >>> 0));
}

/** A 64 × 48 RGB PNG: a red disc on blue (filter 0 on every row). */
export function validPng(): Uint8Array {
  const w = 64;
  const h = 48;
  const raw = new Uint8Array(h * (1 + w * 3));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const inDisc = (x - 32) ** 2 + (y - 24) ** 2 < 15 ** 2;
      raw.set(inDisc ? [230, 40, 40] : [30, 40, 120], y * (1 + w * 3) + 1 + x * 3);
    }
  return cat(PNG_SIGNATURE, ihdr(w, h, 8, 2), pngChunk('IDAT', zlibStored(raw)), pngChunk('IEND', new Uint8Array()));
}

/**
 * A PNG whose header says 100,000 × 100,000 (10 gigapixels, 40 GB as RGBA) with a few hundred bytes of
 * IDAT: a fixed-Huffman deflate block of zero rows (one literal 0, then length-258 / distance-1 copies), the
 * shape of a real decompression bomb. Its first 3 rows only; a decoder that trusted the header would try to
 * allocate the whole picture.
 */
export function bombPng(): Uint8Array {
  const side = 100_000;
  const rowBytes = 1 + side / 8; // 1-bit grey
  const bits = new Bits(false);
  bits.put(1, 1); // BFINAL
  bits.put(1, 2); // BTYPE = 01, fixed Huffman
  const code = (c: number, len: number) =>
    bits.put(parseInt(c.toString(2).padStart(len, '0').split('').reverse().join(''), 2), len); // Huffman codes go MSB-first
  code(0x30, 8); // literal 0
  for (let left = 3 * rowBytes - 1; left >= 258; left -= 258) {
    code(0xc5, 8); // length code 285 = 258
    code(0, 5); // distance code 0 = 1
  }
  code(0, 7); // end of block (256)
  const deflate = bits.done();
  return cat(
    PNG_SIGNATURE,
    ihdr(side, side, 1, 0),
    pngChunk('IDAT', cat([0x78, 0x01], deflate)),
    pngChunk('IEND', new Uint8Array()),
  );
}

// ---- JPEG (baseline, greyscale, DC only: each 8 × 8 block one level) ----

/** Canonical Huffman codes from a DHT's counts per length and its symbols. */
export function huffmanCodes(counts: number[], symbols: number[]): Map<number, { code: number; len: number }> {
  const out = new Map<number, { code: number; len: number }>();
  let code = 0;
  let k = 0;
  counts.forEach((count, i) => {
    for (let j = 0; j < count; j++) out.set(symbols[k++]!, { code: code++, len: i + 1 });
    code <<= 1;
  });
  return out;
}
export const DC_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]; // the standard luminance DC table (ITU T.81 K.3)
export const DC_SYMBOLS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
export const AC_COUNTS = [1, ...new Array(15).fill(0)]; // one AC symbol: end of block, code "0"

/** A 64 × 64 greyscale JPEG of 8 × 8 blocks in a diagonal pattern of levels; where its scan data lies. */
export function validJpeg(): { file: Uint8Array; scanStart: number; scanBytes: number } {
  const w = 64;
  const h = 64;
  const dc = huffmanCodes(DC_COUNTS, DC_SYMBOLS);
  const bits = new Bits(true);
  let previous = 0;
  for (let by = 0; by < h / 8; by++)
    for (let bx = 0; bx < w / 8; bx++) {
      const level = 30 + ((bx * 37 + by * 53) % 200);
      const value = 8 * (level - 128); // the DC coefficient of a flat block, quantiser 1
      const diff = value - previous;
      previous = value;
      const size = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      const { code, len } = dc.get(size)!;
      bits.put(code, len);
      if (size > 0) bits.put(diff > 0 ? diff : diff + (1 << size) - 1, size);
      bits.put(0, 1); // end of block
    }
  const segment = (marker: number, body: Uint8Array | number[]) => cat([0xff, marker], be16(body.length + 2), body);
  const scan = bits.done();
  const head = cat(
    [0xff, 0xd8],
    segment(0xe0, cat(ascii('JFIF\0'), [1, 1, 0], be16(1), be16(1), [0, 0])),
    segment(0xdb, cat([0], new Array(64).fill(1))),
    segment(0xc0, cat([8], be16(h), be16(w), [1, 1, 0x11, 0])),
    segment(0xc4, cat([0x00], DC_COUNTS, DC_SYMBOLS)),
    segment(0xc4, cat([0x10], AC_COUNTS, [0x00])),
    segment(0xda, [1, 1, 0x00, 0, 63, 0]),
  );
  return { file: cat(head, scan, [0xff, 0xd9]), scanStart: head.length, scanBytes: scan.length };
}

// ---- WebP (lossless: one-symbol prefix codes, and a two-symbol green code so each pixel is one bit) ----

export const riff = (fourcc: string, chunk: Uint8Array) =>
  cat(
    ascii('RIFF'),
    le32(4 + 8 + chunk.length + (chunk.length & 1)),
    ascii('WEBP'),
    ascii(fourcc),
    le32(chunk.length),
    chunk,
    chunk.length & 1 ? [0] : [],
  );

/** A 64 × 48 VP8L image: green 0 or 255 in 4-px stripes, red 200, blue 40, opaque. */
export function validWebp(): { file: Uint8Array; headerBytes: number } {
  const w = 64;
  const h = 48;
  const bits = new Bits(false);
  bits.put(0x2f, 8); // signature
  bits.put(w - 1, 14);
  bits.put(h - 1, 14);
  bits.put(0, 1); // alpha_is_used (a hint)
  bits.put(0, 3); // version
  bits.put(0, 1); // no transform
  bits.put(0, 1); // no colour cache
  bits.put(0, 1); // no meta prefix codes
  const simple = (symbols: number[]) => {
    bits.put(1, 1); // simple code
    bits.put(symbols.length - 1, 1);
    bits.put(1, 1); // first symbol has 8 bits
    for (const s of symbols) bits.put(s, 8);
  };
  simple([0, 255]); // green: 0 → bit 0, 255 → bit 1
  simple([200]); // red
  simple([40]); // blue
  simple([255]); // alpha
  simple([0]); // distance (unused)
  const headerBytes = 20 + 14; // RIFF, WEBP and VP8L chunk headers + the 106 bits above
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) bits.put((x >> 2) & 1, 1);
  return { file: riff('VP8L', bits.done()), headerBytes };
}

// ---- GIF (4 colours; LZW with a clear code every two pixels, so every code is 3 bits whatever the decoder) ----

export function validGif(): Uint8Array {
  const w = 32;
  const h = 32;
  const bits = new Bits(false);
  const CLEAR = 4;
  const END = 5;
  for (let i = 0; i < w * h; i++) {
    if (i % 2 === 0) bits.put(CLEAR, 3);
    const x = i % w;
    const y = Math.floor(i / w);
    bits.put(((x >> 3) + (y >> 3)) % 4, 3);
  }
  bits.put(END, 3);
  const lzw = bits.done();
  const subBlocks: (Uint8Array | number[])[] = [];
  for (let at = 0; at < lzw.length; at += 255) {
    const part = lzw.subarray(at, at + 255);
    subBlocks.push([part.length], part);
  }
  return cat(
    ascii('GIF89a'),
    le16(w),
    le16(h),
    [0x91, 0, 0], // global colour table of 4, colour resolution 2 bits
    [255, 0, 0, 0, 160, 0, 0, 0, 255, 255, 255, 0],
    [0x2c, ...le16(0), ...le16(0), ...le16(w), ...le16(h), 0],
    [2], // LZW minimum code size
    ...subBlocks,
    [0, 0x3b],
  );
}

// ---- ISO BMFF (AVIF, MP4) ----

export const box = (type: string, ...payload: (Uint8Array | number[])[]) => {
  const body = cat(...payload);
  return cat(be32(8 + body.length), ascii(type), body);
};
export const ftyp = (major: string, ...compatible: string[]) =>
  box('ftyp', ascii(major), be32(0), ...compatible.map(ascii));

// ---- WebM (EBML) ----

/** An EBML element: its ID bytes, a size vint and the payload. */
export function ebml(id: number[], ...payload: (Uint8Array | number[])[]) {
  const body = cat(...payload);
  const n = body.length;
  const size = n < 127 ? [0x80 | n] : n < 16383 ? [0x40 | (n >> 8), n & 255] : [0x10, ...be32(n).slice(1)];
  return cat(id, size, body);
}
export const uint = (v: number) => (v < 256 ? [v] : v < 65536 ? be16(v) : be32(v));
export const float64 = (v: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v);
  return b;
};
export const EBML_HEADER = ebml(
  [0x1a, 0x45, 0xdf, 0xa3],
  ebml([0x42, 0x86], [1]),
  ebml([0x42, 0xf7], [1]),
  ebml([0x42, 0xf2], [4]),
  ebml([0x42, 0xf3], [8]),
  ebml([0x42, 0x82], ascii('webm')),
  ebml([0x42, 0x87], [4]),
  ebml([0x42, 0x85], [2]),
);
/**
 * Segment → Info (1 s) → Tracks (one VP8 video track of width × height) → one Cluster with no block in it: no
 * frame at all. (Without a Cluster, Chromium's demuxer refuses to open the file; with an empty one the
 * metadata loads — 64 × 48, 1 s, even readyState 4 — and only a seek finds there is nothing.)
 */
export function webmWithoutFrames(width: number, height: number): Uint8Array {
  const info = ebml(
    [0x15, 0x49, 0xa9, 0x66],
    ebml([0x2a, 0xd7, 0xb1], uint(1_000_000)),
    ebml([0x4d, 0x80], ascii('make-hostile')),
    ebml([0x57, 0x41], ascii('make-hostile')),
    ebml([0x44, 0x89], float64(1000)),
  );
  const video = ebml([0xe0], ebml([0xb0], uint(width)), ebml([0xba], uint(height)));
  const track = ebml(
    [0xae],
    ebml([0xd7], [1]),
    ebml([0x73, 0xc5], [1]),
    ebml([0x83], [1]),
    ebml([0x86], ascii('V_VP8')),
    video,
  );
  const emptyCluster = ebml([0x1f, 0x43, 0xb6, 0x75], ebml([0xe7], [0]));
  return cat(EBML_HEADER, ebml([0x18, 0x53, 0x80, 0x67], info, ebml([0x16, 0x54, 0xae, 0x6b], track), emptyCluster));
}

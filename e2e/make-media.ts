// Media files made inside the browser under test, for formats no committed fixture covers: an AVIF (one AV1
// key frame from WebCodecs' VideoEncoder, wrapped in a minimal HEIF container written here) and an MP4
// (MediaRecorder). Each returns null when this browser cannot encode the format, so a spec can say so.
import type { Page } from '@playwright/test';

export interface MadeFile {
  name: string;
  type?: string;
  bytes: number[];
}

/**
 * An AVIF still: an 80×60 picture (dark blue, a red disc on the left) encoded as one AV1 key frame and
 * wrapped in the boxes AVIF readers need: ftyp, meta (hdlr 'pict', pitm, iloc, iinf/infe 'av01',
 * iprp/ipco with ispe, av1C and pixi, ipma) and mdat (ISO/IEC 23008-12, AV1 Image File Format 1.1).
 */
export function makeAvif(page: Page): Promise<MadeFile | null> {
  return page.evaluate(async () => {
    const W = 80;
    const H = 60;
    const codec = 'av01.0.04M.08'; // profile 0 (4:2:0), level 3.0, main tier, 8 bits
    if (
      typeof VideoEncoder === 'undefined' ||
      !(await VideoEncoder.isConfigSupported({ codec, width: W, height: H })).supported
    )
      return null;
    const canvas = new OffscreenCanvas(W, H);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#224';
    ctx.fillRect(0, 0, W, H);
    ctx.fillStyle = '#e33';
    ctx.beginPath();
    ctx.arc(25, 30, 18, 0, Math.PI * 2);
    ctx.fill();

    const encoded: { data?: Uint8Array; description?: Uint8Array } = {};
    const encoder = new VideoEncoder({
      output: (chunk, meta) => {
        encoded.data = new Uint8Array(chunk.byteLength);
        chunk.copyTo(encoded.data);
        const d = meta?.decoderConfig?.description;
        if (d)
          encoded.description = ArrayBuffer.isView(d)
            ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
            : new Uint8Array(d);
      },
      error: (e) => {
        throw e;
      },
    });
    encoder.configure({ codec, width: W, height: H, bitrate: 400_000 });
    const frame = new VideoFrame(canvas, { timestamp: 0 });
    encoder.encode(frame, { keyFrame: true });
    await encoder.flush();
    frame.close();
    encoder.close();
    const { data, description } = encoded;
    if (!data) return null;

    const bytes = (...parts: (number[] | Uint8Array)[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
    const u8 = (v: number) => [v & 255];
    const u16 = (v: number) => [(v >>> 8) & 255, v & 255];
    const u32 = (v: number) => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
    const fourcc = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
    const box = (type: string, ...payload: (number[] | Uint8Array)[]) => {
      const body = bytes(...payload);
      return bytes(u32(8 + body.length), fourcc(type), body);
    };
    const fullBox = (type: string, version: number, flags: number, ...payload: (number[] | Uint8Array)[]) =>
      box(type, [version, (flags >>> 16) & 255, (flags >>> 8) & 255, flags & 255], ...payload);

    // av1C: marker+version 1, profile 0 / level index 4, 4:2:0 (subsampling x and y), no delay; then the
    // encoder's own configuration OBUs when it gives them.
    const av1C = description && description.length >= 4 ? description : Uint8Array.from([0x81, 0x04, 0x0c, 0x00]);
    const ftyp = box('ftyp', fourcc('avif'), u32(0), fourcc('avif'), fourcc('mif1'), fourcc('miaf'));
    const meta = (mdatOffset: number) =>
      fullBox(
        'meta',
        0,
        0,
        fullBox('hdlr', 0, 0, u32(0), fourcc('pict'), u32(0), u32(0), u32(0), [0]),
        fullBox('pitm', 0, 0, u16(1)),
        // offset_size 4, length_size 4, base_offset_size 0; one item, one extent.
        fullBox('iloc', 0, 0, u8(0x44), u8(0x00), u16(1), u16(1), u16(0), u16(1), u32(mdatOffset), u32(data.length)),
        fullBox('iinf', 0, 0, u16(1), fullBox('infe', 2, 0, u16(1), u16(0), fourcc('av01'), [0])),
        box(
          'iprp',
          box(
            'ipco',
            fullBox('ispe', 0, 0, u32(W), u32(H)),
            box('av1C', av1C),
            fullBox('pixi', 0, 0, u8(3), u8(8), u8(8), u8(8)),
          ),
          // item 1: ispe (1), av1C (2, essential), pixi (3)
          fullBox('ipma', 0, 0, u32(1), u16(1), u8(3), u8(0x01), u8(0x82), u8(0x03)),
        ),
      );
    const metaLength = meta(0).length; // the offset's value does not change the box's size
    const file = bytes(ftyp, meta(ftyp.length + metaLength + 8), box('mdat', data));
    return { name: 'disc.avif', type: 'image/avif', bytes: Array.from(file) };
  });
}

/** A picture of one square on a plain background, and how a clip of it moves (`dx` px to the right a frame). */
export interface Square {
  width: number;
  height: number;
  background: string;
  colour: string;
  x: number;
  y: number;
  size: number;
  dx?: number;
}

/** The square as a PNG (or `type`) from a canvas. */
export function makeSquareImage(page: Page, name: string, square: Square, type = 'image/png'): Promise<MadeFile> {
  return page.evaluate(
    async ({ name, s, type }) => {
      const canvas = document.createElement('canvas');
      canvas.width = s.width;
      canvas.height = s.height;
      const ctx = canvas.getContext('2d')!;
      ctx.fillStyle = s.background;
      ctx.fillRect(0, 0, s.width, s.height);
      ctx.fillStyle = s.colour;
      ctx.fillRect(s.x, s.y, s.size, s.size);
      const blob = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), type, 0.9));
      return { name, type, bytes: Array.from(new Uint8Array(await blob.arrayBuffer())) };
    },
    { name, s: square, type },
  );
}

/**
 * A one-second clip (30 frames) of the square moving right, from MediaRecorder in the first of `mimeTypes` this
 * browser can record; null when it can record none of them.
 */
export function makeSquareVideo(
  page: Page,
  name: string,
  square: Square,
  mimeTypes: string[],
): Promise<MadeFile | null> {
  return page.evaluate(
    async ({ name, s, mimeTypes }) => {
      const mimeType = mimeTypes.find((t) => MediaRecorder.isTypeSupported(t));
      if (!mimeType) return null;
      const canvas = document.createElement('canvas');
      canvas.width = s.width;
      canvas.height = s.height;
      const ctx = canvas.getContext('2d')!;
      const draw = (f: number) => {
        ctx.fillStyle = s.background;
        ctx.fillRect(0, 0, s.width, s.height);
        ctx.fillStyle = s.colour;
        ctx.fillRect(s.x + f * (s.dx ?? 0), s.y, s.size, s.size);
      };
      draw(0);
      const rec = new MediaRecorder(canvas.captureStream(30), { mimeType });
      const chunks: Blob[] = [];
      rec.ondataavailable = (e) => chunks.push(e.data);
      const stopped = new Promise((r) => (rec.onstop = r));
      rec.start(100);
      for (let f = 0; f < 30; f++) {
        draw(f);
        await new Promise((r) => setTimeout(r, 33));
      }
      rec.stop();
      await stopped;
      const type = mimeType.split(';')[0];
      const blob = new Blob(chunks, { type });
      return { name, type, bytes: Array.from(new Uint8Array(await blob.arrayBuffer())) };
    },
    { name, s: square, mimeTypes },
  );
}

/** A one-second MP4 (H.264 when the recorder has it) of a green square moving right, from MediaRecorder. */
export const makeMp4 = (page: Page) =>
  makeSquareVideo(
    page,
    'square.mp4',
    { width: 96, height: 64, background: '#224', colour: '#3c3', x: 4, y: 20, size: 24, dx: 2 },
    ['video/mp4;codecs=avc1', 'video/mp4'],
  );

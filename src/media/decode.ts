// Local files → RGBA pixels. Images decode anywhere createImageBitmap and OffscreenCanvas exist (the engine
// worker does it); videos need an HTMLVideoElement, so clips are sampled on the page and their frames
// transferred to the worker. Every failure is a MediaError that says what is wrong with which file.
import { MediaError } from './errors';
import { checkFile, DEFAULT_LIMITS, type Limits, type Sniffed } from './sniff';

/** Images are kept (and cropped from) at most this many pixels on their longer side. */
export const MAX_IMAGE_SIDE = 512;
/** Sampled video frames are kept at most this many pixels on their longer side. */
export const MAX_FRAME_SIDE = 128;
/** Frames sampled from a video: as many as the models read (the world's clips have 16). */
export const VIDEO_FRAMES = 16;
export const THUMB_SIDE = 96;
/** Bytes read for sniffing (JPEG headers can sit behind large EXIF blocks). */
export const HEAD_BYTES = 64 * 1024;

export interface Rgba {
  rgba: Uint8Array;
  width: number;
  height: number;
}

export interface DecodedClip {
  frames: Uint8Array[];
  width: number;
  height: number;
  /** Seconds of each sampled frame. */
  times: number[];
}

/** The size that fits within `maxSide` on the longer side, keeping the aspect ratio (never upscales). */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Box-filter downsample (each output pixel averages the input pixels whose centres fall in it). */
export function downsample(src: Rgba, maxSide: number): Rgba {
  const { width, height } = fitWithin(src.width, src.height, maxSide);
  if (width === src.width && height === src.height) return src;
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * src.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * src.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * src.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * src.width) / width));
      const acc = [0, 0, 0, 0];
      for (let sy = y0; sy < y1; sy++)
        for (let sx = x0; sx < x1; sx++) for (let c = 0; c < 4; c++) acc[c] += src.rgba[(sy * src.width + sx) * 4 + c];
      const n = (y1 - y0) * (x1 - x0);
      for (let c = 0; c < 4; c++) out[(y * width + x) * 4 + c] = Math.round(acc[c] / n);
    }
  }
  return { rgba: out, width, height };
}

/** Times (s) of `count` frames evenly spaced over a clip: the centre of each of `count` equal parts. */
export function evenFrameTimes(duration: number, count: number): number[] {
  if (!(duration > 0) || !Number.isFinite(duration)) return [0];
  return Array.from({ length: count }, (_, i) => ((i + 0.5) * duration) / count);
}

/** Read a file's leading bytes and check it (empty, unsupported, too large) before decoding. */
export async function checkBlob(name: string, blob: Blob, limits: Limits = DEFAULT_LIMITS): Promise<Sniffed> {
  const head = new Uint8Array(await blob.slice(0, HEAD_BYTES).arrayBuffer());
  return checkFile(name, blob.size, head, limits);
}

/** Decode an image file to RGBA at most MAX_IMAGE_SIDE on its longer side (GIF: its first frame). */
export async function decodeImage(name: string, blob: Blob, sniffed: Sniffed, maxSide = MAX_IMAGE_SIDE): Promise<Rgba> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch (err) {
    // Browsers give one error for a damaged AVIF and for one they have no decoder for: say both.
    if (sniffed.type === 'avif')
      throw new MediaError('unsupported', 'the AVIF data is damaged, or this browser cannot decode AVIF images', name);
    throw new MediaError(
      'corrupt',
      `the ${sniffed.type.toUpperCase()} data is damaged and could not be decoded (${(err as Error)?.message ?? err})`,
      name,
    );
  }
  try {
    if (bitmap.width * bitmap.height > DEFAULT_LIMITS.maxPixels) {
      throw new MediaError(
        'too-large',
        `the image is ${bitmap.width}×${bitmap.height}; the limit is ${DEFAULT_LIMITS.maxPixels / 1e6} megapixels`,
        name,
      );
    }
    const size = fitWithin(bitmap.width, bitmap.height, maxSide);
    const canvas = new OffscreenCanvas(size.width, size.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new MediaError('unsupported', 'this browser has no 2D canvas to decode images with', name);
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, size.width, size.height);
    const data = ctx.getImageData(0, 0, size.width, size.height).data;
    return { rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), ...size };
  } finally {
    bitmap.close();
  }
}

const once = (target: EventTarget, ok: string, ms: number) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`timed out waiting for "${ok}"`)), ms);
    const onOk = () => done();
    const onErr = () => done(new Error('error'));
    function done(err?: Error) {
      clearTimeout(timer);
      target.removeEventListener(ok, onOk);
      target.removeEventListener('error', onErr);
      if (err) reject(err);
      else resolve();
    }
    target.addEventListener(ok, onOk);
    target.addEventListener('error', onErr);
  });

/**
 * Sample `count` evenly spaced frames of a video file with an HTMLVideoElement (page only). Each frame is a
 * short task (seek, draw, read back), so the page stays responsive.
 */
export async function sampleVideoFrames(
  name: string,
  blob: Blob,
  count = VIDEO_FRAMES,
  maxSide = MAX_FRAME_SIDE,
): Promise<DecodedClip> {
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.playsInline = true;
  const url = URL.createObjectURL(blob);
  const fail = (what: string) => {
    const code = video.error?.code;
    // Chromium reports a file its demuxer cannot open (truncated, damaged) as "not supported" too.
    if (code === MediaError_SRC_NOT_SUPPORTED)
      return new MediaError(
        'unsupported',
        'the video could not be opened: it is damaged, or in a format or codec this browser cannot play',
        name,
      );
    return new MediaError('corrupt', `the video could not be read (${what})`, name);
  };
  try {
    video.src = url;
    await once(video, 'loadedmetadata', 15_000).catch(() => {
      throw fail('no metadata');
    });
    if (!video.videoWidth || !video.videoHeight)
      throw new MediaError('corrupt', 'the video has no picture (0×0)', name);
    let duration = video.duration;
    if (!Number.isFinite(duration)) {
      // Recorded WebM often has no duration in its header: seek far past the end and the browser finds it.
      video.currentTime = 1e7;
      await once(video, 'seeked', 15_000).catch(() => undefined);
      duration = Number.isFinite(video.duration) ? video.duration : video.currentTime;
    }
    const size = fitWithin(video.videoWidth, video.videoHeight, maxSide);
    const canvas = document.createElement('canvas');
    canvas.width = size.width;
    canvas.height = size.height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    const times = evenFrameTimes(duration, count);
    const frames: Uint8Array[] = [];
    for (const t of times) {
      video.currentTime = Math.min(t, Math.max(0, duration - 1e-3));
      await once(video, 'seeked', 15_000).catch(() => {
        // Not even the first picture: a header that promises a video and a stream with no frame in it.
        if (!frames.length && video.readyState < HAVE_CURRENT_DATA) {
          throw new MediaError(
            'corrupt',
            `the video has no frames to read: its header declares ${video.videoWidth}×${video.videoHeight} pixels and ${duration.toFixed(1)} s, but no picture could be decoded`,
            name,
          );
        }
        throw fail(`could not seek to ${t.toFixed(2)} s, frame ${frames.length + 1} of ${times.length}`);
      });
      ctx.drawImage(video, 0, 0, size.width, size.height);
      const data = ctx.getImageData(0, 0, size.width, size.height).data;
      frames.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    // A clip shorter than `count` frames repeats frames; the models always read `count`.
    return { frames, ...size, times };
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}
const HAVE_CURRENT_DATA = 2; // HTMLMediaElement.HAVE_CURRENT_DATA
const MediaError_SRC_NOT_SUPPORTED = 4; // HTMLMediaElement MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED

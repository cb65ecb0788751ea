// What the library shows and reads of an item: its pixels (a built-in item rendered, a user's file decoded), its
// thumbnail and filmstrip, and what the Embedder saw (its views and evidence as images) for the trace panel.
import { checkBlob, decodeImage, downsample, MAX_IMAGE_SIDE, THUMB_SIDE, type Rgba } from '../../media/decode';
import { MediaError } from '../../media/errors';
import type { ItemRecord, MediaRecord } from '../../media/store';
import type { Embedder } from '../../models/embedder';
import { evidenceFor, expectedEvidenceKey, readTcot } from '../../models/inputs';
import { resizeArea, sampleFrameIndices, type VisualInput } from '../../models/preprocess';
import { evidenceLimit, type Side } from '../../retrieval/pipeline';
import { VOCAB } from '../../tcot/default';
import { renderClip } from '../../world/clip';
import { renderScene } from '../../world/scene';
import { CLIP_SIZE, IMAGE_SIZE, type WorldInput } from '../../world/types';
import { ShippedIndexError } from '../shipped-index';
import type { LibraryItem, MediaInput, ThumbImage, Trace } from './types';

/** A library entry: the public item, and for built-in items the world input (rendered on demand). */
export interface Entry extends LibraryItem {
  world?: WorldInput;
}

export async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const res = await fetch(url);
  if (!res.ok) throw new ShippedIndexError(`HTTP ${res.status} for ${url}`);
  return res.arrayBuffer();
}

/** [-1, 1] RGB floats (resizeArea's output) → RGBA bytes, for showing what the Embedder read. */
function floatsToRgba(pixels: Float32Array, size: number): ThumbImage {
  const rgba = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    for (let c = 0; c < 3; c++)
      rgba[i * 4 + c] = Math.max(0, Math.min(255, Math.round((pixels[i * 3 + c]! / 2 + 0.5) * 255)));
    rgba[i * 4 + 3] = 255;
  }
  return { width: size, height: size, rgba };
}

export function worldVisualOf(input: WorldInput): VisualInput | undefined {
  if (input.modality === 'image')
    return { kind: 'image', rgba: renderScene(input.scene), width: IMAGE_SIZE, height: IMAGE_SIZE };
  if (input.modality === 'video')
    return { kind: 'clip', frames: renderClip(input.clip), width: CLIP_SIZE, height: CLIP_SIZE };
  return undefined;
}

export function thumbOf(visual: VisualInput): ThumbImage {
  const first = visual.kind === 'image' ? visual.rgba : visual.frames[0]!;
  return downsample({ rgba: first, width: visual.width, height: visual.height }, THUMB_SIDE);
}

export function framesOf(visual: VisualInput): ThumbImage[] {
  const list = visual.kind === 'image' ? [visual.rgba] : visual.frames;
  const side = visual.kind === 'image' ? 384 : THUMB_SIDE;
  return list.map((rgba) => downsample({ rgba, width: visual.width, height: visual.height }, side) as Rgba);
}

/** A user's stored item as a library entry. */
export function userEntry(rec: ItemRecord): Entry {
  return {
    id: rec.id,
    source: 'user',
    kind: rec.kind,
    name: rec.name,
    width: rec.width,
    height: rec.height,
    frames: rec.frames,
  };
}

/** A user's stored pixels as the models read them. */
export function storedVisual(media: MediaRecord, kind: 'image' | 'clip'): VisualInput {
  return kind === 'clip'
    ? { kind: 'clip', frames: media.frames, width: media.width, height: media.height }
    : { kind: 'image', rgba: media.frames[0]!, width: media.width, height: media.height };
}

export function publicItem(e: Entry): LibraryItem {
  const { world: _world, ...item } = e;
  return item;
}

/** Decode a media input to the pixels the models read (throws MediaError). */
export async function decodeMedia(input: MediaInput): Promise<{ visual: VisualInput; fileBytes: number }> {
  if (input.kind === 'image') {
    const sniffed = await checkBlob(input.name, input.blob);
    if (sniffed.kind !== 'image')
      throw new MediaError('unsupported', 'this is a video; videos are read on the page, not here', input.name);
    const img = await decodeImage(input.name, input.blob, sniffed, MAX_IMAGE_SIDE);
    return { visual: { kind: 'image', ...img }, fileBytes: input.blob.size };
  }
  if (input.frames.length === 0 || input.width < 1 || input.height < 1)
    throw new MediaError('corrupt', 'no frames could be read from the video', input.name);
  return {
    visual: { kind: 'clip', frames: input.frames, width: input.width, height: input.height },
    fileBytes: input.fileBytes,
  };
}

/** The trace of one side: its T-CoT, the item, and what the Embedder read (global views, evidence crops / key frames). */
export function traceOf(
  embedder: Embedder,
  id: string | null,
  parts: Side,
  tokens: Int32Array,
  source: Trace['source'],
): Trace {
  const ec = embedder.config;
  const visual = parts.visual;
  const global: ThumbImage[] = [];
  if (visual?.kind === 'image')
    global.push(floatsToRgba(resizeArea(visual, ec.globalSize, ec.globalSize), ec.globalSize));
  if (visual?.kind === 'clip') {
    for (const f of sampleFrameIndices(visual.frames.length, ec.globalFrames)) {
      global.push(
        floatsToRgba(
          resizeArea(
            { rgba: visual.frames[f]!, width: visual.width, height: visual.height },
            ec.globalClipSize,
            ec.globalClipSize,
          ),
          ec.globalClipSize,
        ),
      );
    }
  }
  const view = readTcot(VOCAB, tokens, expectedEvidenceKey(visual));
  const evidence = evidenceFor(visual, view.pointers, { maxEvidence: evidenceLimit(embedder) }).map((ev, i) => ({
    label: ev.kind === 'frame' ? `key frame ${ev.frameIndex}` : `box ${i + 1}`,
    image: floatsToRgba(
      resizeArea(ev.image, ec.evidenceSize, ec.evidenceSize, ev.kind === 'crop' ? ev.region : undefined),
      ec.evidenceSize,
    ),
  }));
  return {
    id,
    modality: visual ? visual.kind : 'text',
    tokens: Array.from(tokens),
    source,
    text: parts.text,
    instruction: parts.instruction,
    frames: visual ? framesOf(visual) : [],
    embedderSaw: { global, evidence },
  };
}

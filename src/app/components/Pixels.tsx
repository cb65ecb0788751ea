// RGBA pixels from the engine drawn on a canvas, and the thumbnails / filmstrips of library items
// (fetched from the worker once, then cached for the session).
import { useEffect, useRef, useState } from 'react';
import type { ThumbImage } from '../../engine/types';
import { useAppStore } from '../store';

export function Pixels({
  image,
  className,
  label,
  style,
}: {
  image: ThumbImage;
  className?: string;
  label?: string;
  style?: React.CSSProperties;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    canvas.width = image.width;
    canvas.height = image.height;
    const data = new ImageData(
      new Uint8ClampedArray(image.rgba.buffer as ArrayBuffer, image.rgba.byteOffset, image.rgba.byteLength),
      image.width,
      image.height,
    );
    canvas.getContext('2d')?.putImageData(data, 0, 0);
  }, [image]);
  return (
    <canvas ref={ref} className={`pixels ${className ?? ''}`} role="img" aria-label={label ?? 'image'} style={style} />
  );
}

const thumbCache = new Map<string, Promise<ThumbImage | null>>();
const framesCache = new Map<string, Promise<ThumbImage[]>>();

function useCached<T>(cache: Map<string, Promise<T>>, id: string, load: () => Promise<T>): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    let live = true;
    let p = cache.get(id);
    if (!p) cache.set(id, (p = load().catch(() => null as T)));
    void p.then((v) => live && setValue(v));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);
  return value;
}

export function ItemThumb({ id, label }: { id: string; label: string }) {
  const engine = useAppStore((s) => s.handle?.engine);
  const thumb = useCached(thumbCache, id, async () => (engine ? engine.thumbnail(id) : null));
  return thumb ? (
    <Pixels image={thumb} className="thumb" label={label} />
  ) : (
    <div className="thumb placeholder" aria-label={label} />
  );
}

/** A clip as a strip of frames (every `step`-th), marking key frames when given. */
export function ItemFilmstrip({ id, label, step = 4 }: { id: string; label: string; step?: number }) {
  const engine = useAppStore((s) => s.handle?.engine);
  const frames = useCached(framesCache, id, async () => (engine ? engine.itemFrames(id) : []));
  if (!frames) return <div className="filmstrip placeholder" aria-label={label} />;
  return (
    <div className="filmstrip small" role="group" aria-label={label}>
      {frames
        .map((f, i) => [f, i] as const)
        .filter(([, i]) => i % step === 0)
        .map(([f, i]) => (
          <Pixels key={i} image={f} label={`frame ${i}`} />
        ))}
    </div>
  );
}

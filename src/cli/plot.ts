// Training curves as PNG (Node CLI): one panel per series list, raw values faint and a moving average
// bold, min/max labelled. Used by `npm run train` (one PNG per stage) and re-runnable from steps.jsonl.
import { createImage, drawText, encodePng, setPixel, strokeRect, type Image } from './png';

export interface Series {
  label: string;
  points: [number, number][]; // (step, value)
  color: [number, number, number];
  smooth?: number; // moving-average window (default: 1/20 of the points, at least 1)
}

function line(img: Image, x0: number, y0: number, x1: number, y1: number, c: readonly number[]): void {
  const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
  for (let i = 0; i <= n; i++)
    setPixel(img, Math.round(x0 + ((x1 - x0) * i) / n), Math.round(y0 + ((y1 - y0) * i) / n), c);
}

/** A 640×300 line chart of the series against step. */
export function plotPng(title: string, series: Series[]): Uint8Array {
  const W = 640;
  const H = 300;
  const left = 60;
  const right = W - 16;
  const top = 36;
  const bottom = H - 30;
  const img = createImage(W, H, [250, 250, 250]);
  const all = series.flatMap((s) => s.points).filter(([, v]) => Number.isFinite(v));
  drawText(img, title, left, 10, 2, [30, 30, 30]);
  if (all.length === 0) return encodePng(img);
  const xs = all.map(([x]) => x);
  const vs = all.map(([, v]) => v);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  let [vMin, vMax] = [Math.min(...vs), Math.max(...vs)];
  if (vMax - vMin < 1e-9) {
    vMin -= 0.5;
    vMax += 0.5;
  }
  const px = (x: number) => left + ((x - xMin) / Math.max(1e-9, xMax - xMin)) * (right - left);
  const py = (v: number) => bottom - ((v - vMin) / (vMax - vMin)) * (bottom - top);
  strokeRect(img, left, top, right, bottom, [160, 160, 160]);
  drawText(img, vMax.toPrecision(3), 4, top, 1, [60, 60, 60]);
  drawText(img, vMin.toPrecision(3), 4, bottom - 5, 1, [60, 60, 60]);
  drawText(img, `step ${xMin}`, left, bottom + 8, 1, [60, 60, 60]);
  drawText(img, `${xMax}`, right - 24, bottom + 8, 1, [60, 60, 60]);
  series.forEach((s, k) => {
    const pts = s.points.filter(([, v]) => Number.isFinite(v));
    const faint = s.color.map((c) => Math.round(c + (250 - c) * 0.65));
    for (let i = 1; i < pts.length; i++)
      line(img, px(pts[i - 1]![0]), py(pts[i - 1]![1]), px(pts[i]![0]), py(pts[i]![1]), faint);
    const w = s.smooth ?? Math.max(1, Math.round(pts.length / 20));
    const avg = pts.map(([x], i) => {
      const win = pts.slice(Math.max(0, i - w + 1), i + 1);
      return [x, win.reduce((a, [, v]) => a + v, 0) / win.length] as [number, number];
    });
    for (let i = 1; i < avg.length; i++) {
      for (const d of [0, 1])
        line(img, px(avg[i - 1]![0]), py(avg[i - 1]![1]) + d, px(avg[i]![0]), py(avg[i]![1]) + d, s.color);
    }
    drawText(img, s.label, right - 200, top + 6 + k * 10, 1, s.color);
  });
  return encodePng(img);
}

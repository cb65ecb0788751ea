// A small pure-TypeScript rasteriser: backgrounds and shapes drawn into an RGB float buffer with
// analytic anti-aliasing (coverage = clamp(0.5 − signed distance in pixels, 0, 1)), then quantised
// to RGBA bytes. Only IEEE arithmetic and Math.sqrt/floor/sin are used, so Node and browsers agree.

import { hashSeed } from './rng';
import type { Background, Box, Color, RGB, Shape, Texture } from './types';

export const COLOR_RGB: Record<Color, RGB> = {
  red: [228, 48, 48],
  orange: [246, 142, 28],
  yellow: [242, 224, 44],
  green: [46, 186, 72],
  cyan: [40, 212, 224],
  blue: [52, 92, 240],
  purple: [156, 72, 214],
  pink: [248, 124, 196],
};

/** Unit polygons (radius 1, centred on the shape's bounding box, y down). */
function regularPolygon(n: number, startDeg: number, radii: readonly number[]): [number, number][] {
  const pts: [number, number][] = [];
  for (let k = 0; k < n; k++) {
    const a = ((startDeg + (360 * k) / n) * Math.PI) / 180;
    const rad = radii[k % radii.length]!;
    pts.push([rad * Math.cos(a), rad * Math.sin(a)]);
  }
  // Centre the polygon's bounding box on the origin (a triangle's centroid is not its box centre).
  const ys = pts.map((p) => p[1]);
  const dy = (Math.max(...ys) + Math.min(...ys)) / 2;
  return pts.map(([x, y]) => [x, y - dy]);
}

const TRIANGLE = regularPolygon(3, -90, [1.12]);
const STAR = regularPolygon(10, -90, [1.08, 0.46]);
const HEXAGON = regularPolygon(6, -90, [1]);
const DIAMOND: [number, number][] = [
  [0, -1],
  [1, 0],
  [0, 1],
  [-1, 0],
];
const SQUARE_HALF = 0.82;
const CROSS_ARM = 0.36;
const RING_MID = 0.76;
const RING_HALF = 0.24;

function polyExtent(pts: readonly [number, number][]): [number, number, number, number] {
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** A shape's exact extent for radius 1: [x1, y1, x2, y2] around its centre. */
export const SHAPE_EXTENT: Record<Shape, [number, number, number, number]> = {
  circle: [-1, -1, 1, 1],
  ring: [-1, -1, 1, 1],
  square: [-SQUARE_HALF, -SQUARE_HALF, SQUARE_HALF, SQUARE_HALF],
  diamond: [-1, -1, 1, 1],
  cross: [-1, -1, 1, 1],
  triangle: polyExtent(TRIANGLE),
  star: polyExtent(STAR),
  hexagon: polyExtent(HEXAGON),
};

/** Signed distance from (px, py) to a polygon scaled by s (negative inside); after Inigo Quilez. */
function sdPolygon(px: number, py: number, pts: readonly [number, number][], s: number): number {
  const n = pts.length;
  let best = Infinity;
  let sign = 1;
  for (let i = 0, j = n - 1; i < n; j = i, i++) {
    const vix = pts[i]![0] * s;
    const viy = pts[i]![1] * s;
    const ex = pts[j]![0] * s - vix;
    const ey = pts[j]![1] * s - viy;
    const wx = px - vix;
    const wy = py - viy;
    let t = (wx * ex + wy * ey) / (ex * ex + ey * ey);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    const bx = wx - ex * t;
    const by = wy - ey * t;
    const d2 = bx * bx + by * by;
    if (d2 < best) best = d2;
    const c1 = py >= viy;
    const c2 = py < pts[j]![1] * s;
    const c3 = ex * wy > ey * wx;
    if ((c1 && c2 && c3) || (!c1 && !c2 && !c3)) sign = -sign;
  }
  return sign * Math.sqrt(best);
}

function sdBox(px: number, py: number, hx: number, hy: number): number {
  const qx = Math.abs(px) - hx;
  const qy = Math.abs(py) - hy;
  const ox = qx > 0 ? qx : 0;
  const oy = qy > 0 ? qy : 0;
  const inside = Math.max(qx, qy);
  return Math.sqrt(ox * ox + oy * oy) + (inside < 0 ? inside : 0);
}

/** Signed distance (pixels) from a point relative to the shape's centre, for radius R pixels. */
export function shapeSdf(shape: Shape, px: number, py: number, R: number): number {
  switch (shape) {
    case 'circle':
      return Math.sqrt(px * px + py * py) - R;
    case 'ring':
      return Math.abs(Math.sqrt(px * px + py * py) - RING_MID * R) - RING_HALF * R;
    case 'square':
      return sdBox(px, py, SQUARE_HALF * R, SQUARE_HALF * R);
    case 'diamond':
      // Exact (polygon) distance: the cheap |x|+|y| form underestimates near the tips.
      return sdPolygon(px, py, DIAMOND, R);
    case 'cross':
      return Math.min(sdBox(px, py, R, CROSS_ARM * R), sdBox(px, py, CROSS_ARM * R, R));
    case 'triangle':
      return sdPolygon(px, py, TRIANGLE, R);
    case 'star':
      return sdPolygon(px, py, STAR, R);
    case 'hexagon':
      return sdPolygon(px, py, HEXAGON, R);
  }
}

/** A drawable object in relative units: centre x, y and radius r in 0–1000 of the image width. */
export interface Drawable {
  shape: Shape;
  color: Color;
  texture: Texture;
  x: number;
  y: number;
  r: number;
}

/** RGB float canvas, row-major, 3 floats per pixel. */
export interface Canvas {
  size: number;
  rgb: Float32Array;
}

export function createCanvas(size: number): Canvas {
  return { size, rgb: new Float32Array(size * size * 3) };
}

function valueNoiseGrid(cells: number, seed: number): Float32Array {
  const grid = new Float32Array((cells + 1) * (cells + 1));
  for (let i = 0; i < grid.length; i++) grid[i] = hashSeed(seed, i) / 4294967296;
  return grid;
}

/** Fill the canvas with a background. Lengths (period) are given for a 96-px image and scaled. */
export function fillBackground(canvas: Canvas, bg: Background): void {
  const { size, rgb } = canvas;
  const scale = size / 96;
  const period = Math.max(2, bg.period * scale);
  const ang = (bg.angle * Math.PI) / 180;
  const dx = Math.cos(ang);
  const dy = Math.sin(ang);
  const [ar, ag, ab] = bg.a;
  const [br, bgc, bb] = bg.b;
  // Projection range of the image on the direction, for the gradient's 0..1 parameter.
  const p0 = Math.min(0, dx * size) + Math.min(0, dy * size);
  const p1 = Math.max(0, dx * size) + Math.max(0, dy * size);
  const cells = Math.ceil(size / period) + 1;
  const grid = bg.kind === 'noise' ? valueNoiseGrid(cells, bg.seed) : null;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const cx = x + 0.5;
      const cy = y + 0.5;
      let t: number;
      if (bg.kind === 'flat') t = 0;
      else if (bg.kind === 'gradient') t = (cx * dx + cy * dy - p0) / (p1 - p0);
      else if (bg.kind === 'stripes') {
        // sin(2πu)·period/2π approximates the signed distance to a stripe edge (AA stripes).
        const u = (cx * dx + cy * dy) / period;
        const sd = (Math.sin(2 * Math.PI * u) * period) / (2 * Math.PI);
        t = sd + 0.5;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
      } else {
        const gx = cx / period;
        const gy = cy / period;
        const ix = Math.floor(gx);
        const iy = Math.floor(gy);
        let fx = gx - ix;
        let fy = gy - iy;
        fx = fx * fx * (3 - 2 * fx);
        fy = fy * fy * (3 - 2 * fy);
        const row = cells + 1;
        const g = grid!;
        const v00 = g[iy * row + ix]!;
        const v10 = g[iy * row + ix + 1]!;
        const v01 = g[(iy + 1) * row + ix]!;
        const v11 = g[(iy + 1) * row + ix + 1]!;
        t = (v00 * (1 - fx) + v10 * fx) * (1 - fy) + (v01 * (1 - fx) + v11 * fx) * fy;
      }
      const o = (y * size + x) * 3;
      rgb[o] = ar + (br - ar) * t;
      rgb[o + 1] = ag + (bgc - ag) * t;
      rgb[o + 2] = ab + (bb - ab) * t;
    }
  }
}

/** Outline width and stripe period, in pixels, for radius R pixels. */
function outlineWidth(R: number): number {
  return Math.max(1.3, 0.24 * R);
}

/** Draw one object over the canvas with analytic anti-aliasing. */
export function drawObject(canvas: Canvas, obj: Drawable): void {
  const { size, rgb } = canvas;
  const cx = (obj.x / 1000) * size;
  const cy = (obj.y / 1000) * size;
  const R = (obj.r / 1000) * size;
  const ext = SHAPE_EXTENT[obj.shape];
  const x0 = Math.max(0, Math.floor(cx + ext[0] * R - 1));
  const x1 = Math.min(size - 1, Math.ceil(cx + ext[2] * R + 1));
  const y0 = Math.max(0, Math.floor(cy + ext[1] * R - 1));
  const y1 = Math.min(size - 1, Math.ceil(cy + ext[3] * R + 1));
  const [cr, cg, cb] = COLOR_RGB[obj.color];
  // Stripes alternate the colour with a dark shade of it.
  const sr = cr * 0.3;
  const sg = cg * 0.3;
  const sb = cb * 0.3;
  const ow = outlineWidth(R);
  const period = Math.max(3, 0.55 * R);
  for (let y = y0; y <= y1; y++) {
    const py = y + 0.5 - cy;
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5 - cx;
      let d = shapeSdf(obj.shape, px, py, R);
      if (obj.texture === 'outlined') d = Math.max(d, -d - ow);
      let cov = 0.5 - d;
      if (cov <= 0) continue;
      if (cov > 1) cov = 1;
      let r = cr;
      let g = cg;
      let b = cb;
      if (obj.texture === 'striped') {
        const u = (px + py) / period;
        if (u - Math.floor(u) < 0.5) {
          r = sr;
          g = sg;
          b = sb;
        }
      }
      const o = (y * size + x) * 3;
      rgb[o] = rgb[o]! + (r - rgb[o]!) * cov;
      rgb[o + 1] = rgb[o + 1]! + (g - rgb[o + 1]!) * cov;
      rgb[o + 2] = rgb[o + 2]! + (b - rgb[o + 2]!) * cov;
    }
  }
}

/** Quantise to RGBA bytes (alpha 255). */
export function toRGBA(canvas: Canvas): Uint8Array {
  const n = canvas.size * canvas.size;
  const out = new Uint8Array(n * 4);
  const rgb = canvas.rgb;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.round(rgb[i * 3 + c]!);
      out[i * 4 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    out[i * 4 + 3] = 255;
  }
  return out;
}

/**
 * The object's box in 0–1000 coordinates: its exact extent plus the half-pixel anti-aliasing
 * fringe, rounded outwards and clamped to the image.
 */
export function objectBox(obj: Pick<Drawable, 'shape' | 'x' | 'y' | 'r'>, size: number): Box {
  const ext = SHAPE_EXTENT[obj.shape];
  const fringe = (0.5 / size) * 1000;
  const clamp = (v: number) => (v < 0 ? 0 : v > 1000 ? 1000 : v);
  return [
    clamp(Math.floor(obj.x + ext[0] * obj.r - fringe)),
    clamp(Math.floor(obj.y + ext[1] * obj.r - fringe)),
    clamp(Math.ceil(obj.x + ext[2] * obj.r + fringe)),
    clamp(Math.ceil(obj.y + ext[3] * obj.r + fringe)),
  ];
}

/** Area of a box in 0–1000 units squared. */
export function boxArea(b: Box): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

/** Intersection over union of two boxes. */
export function boxIoU(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

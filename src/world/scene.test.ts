import { describe, expect, it } from 'vitest';
import { Rng } from './rng';
import {
  bestRelation,
  diffScenes,
  generateScene,
  isInside,
  mirrorRelation,
  nuisanceVariant,
  relationHolds,
  renderScene,
  sceneBoxes,
} from './scene';
import { IMAGE_SIZE, type SceneObject } from './types';

describe('scene', () => {
  it('same seed → identical bytes; different seed → different image', () => {
    const a = renderScene(generateScene(new Rng(11)));
    const b = renderScene(generateScene(new Rng(11)));
    const c = renderScene(generateScene(new Rng(12)));
    expect(a.length).toBe(IMAGE_SIZE * IMAGE_SIZE * 4);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('generates 1–6 objects inside the image, unique looks, many small ones, varied backgrounds', () => {
    let small = 0;
    let total = 0;
    const kinds = new Set<string>();
    let inside = 0;
    for (let s = 0; s < 400; s++) {
      const scene = generateScene(new Rng(s));
      kinds.add(scene.background.kind);
      expect(scene.objects.length).toBeGreaterThanOrEqual(1);
      expect(scene.objects.length).toBeLessThanOrEqual(6);
      const keys = scene.objects.map((o) => `${o.size} ${o.color} ${o.shape}`);
      expect(new Set(keys).size).toBe(keys.length);
      for (const b of sceneBoxes(scene)) {
        expect(b[0]).toBeGreaterThanOrEqual(0);
        expect(b[3]).toBeLessThanOrEqual(1000);
      }
      for (const o of scene.objects) {
        total++;
        o.size === 'small' && small++;
      }
      scene.objects.forEach((a) => scene.objects.forEach((b) => a !== b && isInside(a, b) && inside++));
    }
    expect(small / total).toBeGreaterThan(0.4);
    expect(kinds.size).toBe(4);
    expect(inside).toBeGreaterThan(10);
  });

  it('relations: left/right/above/below are exclusive and mirroring flips them', () => {
    const o = (x: number, y: number): SceneObject => ({
      shape: 'circle',
      color: 'red',
      size: 'small',
      texture: 'solid',
      x,
      y,
      r: 60,
    });
    const a = o(350, 500);
    const b = o(600, 520);
    expect(relationHolds('left', a, b)).toBe(true);
    expect(relationHolds('right', a, b)).toBe(false);
    expect(relationHolds('above', a, b)).toBe(false);
    const scene = { background: generateScene(new Rng(1)).background, objects: [a, b] };
    expect(bestRelation(a, b, scene)).toBe('left');
    const mirrored = mirrorRelation(scene, 0, 1, 'left')!;
    expect(relationHolds('right', mirrored.objects[0]!, mirrored.objects[1]!)).toBe(true);
    expect(diffScenes(scene, mirrored)).toEqual(['0.position']);
  });

  it('a nuisance variant keeps every object and relation, and changes the background', () => {
    for (let s = 0; s < 50; s++) {
      const scene = generateScene(new Rng(s), { count: 4 });
      const v = nuisanceVariant(scene, new Rng(s + 1000));
      expect(v.objects.map((o) => [o.shape, o.color, o.size, o.texture])).toEqual(
        scene.objects.map((o) => [o.shape, o.color, o.size, o.texture]),
      );
      scene.objects.forEach((a, i) =>
        scene.objects.forEach(
          (b, j) => i !== j && expect(bestRelation(v.objects[i]!, v.objects[j]!, v)).toBe(bestRelation(a, b, scene)),
        ),
      );
    }
  });
});

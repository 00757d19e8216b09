import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/random.ts';
import { layoutScene, renderLayoutImage, sampleLayoutScene } from './layout.ts';
import { renderImage } from './render-image.ts';
import type { Scene } from './scene.ts';

function overlap(a: { x: number; y: number; w: number; h: number }, b: typeof a): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  return (ix * iy) / Math.min(a.w * a.h, b.w * b.h);
}

test('layout scenes: 2–4 objects of distinct classes, boxes inside the image and apart, deterministic', () => {
  const counts = new Set<number>();
  for (let i = 0; i < 40; i++) {
    const l = layoutScene(7, i);
    counts.add(l.objects.length);
    assert.ok(l.objects.length >= 2 && l.objects.length <= 4, `scene ${i}: ${l.objects.length} objects`);
    assert.equal(new Set(l.objects.map((o) => o.classId)).size, l.objects.length);
    assert.equal(l.scene.objects.length, l.objects.length);
    for (const [k, o] of l.objects.entries()) {
      const b = o.box;
      assert.ok(
        b.x >= 0 && b.y >= 0 && b.x + b.w <= l.size && b.y + b.h <= l.size && b.w > 5 && b.h > 5,
        JSON.stringify(b),
      );
      for (const other of l.objects.slice(k + 1)) assert.ok(overlap(b, other.box) < 0.25, `scene ${i} boxes overlap`);
    }
  }
  assert.deepEqual([...counts].sort(), [2, 3, 4]);
  assert.deepEqual(layoutScene(7, 3), layoutScene(7, 3));
  assert.notDeepEqual(layoutScene(7, 3), layoutScene(8, 3));
  const img = renderLayoutImage(layoutScene(7, 3), 7, 3);
  assert.deepEqual([img.width, img.height], [224, 224]);
  assert.ok(renderLayoutImage(layoutScene(7, 3), 7, 3).data.every((v, i) => v === img.data[i]));
  assert.throws(() => sampleLayoutScene(new Rng(1), { minObjects: 3, maxObjects: 2 }), RangeError);
});

test('layout boxes are the tight boxes of the rendered silhouettes', () => {
  for (let i = 0; i < 6; i++) {
    const l = layoutScene(11, i);
    for (const [k, o] of l.objects.entries()) {
      // The object alone on a flat background without noise or lighting: every changed pixel is the object.
      const scene: Scene = {
        ...l.scene,
        objects: [l.scene.objects[k]],
        background: {
          ...l.scene.background,
          kind: 'gradient',
          colours: [
            [3, 250, 3],
            [3, 250, 3],
          ],
        },
        light: { ...l.scene.light, strength: 0, brightness: 1 },
        noise: 0,
      };
      const img = renderImage(scene, new Rng(1), l.size);
      let x0 = Infinity,
        y0 = Infinity,
        x1 = -Infinity,
        y1 = -Infinity;
      for (let y = 0; y < l.size; y++)
        for (let x = 0; x < l.size; x++) {
          const p = (y * l.size + x) * 3;
          // At least half the object's colour (coverage ≥ 0.5) shifts a channel by ≥ 25 from the background.
          const d = Math.max(...[0, 1, 2].map((c) => Math.abs(img.data[p + c] - [3, 250, 3][c])));
          if (d < 25) continue;
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x + 1);
          y1 = Math.max(y1, y + 1);
        }
      const b = o.box;
      for (const [got, want] of [
        [x0, b.x],
        [y0, b.y],
        [x1, b.x + b.w],
        [y1, b.y + b.h],
      ])
        assert.ok(
          Math.abs(got - want) <= 2,
          `scene ${i} object ${k}: rendered ${[x0, y0, x1, y1]} vs box ${JSON.stringify(b)}`,
        );
    }
  }
});
